import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TtlCache } from '../src/resilience/cache.js';
import { freePort } from './support/net.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

describe('with the database up', () => {
  let sidecar: TestSidecar;
  beforeAll(async () => (sidecar = await startSidecar()));
  afterAll(() => sidecar.close());

  it('is ready, with the database check and its latency', async () => {
    const body = await expectStatus(await sidecar.call('/health/ready', { token: null }), 200);
    expect(body).toMatchObject({ status: 'ready', checks: { database: { status: 'up', latencyMs: expect.any(Number) } } });
  });

  it('reports version and uptime on /health', async () => {
    const body = await expectStatus(await sidecar.call('/health', { token: null }), 200);
    expect(body).toMatchObject({ status: 'ok', version: 'test', uptimeSeconds: expect.any(Number) });
  });

  it('details every dependency with its breaker, and the caches', async () => {
    const cache = new TtlCache<string>('prometheus-queries', { maxEntries: 10, ttlMs: 1000 }, sidecar.resilience);
    cache.set('q', 'v');
    cache.get('q');
    const detailed = await expectStatus(await sidecar.call('/health/detailed', { token: null }), 200);
    expect(detailed).toMatchObject({ status: 'ok', phase: 'serving', version: 'test' });
    expect(detailed.dependencies).toEqual([
      expect.objectContaining({ name: 'postgres', status: 'up', breaker: 'closed', latencyMs: expect.any(Number) }),
    ]);
    expect(detailed.caches).toEqual([{ name: 'prometheus-queries', size: 1, maxSize: 10, hits: 1, misses: 0, evictions: 0 }]);
    const breakers = await expectStatus(await sidecar.call('/health/circuit-breakers', { token: null }), 200);
    expect(breakers.items).toEqual([expect.objectContaining({ name: 'postgres', breaker: 'closed', inFlight: 0, queued: 0 })]);
    const caches = await expectStatus(await sidecar.call('/health/cache', { token: null }), 200);
    expect(caches.items[0]).toMatchObject({ name: 'prometheus-queries', hits: 1 });
    expect((await expectStatus(await sidecar.call('/health/startup', { token: null }), 200)).status).toBe('started');
  });
});

describe('lifecycle', () => {
  let sidecar: TestSidecar;
  beforeAll(async () => (sidecar = await startSidecar()));
  afterAll(() => sidecar.close());

  it('is not ready while draining, and asks every client to reconnect elsewhere', async () => {
    sidecar.lifecycle.startDraining();
    const ready = await sidecar.call('/health/ready', { token: null });
    expect((await expectStatus(ready, 503)).status).toBe('draining');
    // In-flight and late requests are still answered during the drain, with Connection: close.
    const list = await sidecar.call('/api/incidents');
    await expectStatus(list, 200);
    expect(list.headers.get('connection')).toBe('close');
    expect((await expectStatus(await sidecar.call('/health/live', { token: null }), 200)).status).toBe('ok');
  });
});

describe('with the database unreachable', () => {
  let sidecar: TestSidecar;
  beforeAll(async () => {
    // A port with nothing listening: connections are refused at once, as when Postgres is down.
    sidecar = await startSidecar({ databaseUrl: `postgres://postgres:x@127.0.0.1:${await freePort()}/studio` });
  });
  afterAll(() => sidecar.close());

  it('stays alive but not ready, without leaking connection details', async () => {
    await expectStatus(await sidecar.call('/health/live', { token: null }), 200);
    const res = await sidecar.call('/health/ready', { token: null });
    const text = await res.text();
    expect(res.status, text).toBe(503);
    expect(JSON.parse(text)).toMatchObject({ status: 'not_ready', checks: { database: { status: 'down' } } });
    const detailed = await sidecar.call('/health/detailed', { token: null });
    expect((await expectStatus(detailed, 503)).dependencies[0]).toMatchObject({ name: 'postgres', status: 'down' });
    expect(text).not.toMatch(/127\.0\.0\.1|postgres:/);
  });

  it('answers API calls with 503 DATABASE_UNAVAILABLE and Retry-After, so clients retry', async () => {
    for (const [method, path, json] of [
      ['GET', '/api/incidents', undefined],
      ['POST', '/api/incidents', { title: 'x', severity: 'low' }],
    ] as const) {
      const res = await sidecar.call(path, { method, json });
      const body = await expectStatus(res, 503);
      expect(body.error.code).toBe('DATABASE_UNAVAILABLE');
      expect(res.headers.get('retry-after')).toBe('5');
      expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    }
  });

  it('still refuses a request without a token with 401, not 503', async () => {
    expect((await sidecar.call('/api/incidents', { token: null })).status).toBe(401);
  });
});
