/**
 * The Tempo evidence source against a Tempo 2.0 stand-in holding a planted incident (and against the real Tempo
 * 2.0.1 captures): error traces counted exactly even past the search limit and dated at the burst, the span the
 * failures began in named with its service, slow traces at a threshold that leaves the ordinary tail out, the same
 * findings run after run; a failing Tempo makes the source degraded or failed with a message, never a crash.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTempoSource,
  errorTraceQuery,
  SLOW_THRESHOLDS_MS,
  slowTraceQuery,
} from '../src/correlation/tempoSource.js';
import type { PolicyOptions } from '../src/resilience/policy.js';
import { ResilienceRegistry } from '../src/resilience/registry.js';
import { createTempoPolicy, TempoClient } from '../src/telemetry/tempo.js';
import {
  fixture,
  fromFixture,
  garbage,
  json,
  startFixtureServer,
  text,
  tooMany,
  type FixtureServer,
} from './support/fixtureServer.js';
import { plantedTraces, tempoStandIn, type StandInTrace } from './support/tempoStandIn.js';
import {
  at,
  SOURCE_TEST_POLICY as POLICY,
  SOURCE_TEST_SERVICES as services,
  sourceTestContext as context,
} from './support/telemetry.js';

const WINDOW_START = at(9, 30);
/** The payments-api timeouts begin at 09:38; checkout's own background errors come now and then, once in the lead. */
const BURST = at(9, 38);
const STRAYS = [at(9, 5), at(9, 16, 2), at(9, 27, 4), at(9, 31, 6), at(9, 49, 8)];
const planted = plantedTraces({ from: at(9, 0), to: at(10, 0), burstAt: BURST, strays: STRAYS });
const normalised = (t: StandInTrace) => t.traceId;
const plantedAnswer = tempoStandIn(planted.traces);

let server: FixtureServer;
beforeAll(async () => void (server = await startFixtureServer()));
afterAll(() => server.close());
beforeEach(() => server.reset());

/** Tempo's default search limit (20): every count below needs splitting, as on a busy Tempo. */
function source(policy: Partial<PolicyOptions> = {}, searchLimit = 20) {
  const client = new TempoClient({
    baseUrl: server.url,
    // The stand-in filters its traces in this process: under load an answer can take longer than 400 ms.
    policy: createTempoPolicy({ ...POLICY, timeoutMs: 5000, ...policy }, new ResilienceRegistry()),
    headers: { authorization: 'Bearer tempo-token' },
  });
  return createTempoSource(client, { datasourceUid: 'tempo-uid', searchLimit });
}

const servePlanted = (random?: () => number) => {
  const answer = tempoStandIn(planted.traces, random);
  server.route(/\/api\//, answer);
};

const notable = (report: { findings: Array<{ signal: string; score: number; service: string | null }> }) =>
  report.findings.filter((f) => f.score >= 0.1).map((f) => `${f.service} ${f.signal}`);

describe('a planted incident (checkout errors caused by payments-api timeouts, over background errors)', () => {
  it('counts error traces exactly and dates the rise at the burst, not at the stray error in the lead', async () => {
    servePlanted();
    const report = await source().collect(context());
    expect(report.status).toBe('ok');
    expect(notable(report)).toEqual(['checkout error_traces', 'checkout failing_spans', 'checkout slow_traces']);
    const errors = report.findings.find((f) => f.signal === 'error_traces')!;
    const windowErrors = planted.traces.filter((t) => t.start >= WINDOW_START && t.spans[0]!.isError);
    // 2 strays in the window (09:31, 09:49) and every 12th request from 09:38.
    expect(errors.data).toMatchObject({ count: windowErrors.length, baselineCount: 3 });
    expect(errors.summary).toBe(`${windowErrors.length} error traces in checkout, 3 in a baseline of 30 min`);
    expect(Math.abs(errors.changedAt!.getTime() - BURST.getTime())).toBeLessThanOrEqual(60_000);
    expect(errors.changedAt!.getTime()).toBeGreaterThanOrEqual(BURST.getTime());
    // 3 → 57: fold 58 / 4 = 14.5, log2 3.86: 14.9 / (14.9 + 9) = 0.62 (domain/anomaly.ts).
    expect(errors.score).toBeCloseTo(0.62, 2);
    expect(errors.data.series!.reduce((n, p) => n + (p.v ?? 0), 0)).toBe(windowErrors.length + 3);
    expect(errors.data.traces).toHaveLength(10);
    expect(errors.data.traces![0]!.traceId).toBe(normalised(windowErrors.at(-1)!));
    expect(errors.exploreUrl).toContain(encodeURIComponent('"queryType":"traceql"'));
  });

  it('names the span the failures began in and the service that emitted it, read from traces by id', async () => {
    servePlanted();
    const report = await source().collect(context());
    const spans = report.findings.find((f) => f.signal === 'failing_spans')!;
    // The ten error traces read are spread over those since the rise; one is checkout's own background error.
    expect(spans.summary).toBe(
      'payments-api POST /charge failed in 9 of 10 error traces of checkout read, none of 3 in the baseline'
    );
    expect(spans.data.spans).toEqual([
      { service: 'payments-api', name: 'POST /charge', errors: 9, total: 10 },
      { service: 'checkout', name: 'POST /orders', errors: 1, total: 10 },
    ]);
    expect(spans.service).toBe('checkout');
    expect(spans.changedAt).toEqual(report.findings.find((f) => f.signal === 'error_traces')!.changedAt);
    // 0 → 57 × 0.9 = 51.3 estimated: fold 52.3, log2 5.71: 32.6 / (32.6 + 9) = 0.78.
    expect(spans.score).toBeCloseTo(0.78, 2);
    // Ten of the window (v2 404, then v1) and the baseline's three: Tempo 2.0 has no v2 API.
    const reads = server.requests.filter((r) => r.path.startsWith('/api/traces/'));
    expect(reads).toHaveLength(13);
  });

  it('finds slow traces at the threshold that leaves the ordinary tail out (5 s, none in the baseline)', async () => {
    servePlanted();
    const report = await source().collect(context());
    const slow = report.findings.find((f) => f.signal === 'slow_traces')!;
    const timeouts = planted.traces.filter((t) => t.start >= WINDOW_START && t.spans[1]!.isError).length;
    expect(slow.query).toBe('{ resource.service.name = "checkout" } && { duration > 5s }');
    expect(slow.data).toMatchObject({ count: timeouts, baselineCount: 0 });
    expect(slow.summary).toMatch(new RegExp(`^${timeouts} traces of checkout over 5 s, none in a baseline of 30 min`));
    expect(slow.changedAt!.getTime() - BURST.getTime()).toBeGreaterThanOrEqual(0);
    expect(slow.changedAt!.getTime() - BURST.getTime()).toBeLessThanOrEqual(60_000);
    expect(slow.data.traces!.every((t) => t.error && t.durationMs! > 5000)).toBe(true);
  });

  it('is deterministic: Tempo answering arbitrary subsets in arbitrary orders, ten runs give identical findings', async () => {
    servePlanted(Math.random);
    const runs = [];
    for (let i = 0; i < 10; i++) runs.push(await source().collect(context()));
    for (const run of runs.slice(1)) expect(run).toEqual(runs[0]);
    expect(runs[0]!.findings.map((f) => [f.signal, Number(f.score.toFixed(3))])).toEqual([
      ['error_traces', expect.any(Number)],
      ['failing_spans', expect.any(Number)],
      ['slow_traces', expect.any(Number)],
    ]);
  });

  it('sends every count at once, splits a search that hits its limit, then reads a few traces by id', async () => {
    servePlanted();
    await source({}, 1000).collect(context());
    const searches = server.requests.filter((r) => r.path === '/api/search');
    // Two services × (errors + 5 thresholds) × (window, baseline), none at a limit of 1000.
    expect(searches).toHaveLength(24);
    expect(searches.every((r) => r.query.get('limit') === '1000')).toBe(true);
    expect(searches.every((r) => r.headers.authorization === 'Bearer tempo-token')).toBe(true);
    expect(new Set(searches.map((r) => r.query.get('q')))).toEqual(
      new Set(
        services.flatMap((s) => [
          errorTraceQuery(s.queries.traces),
          ...SLOW_THRESHOLDS_MS.map((ms) => slowTraceQuery(s.queries.traces, ms)),
        ])
      )
    );
    server.reset();
    servePlanted();
    await source({}, 20).collect(context());
    const split = server.requests.filter((r) => r.path === '/api/search');
    expect(split.length).toBeGreaterThan(24);
    // The window's error search, at 20 of 57: halves, then quarters.
    const windowErrors = split.filter(
      (r) =>
        r.query.get('q') === errorTraceQuery(services[0]!.queries.traces) &&
        Number(r.query.get('start')) >= WINDOW_START.getTime() / 1000
    );
    expect(windowErrors.length).toBeGreaterThanOrEqual(3);
  });
});

describe('the real Tempo 2.0.1 captures, unchanged', () => {
  const CAPTURE_CONTEXT = () => ({
    ...context(),
    incidentStart: new Date('2026-12-07T20:20:00Z'),
    window: { start: new Date('2026-12-07T20:10:00Z'), end: new Date('2026-12-07T20:40:00Z') },
    baseline: { start: new Date('2026-12-07T19:40:00Z'), end: new Date('2026-12-07T20:10:00Z') },
    services: services.slice(0, 1),
  });

  it('error spansets without names nor child services: the failing span is payments-api POST /charge', async () => {
    const byId = JSON.parse(fixture('tempo/tempo-2.0.1-traces-by-id.json')) as Record<string, unknown>;
    server.route('/api/search', (req) =>
      req.query.get('q')!.includes('status = error') && Number(req.query.get('start')) >= 1796674200
        ? fromFixture('tempo/tempo-2.0.1-search-error-spansets.json')
        : json({ traces: [], metrics: {} })
    );
    server.route(/\/api\/v2\/traces\//, () => text(404, '404 page not found\n'));
    server.route(/\/api\/traces\//, (req) => {
      const key = Object.keys(byId).find((k) => k.padStart(32, '0') === req.path.split('/').pop());
      return key ? json(byId[key]) : text(404, 'trace not found');
    });
    const report = await source({}, 100).collect(CAPTURE_CONTEXT());
    expect(report.status).toBe('ok');
    const errors = report.findings.find((f) => f.signal === 'error_traces')!;
    expect(errors.summary).toBe('20 error traces in checkout, 0 in a baseline of 30 min');
    const spans = report.findings.find((f) => f.signal === 'failing_spans')!;
    expect(spans.summary).toBe(
      'payments-api POST /charge failed in 10 of 10 error traces of checkout read, no error traces in the baseline'
    );
    expect(spans.data.spans).toEqual([{ service: 'payments-api', name: 'POST /charge', errors: 10, total: 10 }]);
    expect(report.findings.some((f) => f.summary.includes('unnamed'))).toBe(false);
    // 8, 9, 1, 1 and 1 error traces in the minutes from 20:20 after none: the change is the first of them.
    expect(errors.changedAt).toEqual(new Date('2026-12-07T20:20:00.553Z'));
  });
});

describe('when Tempo fails', () => {
  it('down (connection refused): the source fails with a message naming Tempo', async () => {
    await server.refuse();
    try {
      await expect(source().collect(context())).rejects.toThrow(
        /every search failed \(checkout window errors: Tempo unavailable/
      );
    } finally {
      await server.resume();
    }
  });

  it('a TraceQL error (text/plain 400) on the error searches: degraded, slow traces still found', async () => {
    server.route('/api/search', (req) =>
      req.query.get('q')!.includes('status = error')
        ? text(400, 'invalid TraceQL query: parse error at line 1, col 40')
        : plantedAnswer(req)
    );
    const report = await source().collect(context());
    expect(report.status).toBe('degraded');
    expect(report.message).toMatch(
      /^4 of 24 searches failed: checkout window errors: Tempo refused the query \(400: invalid TraceQL query/
    );
    expect(notable(report)).toEqual(['checkout slow_traces']);
  });

  it('5xx then 429 without Retry-After on the baselines: degraded, and nothing is compared against a missing baseline', async () => {
    server.route('/api/search', (req) => {
      if (new Date(Number(req.query.get('start')) * 1000) >= WINDOW_START) return plantedAnswer(req);
      return req.query.get('q')!.includes('status') ? text(503, 'upstream connect error') : tooMany();
    });
    const report = await source().collect(context());
    expect(report.status).toBe('degraded');
    expect(report.message).toMatch(/^12 of 24 searches failed/);
    expect(report.message).toContain('checkout baseline errors: Tempo unavailable (retries exhausted)');
    expect(report.message).toMatch(/checkout baseline traces over \d+ ms: Tempo is rate limiting \(429\)/);
    expect(report.findings).toEqual([]);
  });

  it('slow past its timeout, or garbage: the source fails quickly and says why', async () => {
    servePlanted();
    server.latencyMs = 2000;
    const started = Date.now();
    await expect(source({ timeoutMs: 100, retries: 0 }).collect(context())).rejects.toThrow(
      /Tempo unavailable \(timeout\)/
    );
    expect(Date.now() - started).toBeLessThan(1000);

    server.reset();
    server.route('/api/search', () => garbage());
    await expect(source().collect(context())).rejects.toThrow(/Tempo unavailable \(retries exhausted\)/);
  });

  it('the run budget running out cuts it short', async () => {
    server.route('/api/search', (req) => ({
      ...plantedAnswer(req),
      delayMs: req.query.get('q')!.includes('status') ? 1000 : 0,
    }));
    const budget = new AbortController();
    setTimeout(() => budget.abort(), 150);
    const report = await source({ timeoutMs: 5000 }, 1000).collect(context(budget.signal));
    expect(report.status).toBe('degraded');
    expect(report.message).toContain('cut short by the run budget');
    expect(notable(report)).toEqual(['checkout slow_traces']);
  });
});
