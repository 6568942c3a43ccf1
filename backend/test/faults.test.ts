/**
 * Fault injection against real processes and a real Postgres: the database stopped under traffic, and the database
 * made slow by a TCP proxy. (SIGTERM under load is in shutdown.test.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createSql } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { startFaultProxy } from './support/faultProxy.js';
import { startStoppablePostgres } from './support/stoppablePostgres.js';
import { createTestDatabase, expectStatus, startSidecar } from './support/sidecar.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Outcome {
  at: number;
  status: number;
  ms: number;
  code?: string;
  retryAfter?: string | null;
  id?: string;
}

describe('Postgres stopped under steady traffic', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('answers 503 fast during the outage, recovers within 5 s of its return, and loses no acknowledged write', { timeout: 90_000 }, async () => {
    // Its own Postgres, since this test stops it.
    const pg = await startStoppablePostgres();
    cleanups.push(() => pg.remove());
    const sidecar = await startSidecar({ databaseUrl: pg.url });
    cleanups.push(() => sidecar.close());

    const outcomes: Outcome[] = [];
    let isRunning = true;
    let n = 0;
    const worker = async () => {
      while (isRunning) {
        const at = Date.now();
        const res = await sidecar.call('/api/incidents', { method: 'POST', json: { title: `steady ${n++}`, severity: 'low' } });
        const body = await res.json();
        outcomes.push({
          at,
          status: res.status,
          ms: Date.now() - at,
          code: body.error?.code,
          retryAfter: res.headers.get('retry-after'),
          id: body.id,
        });
        await sleep(20);
      }
    };
    const workers = Array.from({ length: 4 }, worker);

    await sleep(1000);
    const stoppedAt = Date.now();
    await pg.stop();
    await sleep(3000);
    await pg.restart();
    const backAt = Date.now();
    let recoveredAt: number | undefined;
    while (!recoveredAt && Date.now() - backAt < 15_000) {
      await sleep(50);
      recoveredAt = outcomes.find((o) => o.at >= backAt && o.status === 201)?.at;
    }
    await sleep(500);
    isRunning = false;
    await Promise.all(workers);

    const during = outcomes.filter((o) => o.at > stoppedAt + 500 && o.at < backAt);
    const failures = outcomes.filter((o) => o.status !== 201);
    const recoveryMs = recoveredAt! - backAt;
    console.log(
      `requests ${outcomes.length}, 201: ${outcomes.length - failures.length}, 503 during outage: ${during.length}, ` +
        `slowest answer in outage ${Math.max(...during.map((o) => o.ms))} ms, recovery ${recoveryMs} ms after Postgres returned`
    );
    expect(during.length).toBeGreaterThan(10);
    expect(during.every((o) => o.status === 503 && o.code === 'DATABASE_UNAVAILABLE' && Number(o.retryAfter) >= 1)).toBe(true);
    expect(failures.every((o) => o.status === 503)).toBe(true); // never a 500, never a hang
    expect(Math.max(...during.map((o) => o.ms))).toBeLessThan(1000);
    expect(recoveryMs).toBeLessThan(5000);

    const acknowledged = outcomes.filter((o) => o.status === 201).map((o) => o.id!);
    const stored = await sidecar.sql<{ id: string }[]>`select id from incidents where id = any(${acknowledged})`;
    expect(stored.length).toBe(acknowledged.length);
  });
});

describe('Postgres made slow (2 s added by a TCP proxy)', () => {
  it('times out, opens the breaker, fails fast while open, and closes again once the delay is gone', { timeout: 60_000 }, async () => {
    const db = await createTestDatabase();
    const setup = createSql({ url: db.url, poolMax: 1, statementTimeoutMs: 5000 });
    await migrate(setup);
    await setup.end();
    const target = new URL(db.url);
    const proxy = await startFaultProxy(Number(target.port));
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    const sidecar = await startSidecar({
      databaseUrl: viaProxy.href,
      env: { DB_TIMEOUT_MS: '300', DB_RETRIES: '0', DB_BREAKER_HALF_OPEN_MS: '1000' },
    });
    try {
      const get = async () => {
        const at = Date.now();
        const res = await sidecar.call('/api/incidents?limit=1');
        const body = await res.json();
        return { status: res.status, ms: Date.now() - at, code: body.error?.code, retryAfter: res.headers.get('retry-after') };
      };
      expect((await get()).status).toBe(200);

      proxy.setDelay(2000);
      const slow = [];
      for (let n = 0; n < 5; n++) slow.push(await get());
      expect(slow.every((r) => r.status === 503 && r.code === 'DATABASE_UNAVAILABLE')).toBe(true);
      expect(slow.every((r) => r.ms >= 250 && r.ms < 1500)).toBe(true); // the timeout, not the 2 s delay
      const breakers = await expectStatus(await sidecar.call('/health/circuit-breakers', { token: null }), 200);
      expect(breakers.items).toEqual([expect.objectContaining({ name: 'postgres', breaker: 'open' })]);

      const fast = await get();
      expect(fast).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE', retryAfter: '1' });
      expect(fast.ms).toBeLessThan(100); // open: no call to the database at all

      proxy.setDelay(0);
      await sleep(1100);
      const probe = await get();
      // The stale pooled connections may still be waiting on their delayed answers; the probe uses a free one.
      expect(probe.status).toBe(200);
      for (let n = 0; n < 3; n++) expect((await get()).status).toBe(200);
      const after = await expectStatus(await sidecar.call('/health/circuit-breakers', { token: null }), 200);
      expect(after.items[0].breaker).toBe('closed');
    } finally {
      await sidecar.close();
      await proxy.close();
      await db.drop();
    }
  });
});
