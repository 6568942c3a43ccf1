/**
 * The Tempo evidence source against a local Tempo stand-in: error traces that rose, the spans that fail most, and
 * traces slower than the baseline's p95, with normalised trace ids; four searches per service sent at once; a
 * failing Tempo makes the source degraded or failed with a message, never a crash.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTempoSource, errorTraceQuery } from '../src/correlation/tempoSource.js';
import type { PolicyOptions } from '../src/resilience/policy.js';
import { ResilienceRegistry } from '../src/resilience/registry.js';
import { createTempoPolicy, TempoClient } from '../src/telemetry/tempo.js';
import {
  garbage,
  startFixtureServer,
  tempoSearch,
  text,
  tooMany,
  type FixtureServer,
  type GeneratedTrace,
  type Reply,
  type SeenRequest,
} from './support/fixtureServer.js';
import {
  at,
  SOURCE_TEST_POLICY as POLICY,
  SOURCE_TEST_SERVICES as services,
  sourceTestContext as context,
} from './support/telemetry.js';

const WINDOW_START = at(9, 30);
const SLOW_FROM = at(9, 38);

/** Ids the way Tempo's search sends them: hex that lost its leading zeros. */
const id = (n: number) => `${(0x1000 + n).toString(16)}${'ab'.repeat(12)}`;
const normalised = (n: number) => id(n).padStart(32, '0');

function span(spanId: number, name: string, service: string, isError: boolean | undefined, durationMs = 5) {
  const attributes: Record<string, string> = { 'service.name': service };
  if (isError !== undefined) attributes.status = isError ? 'error' : 'ok';
  return { spanId: spanId.toString(16), name, durationMs, attributes };
}

/** Checkout: 30 traces with a failing payments "charge" span (2 db errors in the baseline), slow since 09:38. */
function scenario(options: { withStatus?: boolean } = {}) {
  const withStatus = options.withStatus ?? true;
  return (req: SeenRequest): Reply => {
    const q = req.query.get('q')!;
    const start = new Date(Number(req.query.get('start')) * 1000);
    const isBaseline = start < WINDOW_START;
    const service = q.includes('"checkout"') ? 'checkout' : 'cart';
    const isErrors = q.endsWith('&& { status = error }');
    const traces: GeneratedTrace[] = [];
    const base = { rootService: service, rootName: 'POST /checkout' };
    if (isErrors) {
      const count = service === 'checkout' && !isBaseline ? 30 : service === 'checkout' ? 2 : 1;
      for (let i = 0; i < count; i++) {
        const failing =
          service === 'checkout' && !isBaseline
            ? span(1000 + i, 'charge', 'payments', withStatus || undefined)
            : span(2000 + i, 'db.query', service, withStatus || undefined);
        const extra =
          i < 5 && !isBaseline && service === 'checkout'
            ? [span(3000 + i, 'db.query', 'checkout', withStatus || undefined)]
            : [];
        traces.push({
          ...base,
          traceId: id(i),
          start: new Date(start.getTime() + 8 * 60_000 + i * 30_000),
          durationMs: 300,
          spans: [span(4000 + i, 'POST /checkout', service, undefined), failing, ...extra],
        });
      }
    } else {
      for (let i = 0; i < 60; i++) {
        const when = new Date(start.getTime() + i * 30_000);
        const slow = service === 'checkout' && !isBaseline && when >= SLOW_FROM && i % 2 === 0;
        traces.push({
          ...base,
          traceId: id(100 + i),
          start: when,
          durationMs: slow ? 900 + i * 20 : 100 + ((i * 7) % 50),
        });
      }
    }
    return tempoSearch(traces);
  };
}

let server: FixtureServer;
beforeAll(async () => void (server = await startFixtureServer()));
afterAll(() => server.close());
beforeEach(() => server.reset());

function source(policy: Partial<PolicyOptions> = {}) {
  const client = new TempoClient({
    baseUrl: server.url,
    policy: createTempoPolicy({ ...POLICY, ...policy }, new ResilienceRegistry()),
    headers: { authorization: 'Bearer tempo-token' },
  });
  return createTempoSource(client, { datasourceUid: 'tempo-uid' });
}

const notable = (report: { findings: Array<{ signal: string; score: number; service: string | null }> }) =>
  report.findings.filter((f) => f.score >= 0.1).map((f) => `${f.service} ${f.signal}`);

describe('error and slow traces', () => {
  it('finds the rise in error traces, the failing span, and the slow traces, with normalised ids', async () => {
    server.route('/api/search', scenario());
    const report = await source().collect(context());
    expect(report.status).toBe('ok');
    expect(notable(report)).toEqual(['checkout error_traces', 'checkout failing_spans', 'checkout slow_traces']);
    const [errors, spans, slow] = report.findings.filter((f) => f.service === 'checkout');

    const errorQuery = '{ resource.service.name = "checkout" } && { status = error }';
    expect(errors).toMatchObject({ signal: 'error_traces', query: errorQuery, data: { count: 30, baselineCount: 2 } });
    // 2 → 30 traces: fold 31 / 3 = 10.3 of a count (half fold 8): 0.56.
    expect(errors!.score).toBeCloseTo(0.56, 2);
    expect(errors!.summary).toBe('30 error traces in checkout, 2 in a baseline of 30 min');
    expect(errors!.data.traces).toHaveLength(10);
    expect(errors!.data.traces![0]).toEqual({
      traceId: normalised(29),
      rootService: 'checkout',
      rootName: 'POST /checkout',
      startedAt: new Date(WINDOW_START.getTime() + 8 * 60_000 + 29 * 30_000).toISOString(),
      durationMs: 300,
      error: true,
    });
    expect(errors!.exploreUrl).toContain(encodeURIComponent('"queryType":"traceql"'));

    expect(spans!.data.spans).toEqual([
      { service: 'payments', name: 'charge', errors: 30, total: 30 },
      { service: 'checkout', name: 'db.query', errors: 5, total: 5 },
    ]);
    expect(spans!.summary).toBe('Span "charge" of payments failed in 30 of 30 sampled spans, none in the baseline');

    expect(slow).toMatchObject({
      signal: 'slow_traces',
      query: '{ resource.service.name = "checkout" }',
      data: { count: 22, unit: 'seconds' },
    });
    expect(slow!.score).toBeGreaterThan(0.5);
    expect(slow!.changedAt).toEqual(SLOW_FROM);
    expect(slow!.data.baselineValue).toBeCloseTo(0.147, 2);
    const durations = slow!.data.traces!.map((t) => t.durationMs!);
    expect(durations).toEqual([...durations].sort((a, b) => b - a));
    expect(durations[0]).toBe(900 + 58 * 20);
    expect(slow!.data.traces!.every((t) => /^[0-9a-f]{32}$/.test(t.traceId) && !t.error)).toBe(true);
  });

  it('sends the four searches of each service at once (one round trip), with limit, spss and credentials', async () => {
    server.route('/api/search', scenario());
    await source().collect(context()); // warm up: the first run pays for compiling, not for Tempo
    server.requests.length = 0;
    server.latencyMs = 250;
    const started = Date.now();
    await source().collect(context());
    // One round trip; two in a row would already be 500 ms.
    expect(Date.now() - started).toBeLessThan(1.5 * 250);
    expect(server.requests).toHaveLength(8);
    expect(server.requests.map((r) => r.query.get('q')).sort()).toEqual(
      services
        .flatMap((s) => [
          s.queries.traces,
          s.queries.traces,
          errorTraceQuery(s.queries.traces),
          errorTraceQuery(s.queries.traces),
        ])
        .sort()
    );
    expect(server.requests.every((r) => r.query.get('limit') === '100' && r.query.get('spss') === '10')).toBe(true);
    expect(server.requests.every((r) => r.headers.authorization === 'Bearer tempo-token')).toBe(true);
  });

  it('a Tempo that does not return the status attribute: every span the error search matched counts', async () => {
    server.route('/api/search', scenario({ withStatus: false }));
    const report = await source().collect(context());
    const spans = report.findings.find((f) => f.signal === 'failing_spans' && f.service === 'checkout');
    expect(spans!.data.spans!.slice(0, 2)).toEqual([
      { service: 'checkout', name: 'POST /checkout', errors: 30, total: 30 },
      { service: 'payments', name: 'charge', errors: 30, total: 30 },
    ]);
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
        : scenario()(req)
    );
    const report = await source().collect(context());
    expect(report.status).toBe('degraded');
    expect(report.message).toMatch(
      /^4 of 8 searches failed: checkout window errors: Tempo refused the query \(400: invalid TraceQL query/
    );
    expect(notable(report)).toEqual(['checkout slow_traces']);
  });

  it('5xx then 429 without Retry-After on the baselines: degraded, and nothing is compared against a missing baseline', async () => {
    server.route('/api/search', (req) => {
      if (new Date(Number(req.query.get('start')) * 1000) >= WINDOW_START) return scenario()(req);
      return req.query.get('q')!.includes('status') ? text(503, 'upstream connect error') : tooMany();
    });
    const report = await source().collect(context());
    expect(report.status).toBe('degraded');
    expect(report.message).toContain('checkout baseline errors: Tempo unavailable (retries exhausted)');
    expect(report.message).toContain('checkout baseline traces: Tempo is rate limiting (429)');
    expect(report.findings).toEqual([]);
  });

  it('slow past its timeout, or garbage: the source fails quickly and says why', async () => {
    server.route('/api/search', scenario());
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
      ...scenario()(req),
      delayMs: req.query.get('q')!.includes('status') ? 1000 : 0,
    }));
    const budget = new AbortController();
    setTimeout(() => budget.abort(), 150);
    const report = await source({ timeoutMs: 5000 }).collect(context(budget.signal));
    expect(report.status).toBe('degraded');
    expect(report.message).toContain('cut short by the run budget');
    expect(notable(report)).toEqual(['checkout slow_traces']);
  });
});
