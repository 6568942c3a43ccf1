/**
 * The Postgres pool and its policy after a crash: Postgres SIGKILLed while several callers keep asking (as the
 * sidecar's outbox reader, correlation poller and API do), then restarted. Calls during the outage fail fast, and the
 * pool serves again within seconds of Postgres accepting connections, however many connection attempts failed in
 * between. Production defaults for every timeout (DB_TIMEOUT_MS 10 s, 3 retries, half-open after 2 s).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../src/correlation/engine.js';
import type { EvidenceSource, SourceReport } from '../src/correlation/source.js';
import { SYSTEM_ACTOR } from '../src/domain/actor.js';
import { ResilienceRegistry } from '../src/resilience/registry.js';
import { createSql, Database } from '../src/store/db.js';
import { createIncident } from '../src/store/incidents.js';
import { startStoppablePostgres } from './support/stoppablePostgres.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const POLICY = {
  timeoutMs: 10_000,
  retries: 3,
  backoff: { baseMs: 100, maxMs: 5000, jitter: 0.25 },
  breaker: { consecutiveFailures: 5, failureRate: 0.5, windowSize: 10, closeAfterSuccesses: 3, halfOpenAfterMs: 2000 },
  bulkhead: { maxConcurrent: 10, maxQueue: 100 },
};

/** A source that takes its time, so Postgres can die while a correlation run holds its lock. */
class SlowSource implements EvidenceSource {
  readonly name = 'tempo' as const;
  readonly isConfigured = true;
  async collect(): Promise<SourceReport> {
    await sleep(1500);
    return { status: 'ok', findings: [] };
  }
}

interface Call {
  at: number;
  ms: number;
  ok: boolean;
}

describe('Postgres SIGKILLed and restarted under callers', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('fails calls fast during the outage and serves again within one half-open period of Postgres returning', { timeout: 60_000 }, async () => {
    const pg = await startStoppablePostgres();
    cleanups.push(() => pg.remove());
    const db = new Database(createSql({ url: pg.url, poolMax: 10, statementTimeoutMs: 10_000 }), POLICY, new ResilienceRegistry());
    cleanups.push(() => db.sql.end({ timeout: 1 }));

    const calls: Call[] = [];
    let isRunning = true;
    const caller = async () => {
      while (isRunning) {
        const at = Date.now();
        // Transactions too: at the kill some are half done, and postgres.js sends their rollback on a dead connection.
        const call =
          calls.length % 2
            ? db.read((s) => s`select 1 as one`)
            : db.write((s) => s.begin(async (tx) => [await tx`select pg_sleep(0.02)`, await tx`select 2 as two`]));
        const ok = await call.then(
          () => true,
          () => false
        );
        calls.push({ at, ms: Date.now() - at, ok });
        await sleep(ok ? 20 : 50);
      }
    };
    const callers = Array.from({ length: 6 }, caller);

    await sleep(500);
    const killedAt = Date.now();
    await pg.kill('SIGKILL');
    await sleep(4000); // several half-open probes, dozens of refused connection attempts
    const restartBegan = Date.now();
    await pg.restart();
    const backAt = Date.now();
    let recoveredAt: number | undefined;
    while (recoveredAt === undefined && Date.now() - backAt < 15_000) {
      await sleep(25);
      recoveredAt = calls.find((c) => c.at >= backAt && c.ok)?.at;
    }
    isRunning = false;
    await Promise.all(callers);

    const during = calls.filter((c) => c.at > killedAt + 200 && c.at < restartBegan);
    const slowest = Math.max(...during.map((c) => c.ms));
    const recoveryMs = recoveredAt === undefined ? Infinity : recoveredAt - backAt;
    console.log(`outage: ${during.length} calls, slowest ${slowest} ms; first success ${recoveryMs} ms after Postgres returned`);
    expect(during.length).toBeGreaterThan(20);
    expect(during.every((c) => !c.ok)).toBe(true);
    // A half-open probe meets a refused connection at once; it must not wait on a reconnect timer.
    expect(slowest).toBeLessThan(1500);
    expect(recoveryMs).toBeLessThan(3500); // the next half-open probe (every 2 s) succeeds

    // Every connection of the pool serves again (none waits out the 5 s connect timeout), and the pool closes at once,
    // as graceful shutdown needs (a connection holding a query sent while it was dead never ends).
    const after = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const at = Date.now();
        const failed = await db.write((s) => s.begin((tx) => tx`select pg_sleep(0.2)`)).then(
          () => '',
          (err: Error) => ` (${(err.cause as Error | undefined)?.cause instanceof Error ? ((err.cause as Error).cause as { code?: string }).code : err.message})`
        );
        return `${Date.now() - at}${failed}`;
      })
    );
    const endAt = Date.now();
    await db.sql.end({ timeout: 5 });
    const endMs = Date.now() - endAt;
    console.log(`after recovery: 10 concurrent transactions in ${after.join(', ')} ms; pool ended in ${endMs} ms`);
    expect(after.every((a) => /^\d+$/.test(a) && Number(a) < 2000)).toBe(true);
    expect(endMs).toBeLessThan(1000);
  });

  it('a correlation run whose lock connection died mid-run ends, and leaves no dead connection in the pool', { timeout: 60_000 }, async () => {
    const pg = await startStoppablePostgres();
    cleanups.push(() => pg.remove());
    // Two connections: a dead one left in the pool would catch every other query.
    const sql = createSql({ url: pg.url, poolMax: 2, statementTimeoutMs: 10_000 });
    cleanups.push(() => sql.end({ timeout: 1 }));
    const db = new Database(sql, { ...POLICY, timeoutMs: 3000, breaker: { ...POLICY.breaker, halfOpenAfterMs: 200 } }, new ResilienceRegistry());
    const incident = await db.write((s) => createIncident(s, { title: 'lock holder', severity: 'high' }, SYSTEM_ACTOR));
    const engine = new CorrelationEngine({ db, sources: [new SlowSource()], budgetMs: 5000, leadMs: 60_000 });

    const run = engine.run(incident.id, 'manual').then(
      () => 'stored',
      (err: Error) => `failed: ${err.message}`
    );
    await sleep(500); // the run holds its lock and waits on the slow source
    await pg.kill('SIGKILL');
    // Other callers keep trying meanwhile, as the API and the live feed do.
    let isDown = true;
    const others = (async () => {
      while (isDown) {
        await db.read((s) => s`select 1`).catch(() => undefined);
        await sleep(50);
      }
    })();
    const outcome = await Promise.race([run, sleep(8000).then(() => 'still running after 8 s')]);
    isDown = false;
    await others;
    expect(outcome).not.toBe('still running after 8 s');
    await pg.restart();

    // Every query after Postgres' return is answered, none waits on a connection that is gone.
    await sleep(500);
    const answered: number[] = [];
    for (let n = 0; n < 6; n++) {
      const at = Date.now();
      const ok = await Promise.race([
        db.read((s) => s`select 1 as one`).then(() => true, () => false),
        sleep(2500).then(() => false),
      ]);
      answered.push(ok ? Date.now() - at : -1);
      await Promise.all([db.read((s) => s`select 1`).catch(() => undefined), db.read((s) => s`select 1`).catch(() => undefined)]);
    }
    console.log(`run: ${outcome}; queries after the restart (ms, -1 unanswered): ${answered.join(', ')}`);
    expect(answered.slice(1).every((ms) => ms >= 0 && ms < 1000)).toBe(true);
    // And a new run takes the lock again.
    await expect(engine.run(incident.id, 'manual')).resolves.toMatchObject({ run: { incidentId: incident.id } });
  });
});
