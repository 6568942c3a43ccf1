import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './support/net.js';

const BACKEND = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'process-test-token-0123456789';

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(env: Record<string, string>): Run {
  // DATABASE_URL from the test environment must not leak in: these tests are about the embedded default.
  const { DATABASE_URL: _ignored, ...parentEnv } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: BACKEND, env: { ...parentEnv, ...env }, stdio: 'pipe' });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return { child, output: () => output, exited: new Promise((resolve) => child.on('exit', resolve)) };
}

async function waitReady(url: string, r: Run): Promise<void> {
  const deadline = Date.now() + 45_000;
  let hasExited = false;
  void r.exited.then(() => (hasExited = true));
  while (Date.now() < deadline && !hasExited) {
    const res = await fetch(`${url}/health/ready`).catch(() => undefined);
    if (res?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`sidecar ${hasExited ? 'exited' : 'never became ready'}:\n${r.output()}`);
}

describe('the sidecar process', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('stops at start with one clear line when a variable is bad', async () => {
    const r = run({ PORT: 'ninety', STUDIO_DATA_DIR: '/nonexistent' });
    expect(await r.exited).toBe(1);
    expect(r.output().trim()).toBe('invalid configuration: PORT: Invalid input: expected number, received NaN');
  });

  it('keeps its embedded database across a restart and drains on SIGTERM', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'studio-process-'));
    dirs.push(dataDir);
    await chmod(dataDir, 0o755); // mkdtemp makes it private; the embedded Postgres user must reach inside
    const port = await freePort();
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      STUDIO_DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      STUDIO_ADMIN_TOKEN: TOKEN,
      STUDIO_DEMO_DATA: 'true',
    };
    const url = `http://127.0.0.1:${port}`;
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

    const first = run(env);
    await waitReady(url, first);
    const created = await fetch(`${url}/api/incidents`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ title: 'Survives restarts', severity: 'high', services: ['checkout'] }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { id } = await created.json();
    first.child.kill('SIGTERM');
    expect(await first.exited, first.output()).toBe(0);

    const second = run(env);
    await waitReady(url, second);
    const again = await fetch(`${url}/api/incidents/${id}`, { headers: auth });
    expect(again.status).toBe(200);
    expect((await again.json()).title).toBe('Survives restarts');
    const services = await (await fetch(`${url}/api/services`, { headers: auth })).json();
    expect(services.items.filter((s: { name: string }) => s.name === 'checkout')).toHaveLength(1);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output()).toBe(0);
  });
});
