/**
 * The Tempo client against a local server: every real Tempo payload of the fixture set (FIXTURES_DIR/tempo) parsed
 * unchanged (search, trace by id v1 and OTLP, and the Tempo 2.0.1 captures of a checkout → payments-api timeout),
 * ids normalised, v2 → v1 fallback, credentials, and failures.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { PolicyOptions } from '../src/resilience/policy.js';
import { ResilienceRegistry } from '../src/resilience/registry.js';
import { TelemetryError } from '../src/telemetry/http.js';
import { createTempoClient, createTempoPolicy, normaliseId, parseTrace, TempoClient } from '../src/telemetry/tempo.js';
import {
  FIXTURES_DIR,
  fixture,
  fromFixture,
  garbage,
  json,
  startFixtureServer,
  tempoSearch,
  text,
  tooMany,
  type FixtureServer,
} from './support/fixtureServer.js';
import { clientTestPolicy } from './support/telemetry.js';
const POLICY = clientTestPolicy(2);
const RANGE = { start: new Date('2021-10-20T11:00:00.400Z'), end: new Date('2021-10-20T11:10:00.200Z') };

let server: FixtureServer;
beforeAll(async () => void (server = await startFixtureServer()));
afterAll(() => server.close());
beforeEach(() => server.reset());

function client(policy: Partial<PolicyOptions> = {}) {
  const registry = new ResilienceRegistry();
  const p = createTempoPolicy({ ...POLICY, ...policy }, registry);
  return { policy: p, tempo: new TempoClient({ baseUrl: `${server.url}/tempo`, policy: p }) };
}

async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('ids', () => {
  it('normalises hex without leading zeros, upper-case hex and base64 to 32 (or 16) lower-case hex digits', () => {
    expect(normaliseId('d6e9329d67b6146a')).toBe('0000000000000000d6e9329d67b6146a');
    expect(normaliseId('123456789abcdef0123456789abcdef')).toBe('0123456789abcdef0123456789abcdef');
    expect(normaliseId('5B8EFFF798038103D269B633813FC60C')).toBe('5b8efff798038103d269b633813fc60c');
    expect(normaliseId('QpC1h3qZMN55u0KDZTmOzA==')).toBe('4290b5877a9930de79bb428365398ecc');
    expect(normaliseId('2gZXnld4dYc=', 8)).toBe('da06579e57787587');
    expect(() => normaliseId('not an id!')).toThrow();
    expect(() => normaliseId('0123456789abcdef0123456789abcdef00')).toThrow();
  });
});

describe('real Tempo payloads (FIXTURES_DIR/tempo), unchanged', () => {
  it('covers every fixture file', () => {
    expect(readdirSync(`${FIXTURES_DIR}/tempo`).sort()).toEqual([
      'tempo-2.0.1-search-all-spansets.json',
      'tempo-2.0.1-search-error-spansets.json',
      'tempo-2.0.1-traces-by-id.json',
      'tempo-search-response.json',
      'tempo-trace-by-id-v1-batches.json',
      'tempo-trace-otlp-resourceSpans.json',
    ]);
  });

  it('search: string start times, numeric durations, 64-bit ids padded; q, start/end in seconds, limit, spss sent', async () => {
    server.route('/tempo/api/search', () => fromFixture('tempo/tempo-search-response.json'));
    const answer = await client().tempo.search('{ resource.service.name = "frontend" }', {
      ...RANGE,
      limit: 50,
      spansPerSpanSet: 5,
    });
    expect(answer.traces).toEqual([
      {
        traceId: '0000000000000000d6e9329d67b6146a',
        rootService: 'frontend',
        rootName: '/cart',
        startNs: '1634727903545000000',
        startedAt: new Date(1634727903545),
        durationMs: 611,
        spanSets: [],
      },
      expect.objectContaining({ traceId: '00000000000000001b1ba462b409200d', startedAt: new Date(1634727775935) }),
    ]);
    expect(answer.metrics).toMatchObject({ inspectedTraces: 3100, inspectedBytes: '3811736' });
    expect(Object.fromEntries(server.requests[0]!.query)).toEqual({
      q: '{ resource.service.name = "frontend" }',
      start: '1634727600',
      end: '1634728201',
      limit: '50',
      spss: '5',
    });
  });

  it('trace by id, v2 OTLP: base64 ids, services from resources, root, kinds, status', async () => {
    server.route(/\/api\/v2\/traces\//, () => fromFixture('tempo/tempo-trace-otlp-resourceSpans.json'));
    const trace = (await client().tempo.trace('QpC1h3qZMN55u0KDZTmOzA=='))!;
    expect(server.requests.map((r) => r.path)).toEqual(['/tempo/api/v2/traces/4290b5877a9930de79bb428365398ecc']);
    expect(trace.traceId).toBe('4290b5877a9930de79bb428365398ecc');
    expect(trace.spans.map((s) => [s.service, s.name, s.kind])).toEqual([
      ['mythical-server', 'server-root', 'server'],
      ['mythical-server', 'client-matched`', 'client'],
      ['mythical-requester', 'server-matched', 'server'],
      ['mythical-requester', 'db-access', 'client'],
      ['mythical-requester', 'unmatched', 'server'],
    ]);
    expect(trace.root).toMatchObject({ name: 'server-root', spanId: 'da06579e57787587', parentSpanId: null });
    expect(trace.spans[3]!.attributes).toEqual({ 'db.system': 'mysql' });
    expect(trace.spans[0]!.durationMs).toBeCloseTo(45.834496, 5);
    expect(trace.durationMs).toBeCloseTo(45.834496, 5);
    expect(trace.hasError).toBe(false);
  });

  it('trace by id on a Tempo without v2: 404, then v1 `batches`; upper-case hex ids and numeric kinds', async () => {
    server.route(/\/api\/traces\//, () => fromFixture('tempo/tempo-trace-by-id-v1-batches.json'));
    const trace = (await client().tempo.trace('5b8efff798038103d269b633813fc60c'))!;
    expect(server.requests.map((r) => r.path)).toEqual([
      '/tempo/api/v2/traces/5b8efff798038103d269b633813fc60c',
      '/tempo/api/traces/5b8efff798038103d269b633813fc60c',
    ]);
    expect(trace.spans).toEqual([
      {
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        parentSpanId: 'eee19b7ec3c1b173',
        service: 'my.service',
        name: "I'm a server span",
        kind: 'server',
        startNs: '1544712660000000000',
        durationMs: 1000,
        isError: false,
        statusMessage: null,
        attributes: { 'my.span.attr': 'some value' },
      },
    ]);
    expect(trace.root).toBeNull(); // its parent never arrived
    expect(trace.startedAt).toEqual(new Date(1544712660000));
  });

  it('v2 wrapped in {trace}, error status; a trace Tempo does not have is null', async () => {
    const otlp = JSON.parse(fixture('tempo/tempo-trace-otlp-resourceSpans.json'));
    otlp.resourceSpans[1].scopeSpans[0].spans[1].status = { code: 'STATUS_CODE_ERROR', message: 'deadlock' };
    server.route(/\/v2\/traces\/0+1$/, () => json({ trace: otlp, status: 'COMPLETE' }));
    const trace = (await client().tempo.trace('1'))!;
    expect(trace.hasError).toBe(true);
    expect(trace.spans.filter((s) => s.isError)).toMatchObject([{ name: 'db-access', statusMessage: 'deadlock' }]);
    expect(await client().tempo.trace('2')).toBeNull();
    expect(parseTrace({})).toBeNull();
  });
});

describe('real Tempo 2.0.1 captures (a checkout → payments-api timeout), unchanged', () => {
  // The capture's window: its traces start between 20:19:59 and 20:24:01 UTC.
  const CAPTURE = { start: new Date('2026-12-07T20:15:00Z'), end: new Date('2026-12-07T20:25:00Z') };
  const serve = (name: string) => server.route('/tempo/api/search', () => fromFixture(`tempo/${name}`));

  it('error search: 20 traces, `spanSet` only, no span names, the root listed twice, the child without service.name', async () => {
    serve('tempo-2.0.1-search-error-spansets.json');
    const { traces, metrics } = await client().tempo.search('{ status = error }', CAPTURE);
    expect(metrics).toEqual({});
    expect(traces).toHaveLength(20);
    // Three ids came back without their leading zero (31 hex digits); they are padded back.
    expect(traces.map((t) => t.traceId).filter((id) => id.startsWith('0'))).toEqual([
      '091398c9853ff01f5c28591aa5868c0e',
      '0304f83c81433b0b14688342f7438349',
      '0196746afe0b0c2cbb3c9c879f029526',
    ]);
    expect(new Set(traces.map((t) => `${t.rootService} ${t.rootName}`))).toEqual(new Set(['checkout POST /orders']));
    expect(traces[0]).toMatchObject({
      traceId: '091398c9853ff01f5c28591aa5868c0e',
      startNs: '1796675041010000000',
      startedAt: new Date('2026-12-07T20:24:01.010Z'),
      durationMs: 5016,
    });
    expect(traces[0]!.spanSets).toEqual([
      {
        matched: 3,
        spans: [
          {
            spanId: 'e4afeb6258e8e37d',
            name: null,
            startNs: '1796675041010000000',
            durationMs: 5016,
            attributes: { status: 'error', 'service.name': 'checkout' },
          },
          {
            spanId: 'e4afeb6258e8e37d',
            name: null,
            startNs: '1796675041010000000',
            durationMs: 5016,
            attributes: { status: 'error', 'service.name': 'checkout' },
          },
          {
            spanId: '8d2f3950e897220d',
            name: null,
            startNs: '1796675041014000000',
            durationMs: 5000,
            attributes: { status: 'error' },
          },
        ],
      },
    ]);
    for (const t of traces) {
      const spans = t.spanSets[0]!.spans;
      expect(t.spanSets).toHaveLength(1);
      expect(spans.every((s) => s.name === null)).toBe(true);
      expect(spans).toHaveLength(3);
      expect(spans[0]).toEqual(spans[1]); // one root, twice
      expect(new Set(spans.map((s) => s.spanId)).size).toBe(2);
      expect(spans[2]!.attributes['service.name']).toBeUndefined();
      expect(t.durationMs).toBeGreaterThanOrEqual(5000);
    }
  });

  it('search of every checkout trace (limit 100): 100 one-span sets, and not the newest matches', async () => {
    serve('tempo-2.0.1-search-all-spansets.json');
    const { traces } = await client().tempo.search('{ resource.service.name = "checkout" }', {
      ...CAPTURE,
      limit: 100,
    });
    expect(traces).toHaveLength(100);
    expect(new Set(traces.map((t) => t.traceId)).size).toBe(100);
    expect(traces.every((t) => t.traceId.length === 32 && t.rootService === 'checkout')).toBe(true);
    expect(traces.filter((t) => t.traceId.startsWith('0'))).toHaveLength(24);
    expect(traces.every((t) => t.spanSets.length === 1 && t.spanSets[0]!.matched === 1)).toBe(true);
    expect(traces.every((t) => t.spanSets[0]!.spans[0]!.name === null)).toBe(true);
    const starts = traces.map((t) => t.startedAt.getTime());
    expect(new Date(Math.min(...starts))).toEqual(new Date('2026-12-07T20:19:59.761Z'));
    expect(new Date(Math.max(...starts))).toEqual(new Date('2026-12-07T20:22:03.521Z'));
    // The error search above holds checkout traces up to 20:24:01, so the limit did not keep the newest.
    expect(traces.filter((t) => (t.durationMs ?? 0) >= 5000).map((t) => t.durationMs)).toEqual([
      5045, 5024, 5047, 5045, 5009,
    ]);
    expect(traces.filter((t) => t.durationMs! < 1000)).toHaveLength(92);
  });

  it('traces by id (v1 `batches`): every trace of the error search, with names, services and status messages', async () => {
    const byId = JSON.parse(fixture('tempo/tempo-2.0.1-traces-by-id.json')) as Record<string, unknown>;
    // Tempo 2.0 has no v2 API: the v2 path is a 404, then v1 answers.
    server.route(/\/api\/traces\//, (req) => {
      const id = req.path.split('/').pop()!;
      const key = Object.keys(byId).find((k) => normaliseId(k) === id);
      return key ? json(byId[key]) : text(404, 'trace not found');
    });
    const ids = Object.keys(byId);
    expect(ids).toHaveLength(20);
    const { tempo } = client();
    const traces = [];
    for (const id of ids) traces.push((await tempo.trace(id))!);
    for (const [i, trace] of traces.entries()) {
      expect(trace.traceId).toBe(normaliseId(ids[i]!));
      expect(trace.spans.map((s) => [s.service, s.name, s.kind, s.isError])).toEqual([
        ['checkout', 'POST /orders', 'server', true],
        ['payments-api', 'POST /charge', 'server', true],
      ]);
      expect(trace.spans[1]!.parentSpanId).toBe(trace.root!.spanId);
      expect(trace.spans.map((s) => s.statusMessage)).toEqual([
        'payments-api timeout after 5000ms',
        'timeout after 5000ms',
      ]);
      expect(trace.hasError).toBe(true);
    }
    const first = traces[0]!;
    expect(first).toMatchObject({
      traceId: '091398c9853ff01f5c28591aa5868c0e',
      startedAt: new Date('2026-12-07T20:24:01.010Z'),
      durationMs: 5016,
    });
    // The search's nameless child span without service.name is payments-api's POST /charge.
    expect(first.spans[1]).toMatchObject({
      spanId: '8d2f3950e897220d',
      parentSpanId: 'e4afeb6258e8e37d',
      durationMs: 5000,
      attributes: { 'http.method': 'POST', 'http.status_code': 504 },
    });
    expect(first.root).toMatchObject({ spanId: 'e4afeb6258e8e37d', attributes: { 'http.status_code': 500 } });
    expect(server.requests.map((r) => r.path.replace(/[0-9a-f]{32}$/, '<id>'))).toEqual(
      ids.flatMap(() => ['/tempo/api/v2/traces/<id>', '/tempo/api/traces/<id>'])
    );
  });
});

describe('search results with span sets', () => {
  it('reads spanSets (2.2+) or spanSet (2.0), span ids, durations and attributes; a missing root and duration', async () => {
    server.route('/tempo/api/search', () =>
      tempoSearch([
        {
          traceId: 'abc',
          rootService: 'checkout',
          rootName: 'POST /pay',
          start: new Date(1_700_000_000_000),
          durationMs: 1200,
          spans: [
            {
              spanId: 'f00d',
              name: 'charge',
              durationMs: 900.5,
              attributes: { status: 'error', 'service.name': 'payments' },
            },
          ],
        },
        { traceId: 'QpC1h3qZMN55u0KDZTmOzA==', start: new Date(1_700_000_000_000) },
      ])
    );
    const { traces } = await client().tempo.search('{ status = error }', RANGE);
    expect(traces[0]).toMatchObject({
      traceId: '00000000000000000000000000000abc',
      spanSets: [
        {
          matched: 1,
          spans: [
            {
              spanId: '000000000000f00d',
              name: 'charge',
              durationMs: 900.5,
              attributes: { status: 'error', 'service.name': 'payments' },
            },
          ],
        },
      ],
    });
    expect(traces[1]).toMatchObject({
      traceId: '4290b5877a9930de79bb428365398ecc',
      rootService: '<root span not yet received>',
      durationMs: null,
    });
  });

  it('an answer with no traces (null or absent) is empty', async () => {
    server.route('/tempo/api/search', () => json({ traces: null, metrics: {} }));
    expect((await client().tempo.search('{}', RANGE)).traces).toEqual([]);
  });
});

describe('credentials and failures', () => {
  it('sends bearer token and tenant, or basic auth from the URL', async () => {
    server.route('/api/search', () => fromFixture('tempo/tempo-search-response.json'));
    const registry = new ResilienceRegistry();
    const withToken = createTempoClient(
      { url: `http://127.0.0.1:${server.port}`, token: 't0k', tenant: 'tenant-7', cacheTtlMs: 1000, policy: POLICY },
      registry
    )!;
    await withToken.search('{}', RANGE);
    expect(server.requests[0]!.headers).toMatchObject({ authorization: 'Bearer t0k', 'x-scope-orgid': 'tenant-7' });
    const basic = createTempoClient(
      { url: `http://u:p@127.0.0.1:${server.port}/`, cacheTtlMs: 1000, policy: POLICY },
      new ResilienceRegistry()
    )!;
    await basic.search('{}', RANGE);
    expect(server.requests[1]!.headers.authorization).toBe('Basic dTpw');
    expect(server.requests[1]!.headers['x-scope-orgid']).toBeUndefined();
  });

  it('takes URL, token and tenant from the environment (TEMPO_*), and Prometheus its own (PROMETHEUS_*)', async () => {
    server.route('/api/search', () => fromFixture('tempo/tempo-search-response.json'));
    const config = loadConfig({
      TEMPO_URL: `http://127.0.0.1:${server.port}`,
      TEMPO_TOKEN: 'tt',
      TEMPO_TENANT: 'tenant-t',
      TEMPO_DATASOURCE_UID: 'tempo-ds',
      PROMETHEUS_URL: 'http://127.0.0.1:9',
      PROMETHEUS_TOKEN: 'pt',
      PROMETHEUS_TENANT: 'tenant-p',
    });
    expect(config.tempo.datasourceUid).toBe('tempo-ds');
    expect(config.prometheus).toMatchObject({ token: 'pt', tenant: 'tenant-p' });
    await createTempoClient(config.tempo, new ResilienceRegistry())!.search('{}', RANGE);
    expect(server.requests[0]!.headers).toMatchObject({ authorization: 'Bearer tt', 'x-scope-orgid': 'tenant-t' });
    expect(createTempoClient({ ...config.tempo, url: undefined }, new ResilienceRegistry())).toBeUndefined();
  });

  it("a TraceQL parse error (text/plain 400) is the query's fault and is not retried", async () => {
    server.route('/tempo/api/search', () =>
      text(400, 'invalid TraceQL query: parse error at line 1, col 3: syntax error')
    );
    const err = await failure(() => client().tempo.search('{ oops', RANGE));
    expect(err).toBeInstanceOf(TelemetryError);
    expect(err).toMatchObject({ status: 400, isQueryError: true, message: expect.stringContaining('invalid TraceQL') });
    expect(server.requests).toHaveLength(1);
  });

  it('429: retried after Retry-After, given up at once without it', async () => {
    let calls = 0;
    server.route('/tempo/api/search', () =>
      ++calls === 1 ? tooMany(0.02) : fromFixture('tempo/tempo-search-response.json')
    );
    expect((await client().tempo.search('{}', RANGE)).traces).toHaveLength(2);
    server.reset();
    server.route('/tempo/api/search', () => tooMany());
    expect(await failure(() => client().tempo.search('{}', RANGE))).toMatchObject({ status: 429 });
    expect(server.requests).toHaveLength(1);
  });

  it('garbage, a 503, a slow answer and a refused connection end as DependencyFailure', async () => {
    server.route('/tempo/api/search', () => garbage());
    expect(await failure(() => client().tempo.search('{}', RANGE))).toMatchObject({
      dependency: 'tempo',
      reason: 'retries_exhausted',
      cause: { errorType: 'bad_response' },
    });
    server.reset();
    server.route('/tempo/api/search', () => json({ traces: [{ traceID: 'zz??', startTimeUnixNano: '1' }] }));
    expect(await failure(() => client().tempo.search('{}', RANGE))).toMatchObject({
      cause: { errorType: 'bad_response' },
    });
    server.reset();
    server.route('/tempo/api/search', () => text(503, 'Service Unavailable'));
    expect(await failure(() => client().tempo.search('{}', RANGE))).toMatchObject({ cause: { status: 503 } });
    server.reset();
    server.route('/tempo/api/search', () => ({ ...fromFixture('tempo/tempo-search-response.json'), delayMs: 800 }));
    expect(await failure(() => client({ retries: 0 }).tempo.search('{}', RANGE))).toMatchObject({ reason: 'timeout' });
    await server.refuse();
    try {
      expect(await failure(() => client({ retries: 0 }).tempo.search('{}', RANGE))).toMatchObject({
        reason: 'failed',
        cause: { status: 0, errorType: 'unreachable' },
      });
    } finally {
      await server.resume();
    }
  });
});
