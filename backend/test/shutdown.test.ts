/**
 * SIGTERM during a steady load of writes, against the real sidecar process: readiness turns 503 first, every
 * request the server accepted gets a complete answer, and the process exits 0 within its bound.
 *
 * The load generator behaves like a load balancer in front of the replica: it polls readiness and stops routing
 * new requests to it once readiness says 503 (requests already sent, and those sent before it noticed, must
 * complete). A client that kept opening connections to a closing listener would always race the close; that is
 * what the drain delay is for.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './support/net.js';
import { createTestDatabase } from './support/sidecar.js';

const BACKEND = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'shutdown-test-token-0123456789';
const DRAIN_DELAY_MS = 1000;
const BOUND_MS = 8000;

const errorCode = (err: unknown): string => {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code ?? (err as Error).message;
};

describe('SIGTERM under load', () => {
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => drop?.());

  it('drops no request, turns readiness 503 before closing, and exits 0 within the bound', { timeout: 60_000 }, async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: BACKEND,
      stdio: 'pipe',
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: db.url,
        STUDIO_ADMIN_TOKEN: TOKEN,
        SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
        SHUTDOWN_TIMEOUT_MS: String(BOUND_MS),
      },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (let ready = false; !ready; await new Promise((r) => setTimeout(r, 100))) {
      ready = (await fetch(`${url}/health/ready`).catch(() => undefined))?.ok ?? false;
      if (child.exitCode !== null) throw new Error(output);
    }

    const answers: number[] = [];
    const refused: number[] = [];
    const cut: string[] = [];
    const acknowledged: string[] = [];
    let isRunning = true;
    let isRouted = true; // the load balancer's view of this replica
    const worker = async (w: number) => {
      for (let n = 0; isRunning && isRouted; n++) {
        try {
          const res = await fetch(`${url}/api/incidents`, {
            method: 'POST',
            headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify({ title: `load ${w}-${n}`, severity: 'low' }),
          });
          const body = await res.json(); // a cut response fails here
          answers.push(res.status);
          if (res.status === 201) acknowledged.push(body.id);
        } catch (err) {
          // Refused: the listener was closed, the request never reached the server. Anything else cut a request.
          if (errorCode(err) === 'ECONNREFUSED') {
            refused.push(Date.now());
            await new Promise((r) => setTimeout(r, 50));
          } else {
            cut.push(errorCode(err));
          }
        }
        if (refused.length > 20) isRunning = false;
      }
    };
    let firstNotReady: number | undefined;
    const readinessWatch = (async () => {
      while (child.exitCode === null && !firstNotReady) {
        const res = await fetch(`${url}/health/ready`).catch(() => undefined);
        if (res?.status === 503) {
          firstNotReady = Date.now();
          isRouted = false;
        }
        await new Promise((r) => setTimeout(r, 100)); // a health-check interval
      }
    })();

    const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    await new Promise((r) => setTimeout(r, 1000));
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const code = await exit;
    const exitedAfter = Date.now() - signalledAt;
    isRunning = false;
    await Promise.all([load, readinessWatch]);

    console.log(
      `answers ${answers.length} (201: ${acknowledged.length}), cut ${cut.length}, refused after close ${refused.length}, ` +
        `readiness 503 after ${firstNotReady! - signalledAt} ms, exit ${code} after ${exitedAfter} ms`
    );
    expect(cut, output).toEqual([]);
    expect(answers.every((s) => s === 201)).toBe(true);
    expect(code, output).toBe(0);
    expect(exitedAfter).toBeLessThan(BOUND_MS);
    expect(firstNotReady! - signalledAt).toBeLessThan(DRAIN_DELAY_MS);
    expect(refused).toEqual([]); // the listener closed only after traffic had moved away

    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    const stored = await sql`select count(*)::int as n from incidents where id = any(${acknowledged})`;
    await sql.end();
    expect(stored[0]!.n).toBe(acknowledged.length);
  });
});
