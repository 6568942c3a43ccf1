/**
 * Fault isolation of the correlation engine through the real API: Prometheus refusing connections, answering too
 * slowly, answering garbage, rate limiting, or failing some queries; a source that ignores the budget. In every
 * case the incident still gets the change source's findings, the failing source is marked with a short message,
 * and the API answers 200. Plus: one run at a time per incident, in one process and across two engines.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChangeSource } from '../src/correlation/changeSource.js';
import { CorrelationEngine } from '../src/correlation/engine.js';
import { PrometheusSource } from '../src/correlation/prometheusSource.js';
import type { EvidenceSource, SourceReport } from '../src/correlation/source.js';
import { loadConfig } from '../src/config.js';
import { ResilienceRegistry } from '../src/resilience/registry.js';
import type { Database } from '../src/store/db.js';
import { createPrometheusClient } from '../src/telemetry/prometheus.js';
import { freePort } from './support/net.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

type Mode = 'ok' | 'slow' | 'garbage' | 'rate_limited' | 'partial';
let mode: Mode = 'ok';
let prometheusCalls = 0;
let fake: Server;
let fakeUrl: string;

function matrix(): string {
  const now = Date.now() / 1000;
  const values = Array.from({ length: 50 }, (_, i) => [now - 600 + i * 12, i < 40 ? '1' : '9']);
  return JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } });
}

/** A stand-in Prometheus whose misbehaviour each test picks. */
async function startFakePrometheus(): Promise<void> {
  fake = createServer((req, res) => {
    prometheusCalls++;
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const query = new URLSearchParams(body).get('query') ?? '';
      if (mode === 'slow') return void setTimeout(() => res.writeHead(200).end(matrix()), 2000);
      if (mode === 'garbage') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy login</html>');
      if (mode === 'rate_limited') return void res.writeHead(429).end('slow down');
      if (mode === 'partial' && !query.startsWith('histogram_quantile')) {
        return void res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error: unexpected identifier' }));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(matrix());
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  fakeUrl = `http://127.0.0.1:${(fake.address() as { port: number }).port}`;
}

/** A Prometheus source with a fresh policy (its own breaker) and no cache, 300 ms per attempt, one retry. */
function prometheusSource(url: string): PrometheusSource {
  const config = loadConfig({
    PROMETHEUS_URL: url,
    PROMETHEUS_TIMEOUT_MS: '300',
    TELEMETRY_RETRIES: '1',
    RETRY_BASE_MS: '10',
    TELEMETRY_CACHE_TTL_MS: '1',
  });
  return new PrometheusSource({ client: createPrometheusClient(config.prometheus, new ResilienceRegistry()), datasourceUid: 'prom' });
}

/** Answers after `delayMs` with nothing, counting calls: makes runs overlap in the concurrency tests. */
class SlowSource implements EvidenceSource {
  readonly name = 'tempo' as const;
  readonly isConfigured = true;
  calls = 0;
  constructor(private readonly delayMs: number | 'never') {}
  async collect(): Promise<SourceReport> {
    this.calls++;
    // 'never': ignores the signal on purpose, like a source stuck in a library that takes no AbortSignal.
    await new Promise((resolve) => (this.delayMs === 'never' ? undefined : setTimeout(resolve, this.delayMs)));
    return { status: 'ok', findings: [] };
  }
}

const BUDGET_MS = 2500;
const sources: EvidenceSource[] = [];
let database: Database;
let sidecar: TestSidecar;
let incidentId: string;

const engineFor = (db: Database) =>
  new CorrelationEngine({ db, sources, budgetMs: BUDGET_MS, leadMs: 5 * 60_000 });

beforeAll(async () => {
  await startFakePrometheus();
  sidecar = await startSidecar({
    correlation: ({ db }) => {
      database = db;
      return engineFor(db);
    },
  });
  await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name: 'checkout' } }), 201);
  const incident = await expectStatus(
    await sidecar.call('/api/incidents', {
      method: 'POST',
      json: { title: 'Checkout failing', severity: 'high', services: ['checkout'] },
    }),
    201
  );
  incidentId = incident.id;
  const twoMinutesAgo = new Date(Date.now() - 120_000).toISOString();
  await expectStatus(
    await sidecar.call('/api/changes', {
      method: 'POST',
      json: { service: 'checkout', kind: 'deploy', summary: 'checkout v2.4.1', at: twoMinutesAgo },
    }),
    201
  );
});
afterAll(async () => {
  await sidecar.close();
  await new Promise((resolve) => fake.close(resolve));
});
beforeEach(() => {
  sources.length = 0;
  sources.push(prometheusSource(fakeUrl), new ChangeSource(database));
  prometheusCalls = 0;
});

async function correlate() {
  const started = performance.now();
  const result = await expectStatus(await sidecar.call(`/api/incidents/${incidentId}/correlate`, { method: 'POST' }), 200);
  return { result, elapsedMs: performance.now() - started };
}

function expectChangeFound(result: { run: { sources: Record<string, { status: string; findings: number }> }; findings: Array<{ source: string; summary: string }> }) {
  expect(result.run.sources.change).toMatchObject({ status: 'ok', findings: 1 });
  const change = result.findings.find((f) => f.source === 'change');
  expect(change?.summary).toContain('checkout v2.4.1');
}

/** The reason is for people: short, no stack, no address of the upstream. */
function expectSafeMessage(message: string | null) {
  expect(message).toBeTruthy();
  expect(message!.length).toBeLessThanOrEqual(300);
  expect(message).not.toMatch(/127\.0\.0\.1|\n\s+at |Error:/);
}

describe('a failing Prometheus degrades only its own source', () => {
  it('connection refused: prometheus failed, the change still found, 200', async () => {
    sources[0] = prometheusSource(`http://127.0.0.1:${await freePort()}`);
    const { result } = await correlate();
    expect(result.run.sources.prometheus.status).toBe('failed');
    expectSafeMessage(result.run.sources.prometheus.message);
    expectChangeFound(result);
  });

  it('slow past its timeout: failed within the budget, not after the upstream answers', async () => {
    mode = 'slow';
    const { result, elapsedMs } = await correlate();
    expect(result.run.sources.prometheus.status).toBe('failed');
    expect(result.run.sources.prometheus.message).toMatch(/timeout|budget/);
    expect(elapsedMs).toBeLessThan(BUDGET_MS + 1000);
    expectChangeFound(result);
  });

  it('answering garbage: failed, saying the answer was not the API', async () => {
    mode = 'garbage';
    const { result } = await correlate();
    expect(result.run.sources.prometheus.status).toBe('failed');
    expectSafeMessage(result.run.sources.prometheus.message);
    expect(prometheusCalls).toBeGreaterThan(0);
    expectChangeFound(result);
  });

  it('rate limited (429 without Retry-After): failed as rate limited, not retried', async () => {
    mode = 'rate_limited';
    const { result } = await correlate();
    expect(result.run.sources.prometheus.status).toBe('failed');
    expect(result.run.sources.prometheus.message).toContain('rate limiting');
    expect(prometheusCalls).toBe(3); // one per query: a 429 that does not say when is not retried
    expectChangeFound(result);
  });

  it('some queries refused: degraded, naming them, with the findings of the rest', async () => {
    mode = 'partial';
    const { result } = await correlate();
    const prometheus = result.run.sources.prometheus;
    expect(prometheus.status).toBe('degraded');
    expect(prometheus.message).toMatch(/2 of 3 queries failed: checkout error ratio: Prometheus refused the query \(400 bad_data/);
    const latency = result.findings.find((f: { signal: string }) => f.signal === 'latency_p95');
    expect(latency).toMatchObject({ source: 'prometheus', service: 'checkout' });
    expect(latency.query).toMatch(/^histogram_quantile\(0\.95/);
    expect(latency.exploreUrl).toContain('/explore?');
    expectChangeFound(result);
  });

  it('a source that ignores the budget is cut off and marked failed; the run is stored', async () => {
    mode = 'ok';
    sources.push(new SlowSource('never'));
    const { result, elapsedMs } = await correlate();
    expect(result.run.sources.tempo).toMatchObject({ status: 'failed', findings: 0 });
    expect(result.run.sources.tempo.message).toContain('budget');
    expect(result.run.sources.prometheus.status).toBe('ok');
    expect(result.run.sources.loki.status).toBe('skipped');
    expect(elapsedMs).toBeGreaterThanOrEqual(BUDGET_MS - 50);
    expect(elapsedMs).toBeLessThan(BUDGET_MS + 1500);
    const latest = await expectStatus(await sidecar.call(`/api/incidents/${incidentId}/correlations`), 200);
    expect(latest.run.id).toBe(result.run.id);
  });
});

describe('one run at a time per incident', () => {
  const runCount = async () =>
    Number((await sidecar.sql`select count(*) from correlation_runs where incident_id = ${incidentId}`)[0]!.count);

  it('two concurrent POST /correlate share one run', async () => {
    mode = 'ok';
    const slow = new SlowSource(400);
    sources.push(slow);
    const before = await runCount();
    const [a, b] = await Promise.all([correlate(), correlate()]);
    expect(a.result.run.id).toBe(b.result.run.id);
    expect(slow.calls).toBe(1);
    expect(await runCount()).toBe(before + 1);
  });

  it('a second engine (another replica) waits for the first one and answers its run', async () => {
    mode = 'ok';
    const slow = new SlowSource(500);
    sources.push(slow);
    const before = await runCount();
    const other = engineFor(database);
    const first = other.run(incidentId, 'manual');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [viaApi, direct] = await Promise.all([correlate(), first]);
    expect(viaApi.result.run.id).toBe(direct!.run!.id);
    expect(slow.calls).toBe(1);
    expect(await runCount()).toBe(before + 1);
    // A refresh on a replica while another runs is skipped, not queued.
    const again = other.run(incidentId, 'manual');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await engineFor(database).run(incidentId, 'refresh')).toBeNull();
    await again;
  });
});
