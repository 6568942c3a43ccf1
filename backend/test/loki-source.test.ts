/**
 * The Loki evidence source against a local Loki stand-in: an error-log spike with a new log pattern becomes an
 * error_logs finding (scored, with when it began) and a top log_pattern finding with its template and samples;
 * all queries go out at once; a failing Loki makes the source degraded or failed with a message, never a crash.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLokiSource } from '../src/correlation/lokiSource.js';
import type { PolicyOptions } from '../src/resilience/policy.js';
import { ResilienceRegistry } from '../src/resilience/registry.js';
import { createLokiPolicy, LokiClient } from '../src/telemetry/loki.js';
import {
  garbage,
  lokiMatrix,
  lokiStreams,
  startFixtureServer,
  text,
  tooMany,
  type FixtureServer,
  type Reply,
  type SeenRequest,
} from './support/fixtureServer.js';
import {
  at,
  SOURCE_TEST_POLICY as POLICY,
  SOURCE_TEST_SERVICES as services,
  sourceTestContext as context,
} from './support/telemetry.js';

const SPIKE = at(9, 38);

/** The signals of findings the engine would keep (score ≥ 0.1). */
const notable = (report: { findings: Array<{ signal: string; score: number }> }) =>
  report.findings.filter((f) => f.score >= 0.1).map((f) => f.signal);

const fromNs = (ns: string) => new Date(Number(BigInt(ns) / 1_000_000n));

/** Checkout spikes at 09:38 with a pattern never seen before; cart keeps logging what it always logs. */
function scenario(req: SeenRequest): Reply {
  const query = req.query.get('query')!;
  const start = fromNs(req.query.get('start')!);
  const end = fromNs(req.query.get('end')!);
  const isCheckout = query.includes('"checkout"');
  if (query.startsWith('sum(count_over_time(')) {
    const step = Number(req.query.get('step')!.replace('s', '')) * 1000;
    const points: Array<[Date, number]> = [];
    for (let t = start.getTime(); t <= end.getTime(); t += step) {
      const usual = [1, 2, 0, 1, 3][(t / step) % 5]!;
      // Loki leaves out steps with no lines: zeros are missing, not sent.
      const v = isCheckout && t >= SPIKE.getTime() ? 25 + (t % 3) : usual;
      if (v > 0) points.push([new Date(t), v]);
    }
    return lokiMatrix(points);
  }
  const lines: Array<[Date, string]> = [];
  const minutes = (end.getTime() - start.getTime()) / 60_000;
  for (let m = 0; m < minutes; m += 2) {
    const when = new Date(start.getTime() + m * 60_000);
    lines.push([when, `level=error msg="GET /api/cart failed: upstream 503 after ${100 + m}ms" attempt=${m % 3}`]);
    if (m % 3 === 0) lines.push([new Date(when.getTime() + 1000), `retrying call to ledger, attempt ${m}`]);
  }
  if (isCheckout && end > SPIKE) {
    for (let i = 0; i < 40; i++) {
      const when = new Date(SPIKE.getTime() + i * 15_000);
      lines.push([
        when,
        `level=error msg="connection pool exhausted (size=20) for request ${(0xabc00 + i).toString(16)}fe01d2c3" pool=primary wait=${i * 3}ms`,
      ]);
    }
  }
  return lokiStreams([{ labels: { service: isCheckout ? 'checkout' : 'cart', pod: 'api-7f9c' }, lines }]);
}

let server: FixtureServer;
beforeAll(async () => void (server = await startFixtureServer()));
afterAll(() => server.close());
beforeEach(() => server.reset());

function source(policy: Partial<PolicyOptions> = {}) {
  const registry = new ResilienceRegistry();
  const client = new LokiClient({
    baseUrl: server.url,
    policy: createLokiPolicy({ ...POLICY, ...policy }, registry),
    headers: { 'x-scope-orgid': 'team-a' },
  });
  return createLokiSource(client, { datasourceUid: 'loki-uid' });
}

describe('an error-log spike with a new pattern', () => {
  it('finds the volume jump and when it began, and the new pattern with its samples; quiet services give nothing', async () => {
    server.route('/loki/api/v1/query_range', scenario);
    const report = await source().collect(context());
    expect(report.status).toBe('ok');

    const volume = report.findings.find((f) => f.signal === 'error_logs');
    expect(volume).toMatchObject({
      service: 'checkout',
      query: `sum(count_over_time(${services[0]!.queries.errorLogs} [18s]))`,
    });
    // 1 → ~26 lines per step: a ~24-fold rise of a count (half fold 8): ~0.69 (domain/anomaly.ts).
    expect(volume!.score).toBeGreaterThan(0.65);
    expect(Math.abs(volume!.changedAt!.getTime() - SPIKE.getTime())).toBeLessThanOrEqual(18_000);
    expect(volume!.summary).toMatch(/^Error logs of checkout rose from 1 to 2\d lines per 18 s since 09:3[78]/);
    expect(volume!.data.series!.filter((p) => p.v === 0).length).toBeGreaterThan(0); // the steps Loki left out
    expect(volume!.exploreUrl).toContain(encodeURIComponent('"uid":"loki-uid"'));

    const patterns = report.findings.filter((f) => f.signal === 'log_pattern').sort((a, b) => b.score - a.score);
    expect(patterns).toHaveLength(1);
    const [top] = patterns;
    expect(top).toMatchObject({
      service: 'checkout',
      query: services[0]!.queries.errorLogs,
      changedAt: SPIKE,
      data: {
        pattern:
          'level=error msg="connection pool exhausted (size=<num>) for request <id>" pool=primary wait=<duration>',
        count: 40,
        baselineCount: 0,
      },
    });
    // 0 → 40: fold 41, log2 5.36: 28.7 / (28.7 + 9) = 0.76.
    expect(top!.score).toBeCloseTo(0.76, 2);
    expect(top!.summary).toContain('New log pattern in checkout');
    expect(top!.data.samples).toHaveLength(5);
    expect(top!.data.samples![0]).toEqual({
      at: new Date(SPIKE.getTime() + 39 * 15_000).toISOString(),
      line: 'level=error msg="connection pool exhausted (size=20) for request abc27fe01d2c3" pool=primary wait=117ms',
      labels: { service: 'checkout', pod: 'api-7f9c' },
    });
    // Cart's usual jitter may score, but far below what the engine keeps (0.1).
    expect(report.findings.filter((f) => f.service === 'cart').every((f) => f.score < 0.1)).toBe(true);
  });

  it("a pattern's stray line in the lead does not date the change: changedAt is where its lines began to come", async () => {
    const stray = at(9, 31);
    server.route('/loki/api/v1/query_range', (req) => {
      const reply = scenario(req);
      const isWindowLines = !req.query.get('query')!.startsWith('sum(') && fromNs(req.query.get('end')!) > SPIKE;
      const body = reply.body as { data: { result: Array<{ stream: Record<string, string>; values: string[][] }> } };
      if (isWindowLines && req.query.get('query')!.includes('"checkout"')) {
        const line =
          'level=error msg="connection pool exhausted (size=20) for request 99999fe01d2c3" pool=primary wait=1ms';
        body.data.result[0]!.values.push([`${BigInt(stray.getTime()) * 1_000_000n}`, line]);
      }
      return reply;
    });
    const report = await source().collect(context());
    const pattern = report.findings.find((f) => f.signal === 'log_pattern')!;
    expect(pattern.data.count).toBe(41);
    expect(pattern.changedAt).toEqual(SPIKE);
  });

  it('sends every query at once (one round trip), bounded, with the tenant', async () => {
    server.route('/loki/api/v1/query_range', scenario);
    await source().collect(context()); // warm up: the first run pays for compiling, not for Loki
    server.requests.length = 0;
    server.latencyMs = 250;
    const started = Date.now();
    await source().collect(context());
    // One round trip; two in a row would already be 500 ms.
    expect(Date.now() - started).toBeLessThan(1.5 * 250);
    expect(server.requests).toHaveLength(6);
    const lineQueries = server.requests.filter((r) => r.query.get('limit'));
    expect(lineQueries.map((r) => [r.query.get('limit'), r.query.get('direction')])).toEqual(
      Array(4).fill(['1000', 'backward'])
    );
    expect(server.requests.every((r) => r.headers['x-scope-orgid'] === 'team-a')).toBe(true);
  });

  it('reads a truncated window (line limit hit) as a rate over the span the lines cover', async () => {
    server.route('/loki/api/v1/query_range', scenario);
    const registry = new ResilienceRegistry();
    const client = new LokiClient({ baseUrl: server.url, policy: createLokiPolicy(POLICY, registry) });
    const report = await createLokiSource(client, { lineLimit: 20 }).collect(context());
    const top = report.findings.find((f) => f.signal === 'log_pattern');
    expect(top?.summary).toContain('at least');
  });
});

describe('when Loki fails', () => {
  it('down (connection refused): the source fails with a message naming Loki', async () => {
    await server.refuse();
    try {
      await expect(source().collect(context())).rejects.toThrow(
        /every query failed \(checkout error-log volume: Loki unavailable/
      );
    } finally {
      await server.resume();
    }
  });

  it('back after an outage: the first run after the half-open probe is ok, not refused beside the probe', async () => {
    const breaker = {
      ...POLICY.breaker,
      consecutiveFailures: 3,
      failureRate: 1,
      closeAfterSuccesses: 3,
      halfOpenAfterMs: 150,
    };
    const lokiSource = source({ retries: 0, breaker });
    await server.refuse();
    try {
      await expect(lokiSource.collect(context())).rejects.toThrow(/every query failed/);
    } finally {
      await server.resume();
    }
    server.route('/loki/api/v1/query_range', scenario);
    // Still open: refused without asking Loki.
    await expect(lokiSource.collect(context())).rejects.toThrow(/circuit open/);
    expect(server.requests).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const report = await lokiSource.collect(context());
    expect(report).toMatchObject({ status: 'ok' });
    expect(notable(report)).toEqual(['error_logs', 'log_pattern']);
    expect(server.requests).toHaveLength(6);
  });

  it('a plain-text parse error on the volume query only: degraded, the patterns still found', async () => {
    server.route('/loki/api/v1/query_range', (req) =>
      req.query.get('query')!.startsWith('sum(')
        ? text(400, 'parse error at line 1, col 5: syntax error: unexpected IDENTIFIER')
        : scenario(req)
    );
    const report = await source().collect(context());
    expect(report.status).toBe('degraded');
    expect(report.message).toBe(
      '2 of 6 queries failed: checkout error-log volume: Loki refused the query (400: parse error at line 1, col 5: syntax error: unexpected IDENTIFIER); cart error-log volume: Loki refused the query (400: parse error at line 1, col 5: syntax error: unexpected IDENTIFIER)'
    );
    expect(notable(report)).toEqual(['log_pattern']);
  });

  it('429 without Retry-After on the baseline lines: degraded, no patterns without a baseline; with it, retried and ok', async () => {
    const baselineEnd = `${BigInt(at(9, 30).getTime()) * 1_000_000n}`;
    server.route('/loki/api/v1/query_range', (req) =>
      req.query.get('limit') && req.query.get('end') === baselineEnd ? tooMany() : scenario(req)
    );
    const report = await source().collect(context());
    expect(report.status).toBe('degraded');
    expect(report.message).toContain('checkout baseline error lines: Loki is rate limiting (429)');
    expect(notable(report)).toEqual(['error_logs']);

    server.reset();
    const limited = new Set<string>();
    server.route('/loki/api/v1/query_range', (req) => {
      const key = req.query.toString();
      if (limited.has(key)) return scenario(req);
      limited.add(key);
      return tooMany(0.01);
    });
    const retried = await source().collect(context());
    expect(retried.status).toBe('ok');
    expect(notable(retried).sort()).toEqual(['error_logs', 'log_pattern']);
  });

  it('slow past its timeout: the source fails in about the timeout, not the latency', async () => {
    server.route('/loki/api/v1/query_range', scenario);
    server.latencyMs = 2000;
    const started = Date.now();
    await expect(source({ timeoutMs: 100, retries: 0 }).collect(context())).rejects.toThrow(
      /Loki unavailable \(timeout\)/
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('garbage answers: the source fails and says so', async () => {
    server.route('/loki/api/v1/query_range', () => garbage());
    await expect(source().collect(context())).rejects.toThrow(/Loki unavailable \(retries exhausted\)/);
  });

  it('the run budget running out cuts it short, and says so', async () => {
    server.route('/loki/api/v1/query_range', (req) =>
      req.query.get('limit') ? { ...scenario(req), delayMs: 1000 } : scenario(req)
    );
    const budget = new AbortController();
    setTimeout(() => budget.abort(), 150);
    const started = Date.now();
    const report = await source({ timeoutMs: 5000 }).collect(context(budget.signal));
    expect(Date.now() - started).toBeLessThan(800);
    expect(report.status).toBe('degraded');
    expect(report.message).toContain('cut short by the run budget');
    expect(notable(report)).toEqual(['error_logs']);
  });

  it('is not configured without a client', async () => {
    const unconfigured = createLokiSource(undefined);
    expect(unconfigured.isConfigured).toBe(false);
    await expect(unconfigured.collect(context())).rejects.toThrow('not configured');
  });
});
