import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TtlCache } from '../src/resilience/cache.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

/** Parses the exposition text into `name{labels}` -> value, for the lines that are samples. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function scrape(sidecar: TestSidecar, token: string | null = null): Promise<Map<string, number>> {
  const res = await sidecar.call('/metrics', { token });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return samples(text);
}

describe('/metrics', () => {
  let sidecar: TestSidecar;
  beforeAll(async () => (sidecar = await startSidecar()));
  afterAll(() => sidecar.close());

  it('counts requests by method, route template and status, never by raw path', async () => {
    const created = await expectStatus(
      await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'Counted', severity: 'low' } }),
      201
    );
    for (let i = 0; i < 3; i++) await expectStatus(await sidecar.call(`/api/incidents/${created.id}`), 200);
    await expectStatus(await sidecar.call('/api/incidents/0b6f1a56-8c1e-4d0f-9a8e-4f7d2f6c1b2a'), 404);
    await expectStatus(await sidecar.call('/api/incidents', { token: null }), 401);
    await expectStatus(await sidecar.call('/wp-admin/setup.php', { token: null }), 404);

    const text = await (await sidecar.call('/metrics', { token: null })).text();
    const m = samples(text);
    expect(m.get('http_requests_total{method="POST",route="/api/incidents",status="201"}')).toBe(1);
    expect(m.get('http_requests_total{method="GET",route="/api/incidents/:id",status="200"}')).toBe(3);
    expect(m.get('http_requests_total{method="GET",route="/api/incidents/:id",status="404"}')).toBe(1);
    expect(m.get('http_requests_total{method="GET",route="/api/incidents",status="401"}')).toBe(1);
    expect(m.get('http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(text).not.toContain(created.id);
    expect(text).not.toContain('wp-admin');
  });

  it('has a duration histogram with the documented buckets, consistent with the counter', async () => {
    const m = await scrape(sidecar);
    const series = 'method="GET",route="/api/incidents/:id",status="200"';
    const buckets = [...m.keys()]
      .filter((k) => k.startsWith('http_request_duration_seconds_bucket{') && k.includes(series))
      .map((k) => /le="([^"]+)"/.exec(k)![1]);
    expect(buckets).toEqual(['0.001', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
    expect(m.get(`http_request_duration_seconds_bucket{le="+Inf",${series}}`)).toBe(3);
    expect(m.get(`http_request_duration_seconds_count{${series}}`)).toBe(3);
    expect(m.get(`http_request_duration_seconds_sum{${series}}`)).toBeGreaterThan(0);
  });

  it('reports in-flight requests, the pool size, the build and the process defaults with event-loop lag', async () => {
    const m = await scrape(sidecar);
    // The scrape itself is the one request in flight while the text is rendered.
    expect(m.get('http_requests_in_flight')).toBe(1);
    expect(m.get('db_pool_max_connections')).toBe(5);
    expect(m.get('sidecar_build_info{version="test"}')).toBe(1);
    expect(m.has('process_resident_memory_bytes')).toBe(true);
    expect(m.get('nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('shows the Postgres breaker state and the events the resilience registry reports', async () => {
    let m = await scrape(sidecar);
    expect(m.get('dependency_circuit_state{dependency="postgres"}')).toBe(0);
    expect(m.get('dependency_in_flight{dependency="postgres"}')).toBe(0);

    sidecar.resilience.emit({ type: 'breaker_state', dependency: 'postgres', state: 'open' });
    sidecar.resilience.emit({ type: 'retry', dependency: 'postgres', attempt: 1, delayMs: 100 });
    sidecar.resilience.emit({ type: 'retry', dependency: 'postgres', attempt: 2, delayMs: 200 });
    sidecar.resilience.emit({ type: 'give_up', dependency: 'postgres', reason: 'circuit_open' });
    m = await scrape(sidecar);
    expect(m.get('dependency_circuit_transitions_total{dependency="postgres",state="open"}')).toBe(1);
    expect(m.get('dependency_retries_total{dependency="postgres"}')).toBe(2);
    expect(m.get('dependency_give_ups_total{dependency="postgres",reason="circuit_open"}')).toBe(1);
  });

  it('reads cache statistics at scrape time', async () => {
    const cache = new TtlCache<string>('test-queries', { maxEntries: 2, ttlMs: 60_000 }, sidecar.resilience);
    cache.set('a', '1');
    cache.set('b', '2');
    cache.set('c', '3'); // evicts "a"
    cache.get('b');
    cache.get('a');
    const m = await scrape(sidecar);
    expect(m.get('cache_hits_total{cache="test-queries"}')).toBe(1);
    expect(m.get('cache_misses_total{cache="test-queries"}')).toBe(1);
    expect(m.get('cache_evictions_total{cache="test-queries"}')).toBe(1);
    expect(m.get('cache_size{cache="test-queries"}')).toBe(2);
    expect(m.get('cache_max_size{cache="test-queries"}')).toBe(2);
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  const METRICS_TOKEN = 'scrape-token-0123456789';
  let sidecar: TestSidecar;
  beforeAll(async () => (sidecar = await startSidecar({ env: { METRICS_TOKEN } })));
  afterAll(() => sidecar.close());

  it('refuses scrapes without it, or with an API token, and answers with it', async () => {
    const anonymous = await sidecar.call('/metrics', { token: null });
    expect((await expectStatus(anonymous, 401)).error.code).toBe('AUTH_REQUIRED');
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expectStatus(await sidecar.call('/metrics'), 401); // the admin API token is not the scrape token
    expect((await scrape(sidecar, METRICS_TOKEN)).get('db_pool_max_connections')).toBe(5);
  });
});
