/**
 * The Loki client against a local server: every real Loki payload of the fixture set (FIXTURES_DIR/loki) parsed unchanged,
 * the parameters and credentials it sends, and how it fails: down, slow, garbage, 429, plain-text errors.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { DependencyFailure, type PolicyOptions } from '../src/resilience/policy.js';
import { TtlCache } from '../src/resilience/cache.js';
import { ResilienceRegistry } from '../src/resilience/registry.js';
import { TelemetryError } from '../src/telemetry/http.js';
import {
  createLokiClient,
  createLokiPolicy,
  dateToNs,
  logLines,
  LokiClient,
  nsToDate,
  type LokiQueryResponse,
} from '../src/telemetry/loki.js';
import {
  FIXTURES_DIR,
  fromFixture,
  garbage,
  json,
  startFixtureServer,
  text,
  tooMany,
  type FixtureServer,
} from './support/fixtureServer.js';
import { clientTestPolicy } from './support/telemetry.js';
const POLICY = clientTestPolicy(2);
const RANGE = { start: new Date('2022-02-16T16:50:00Z'), end: new Date('2022-02-16T17:00:00Z') };
const QUERY_PATH = '/loki/api/v1/query_range';

let server: FixtureServer;
beforeAll(async () => void (server = await startFixtureServer()));
afterAll(() => server.close());
beforeEach(() => server.reset());

function client(options: { cache?: boolean; policy?: Partial<PolicyOptions> } = {}) {
  const registry = new ResilienceRegistry();
  const policy = createLokiPolicy({ ...POLICY, ...options.policy }, registry);
  const cache = options.cache
    ? new TtlCache<LokiQueryResponse | string[]>('loki', { maxEntries: 10, ttlMs: 60_000 }, registry)
    : undefined;
  return { registry, policy, loki: new LokiClient({ baseUrl: `${server.url}/loki-gw/`, policy, cache }) };
}

/** Runs `fn` and returns what it threw. */
async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('real Loki payloads (FIXTURES_DIR/loki), unchanged', () => {
  const files = readdirSync(`${FIXTURES_DIR}/loki`).filter((f) => f.endsWith('.json'));

  it('has fixtures to read', () => expect(files.length).toBeGreaterThanOrEqual(3));

  it.each(files)('parses %s', async (file) => {
    server.route(/query_range$/, () => fromFixture(`loki/${file}`));
    const answer = await client().loki.queryRange('{code=~".+"}', RANGE);
    expect(['streams', 'matrix']).toContain(answer.data.resultType);
    expect(answer.data.result.length).toBeGreaterThan(0);
  });

  it('streams: nanosecond strings, quotes and emoji in labels, stats kept, lines newest first', async () => {
    server.route(/query_range$/, () => fromFixture('loki/loki-streams-with-stats.json'));
    const answer = await client().loki.queryRange('{location="moon🌙"}', RANGE);
    if (answer.data.resultType !== 'streams') throw new Error('expected streams');
    expect(answer.data.result.map((s) => s.labels)).toEqual([
      { code: 'one",', location: 'moon🌙' },
      { code: '",two', location: 'moon🌙' },
    ]);
    expect(answer.data.result[0]!.entries[0]).toEqual({
      ns: '1645030244810757120',
      at: new Date(1645030244810),
      line: 'log line error 1',
      metadata: {},
    });
    expect((answer.stats as { summary: { totalLinesProcessed: number } }).summary.totalLinesProcessed).toBe(55);
    const lines = logLines(answer);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatchObject({ line: 'log line info 1', labels: { code: '",two' } });
    expect(lines.at(-1)!.line).toBe('log line info 4');
  });

  it('streams with structured metadata: the third value (flat or categorised) merges into the labels', async () => {
    server.route(/query_range$/, () => fromFixture('loki/loki-streams-structured-metadata.json'));
    const answer = await client().loki.queryRange('{location="moon🌙"}', RANGE);
    if (answer.data.resultType !== 'streams') throw new Error('expected streams');
    expect(answer.data.result[1]!.entries.map((e) => e.line)).toEqual([
      'log line info 1',
      'log line info 2',
      'log line info 2',
      'log line info 3',
      'log line info 4',
    ]);

    const at = '1700000000000000001';
    server.reset();
    server.route(/query_range$/, () =>
      json({
        status: 'success',
        data: {
          resultType: 'streams',
          result: [
            { stream: { app: 'a' }, values: [[at, 'flat', { trace_id: 'abc' }]] },
            {
              stream: { app: 'b' },
              values: [[at, 'cat', { structuredMetadata: { pod: 'p1' }, parsed: { level: 'error' } }]],
            },
          ],
        },
      })
    );
    const lines = logLines(await client().loki.queryRange('{app=~"a|b"}', RANGE));
    expect(lines.map((l) => l.labels)).toEqual([
      { app: 'a', trace_id: 'abc' },
      { app: 'b', pod: 'p1', level: 'error' },
    ]);
  });

  it('matrix with NaN samples: NaN numbers at second timestamps', async () => {
    server.route(/query_range$/, () => fromFixture('loki/loki-matrix-nan.json'));
    const answer = await client().loki.queryRange('sum(rate({a="b"}[5m]))', { ...RANGE, stepSeconds: 300 });
    expect(answer.data).toEqual({
      resultType: 'matrix',
      result: [
        {
          metric: {},
          values: [
            { timestamp: 1643014450.417, value: NaN },
            { timestamp: 1643014750.417, value: NaN },
          ],
        },
      ],
    });
  });
});

describe('what it sends', () => {
  it('GETs query_range under the URL prefix with nanosecond start/end, step, limit and direction', async () => {
    server.route(/query_range$/, () => fromFixture('loki/loki-matrix-nan.json'));
    await client().loki.queryRange('sum(count_over_time({app="x"} |= "error" [1m]))', {
      ...RANGE,
      stepSeconds: 60,
      limit: 1000,
      direction: 'backward',
    });
    const req = server.requests[0]!;
    expect(req.method).toBe('GET');
    expect(req.path).toBe(`/loki-gw${QUERY_PATH}`);
    expect(Object.fromEntries(req.query)).toEqual({
      query: 'sum(count_over_time({app="x"} |= "error" [1m]))',
      start: '1645030200000000000',
      end: '1645030800000000000',
      step: '60s',
      limit: '1000',
      direction: 'backward',
    });
    expect(dateToNs(RANGE.start)).toBe('1645030200000000000');
    expect(nsToDate('1645030244810757120').toISOString()).toBe('2022-02-16T16:50:44.810Z');
  });

  it('label values: name escaped in the path, selector passed, an empty answer is an empty list', async () => {
    server.route(/\/label\/.+\/values$/, (req) =>
      json({ status: 'success', data: req.query.get('query') ? ['checkout', 'payments'] : undefined })
    );
    const { loki } = client();
    expect(await loki.labelValues('service_name', { ...RANGE, query: '{env="prod"}' })).toEqual([
      'checkout',
      'payments',
    ]);
    expect(server.requests[0]!.path).toBe('/loki-gw/loki/api/v1/label/service_name/values');
    expect(server.requests[0]!.query.get('query')).toBe('{env="prod"}');
    expect(await loki.labelValues('service_name', RANGE)).toEqual([]);
  });

  it.each([
    ['basic auth from the URL', { url: 'http://ops:s%40cret@HOST/' }, 'Basic b3BzOnNAY3JldA==', undefined],
    ['a bearer token and a tenant', { url: 'http://HOST', token: 'tok-1', tenant: 'team-a' }, 'Bearer tok-1', 'team-a'],
  ])('sends %s', async (_name, auth, authorization, tenant) => {
    server.route(/query_range$/, () => fromFixture('loki/loki-matrix-nan.json'));
    const loki = createLokiClient(
      { ...auth, url: auth.url.replace('HOST', `127.0.0.1:${server.port}`), cacheTtlMs: 1000, policy: POLICY },
      new ResilienceRegistry()
    )!;
    await loki.queryRange('{a="b"}', RANGE);
    expect(server.requests[0]!.headers.authorization).toBe(authorization);
    expect(server.requests[0]!.headers['x-scope-orgid']).toBe(tenant);
  });

  it('takes URL, token, tenant and timeout from the environment (LOKI_*)', async () => {
    server.route(/query_range$/, () => fromFixture('loki/loki-matrix-nan.json'));
    const config = loadConfig({
      LOKI_URL: `http://127.0.0.1:${server.port}/gw`,
      LOKI_TOKEN: 'env-token',
      LOKI_TENANT: 'env-tenant',
      LOKI_TIMEOUT_MS: '1234',
      LOKI_DATASOURCE_UID: 'loki-ds',
    });
    expect(config.loki).toMatchObject({ datasourceUid: 'loki-ds', policy: { timeoutMs: 1234 } });
    await createLokiClient(config.loki, new ResilienceRegistry())!.queryRange('{a="b"}', RANGE);
    expect(server.requests[0]).toMatchObject({
      path: `/gw${QUERY_PATH}`,
      headers: { authorization: 'Bearer env-token', 'x-scope-orgid': 'env-tenant' },
    });
  });

  it('is not built without a URL', () => {
    expect(createLokiClient({ cacheTtlMs: 1, policy: POLICY }, new ResilienceRegistry())).toBeUndefined();
  });

  it('caches an answer: the same query twice is one request', async () => {
    server.route(/query_range$/, () => fromFixture('loki/loki-matrix-nan.json'));
    const { loki } = client({ cache: true });
    await Promise.all([loki.queryRange('{a="b"}', RANGE), loki.queryRange('{a="b"}', RANGE)]);
    await loki.queryRange('{a="b"}', RANGE);
    expect(server.requests).toHaveLength(1);
    await loki.queryRange('{a="b"}', RANGE, { noCache: true });
    expect(server.requests).toHaveLength(2);
  });
});

describe('failures', () => {
  it("a plain-text 400 parse error is the query's fault: its text, not retried, not counted by the breaker", async () => {
    server.route(/query_range$/, () => text(400, 'parse error at line 1, col 6: syntax error: unexpected IDENTIFIER'));
    const { loki, policy } = client({ policy: { breaker: { ...POLICY.breaker, consecutiveFailures: 1 } } });
    const err = await failure(() => loki.queryRange('{a="b"} |~ oops', RANGE));
    expect(err).toBeInstanceOf(TelemetryError);
    expect(err).toMatchObject({ status: 400, isQueryError: true });
    expect((err as Error).message).toContain('parse error at line 1, col 6');
    expect(server.requests).toHaveLength(1);
    expect(policy.state).toBe('closed');
  });

  it('499 (cancelled) is not retried; 504 and 500 in text/plain are retried and then given up', async () => {
    server.route(/query_range$/, () => text(499, 'context canceled'));
    expect(await failure(() => client().loki.queryRange('{a="b"}', RANGE))).toMatchObject({ status: 499 });
    expect(server.requests).toHaveLength(1);

    server.reset();
    server.route(/query_range$/, () => text(504, 'context deadline exceeded'));
    const err = await failure(() => client().loki.queryRange('{a="b"}', RANGE));
    expect(err).toBeInstanceOf(DependencyFailure);
    expect(err).toMatchObject({ dependency: 'loki', reason: 'retries_exhausted' });
    expect((err as DependencyFailure).cause).toMatchObject({
      status: 504,
      message: expect.stringContaining('deadline'),
    });
    expect(server.requests).toHaveLength(3);
  });

  it('a JSON error body gives its message', async () => {
    server.route(/query_range$/, () => json({ status: 'error', errorType: 'bad_data', error: 'invalid step' }, 400));
    expect(await failure(() => client().loki.queryRange('{a="b"}', RANGE))).toMatchObject({
      errorType: 'bad_data',
      message: expect.stringContaining('invalid step'),
    });
  });

  it('429 with Retry-After is retried after it; without, it fails at once and never trips the breaker', async () => {
    let calls = 0;
    server.route(/query_range$/, () => (++calls === 1 ? tooMany(0.05) : fromFixture('loki/loki-matrix-nan.json')));
    const started = Date.now();
    await client().loki.queryRange('{a="b"}', RANGE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(server.requests).toHaveLength(2);

    server.reset();
    server.route(/query_range$/, () => tooMany());
    const { loki, policy } = client({ policy: { breaker: { ...POLICY.breaker, consecutiveFailures: 1 } } });
    expect(await failure(() => loki.queryRange('{a="b"}', RANGE))).toMatchObject({
      status: 429,
      retryAfterMs: undefined,
    });
    expect(server.requests).toHaveLength(1);
    expect(policy.state).toBe('closed');
  });

  it('garbage with a 200 is a bad answer, retried like a 502', async () => {
    server.route(/query_range$/, () => garbage());
    const err = await failure(() => client().loki.queryRange('{a="b"}', RANGE));
    expect(err).toMatchObject({ reason: 'retries_exhausted', cause: { status: 502, errorType: 'bad_response' } });
    server.reset();
    server.route(/query_range$/, () =>
      json({ status: 'success', data: { resultType: 'streams', result: [{ stream: {}, values: [['soon', 'x']] }] } })
    );
    expect(await failure(() => client().loki.queryRange('{a="b"}', RANGE))).toMatchObject({
      cause: { errorType: 'bad_response' },
    });
  });

  it('slow past its timeout: gives up with reason timeout', async () => {
    server.route(/query_range$/, () => ({ ...fromFixture('loki/loki-matrix-nan.json'), delayMs: 1000 }));
    const { loki } = client({ policy: { retries: 0 } });
    const started = Date.now();
    expect(await failure(() => loki.queryRange('{a="b"}', RANGE))).toMatchObject({
      dependency: 'loki',
      reason: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('down (connection refused, or dropped mid-request): retried, then the breaker opens and fails fast', async () => {
    server.route(/query_range$/, () => ({ destroy: true }));
    const { loki, policy } = client({ policy: { retries: 0, breaker: { ...POLICY.breaker, consecutiveFailures: 2 } } });
    expect(await failure(() => loki.queryRange('{a="b"}', RANGE))).toMatchObject({
      reason: 'failed',
      cause: { status: 0 },
    });
    await server.refuse();
    try {
      expect(await failure(() => loki.queryRange('{a="b"}', RANGE))).toMatchObject({
        cause: { errorType: 'unreachable' },
      });
      expect(policy.state).toBe('open');
      const started = Date.now();
      expect(await failure(() => loki.queryRange('{a="b"}', RANGE))).toMatchObject({ reason: 'circuit_open' });
      expect(Date.now() - started).toBeLessThan(50);
    } finally {
      await server.resume();
    }
  });

  it('stops when the caller aborts', async () => {
    server.route(/query_range$/, () => ({ ...fromFixture('loki/loki-matrix-nan.json'), delayMs: 250 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    await failure(() => client().loki.queryRange('{a="b"}', RANGE, { signal: controller.signal }));
    expect(Date.now() - started).toBeLessThan(200);
  });
});
