/**
 * The Prometheus client: its protocol handling against a local server answering what Prometheus (or a proxy in
 * front of it) answers, its policy (retries, breaker, timeout, abort), its cache, and a real Prometheus.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DependencyFailure, type PolicyOptions } from '../src/resilience/policy.js';
import { TtlCache } from '../src/resilience/cache.js';
import { ResilienceRegistry } from '../src/resilience/registry.js';
import {
  classifyPrometheusError,
  createPrometheusClient,
  createPrometheusPolicy,
  parseSampleValue,
  PrometheusClient,
  PrometheusError,
  singleValue,
  type QueryResponse,
} from '../src/telemetry/prometheus.js';
import {
  shouldRunPrometheusTests,
  startExporter,
  startPrometheus,
  eventually,
  type Exporter,
  type TestPrometheus,
} from './support/prometheusServer.js';
import { clientTestPolicy } from './support/telemetry.js';
import { toAppError } from '../src/http/errors.js';

const POLICY = clientTestPolicy(3);

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let handler: Handler;
let server: Server;
let baseUrl: string;
const seen: Array<{ path: string; body: string; auth?: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ path: req.url!, body, auth: req.headers.authorization });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/prom/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => void (seen.length = 0));

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (_req: IncomingMessage, _b: string, res: ServerResponse) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

function client(options: { cache?: boolean; policy?: Partial<PolicyOptions> } = {}) {
  const registry = new ResilienceRegistry();
  const policy = createPrometheusPolicy({ ...POLICY, ...options.policy }, registry);
  const cache = options.cache
    ? new TtlCache<QueryResponse>('prometheus', { maxEntries: 10, ttlMs: 60_000 }, registry)
    : undefined;
  return {
    registry,
    policy,
    prom: new PrometheusClient({ baseUrl, policy, cache, headers: { authorization: 'Bearer t' } }),
  };
}

describe('answers', () => {
  it('reads vectors with NaN and ±Inf, scalars, matrices, strings and warnings; POSTs the query as a form', async () => {
    handler = json(200, {
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: { a: '1' }, value: [1700000000.5, 'NaN'] },
          { metric: {}, value: [1700000000.5, '+Inf'] },
          { metric: {}, value: [1, '-Inf'] },
          { metric: {}, value: [1, '0.25'] },
        ],
      },
      warnings: ['partial response'],
      infos: ['info'],
    });
    const { prom } = client();
    const answer = await prom.query('up', { time: new Date(1_700_000_000_500) });
    expect(answer.data).toEqual({
      resultType: 'vector',
      result: [
        { metric: { a: '1' }, timestamp: 1700000000.5, value: NaN },
        { metric: {}, timestamp: 1700000000.5, value: Infinity },
        { metric: {}, timestamp: 1, value: -Infinity },
        { metric: {}, timestamp: 1, value: 0.25 },
      ],
    });
    expect(answer.warnings).toEqual(['partial response', 'info']);
    expect(seen[0]).toEqual({ path: '/prom/api/v1/query', body: 'query=up&time=1700000000.500', auth: 'Bearer t' });

    handler = json(200, {
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: { job: 'x' },
            values: [
              [1, '1'],
              [2, 'NaN'],
            ],
          },
        ],
      },
    });
    const range = await prom.queryRange('rate(x[5m])', { start: new Date(1000), end: new Date(2000), stepSeconds: 1 });
    expect(range.data).toEqual({
      resultType: 'matrix',
      result: [
        {
          metric: { job: 'x' },
          values: [
            { timestamp: 1, value: 1 },
            { timestamp: 2, value: NaN },
          ],
        },
      ],
    });
    expect(seen[1]!.body).toBe('query=rate%28x%5B5m%5D%29&start=1.000&end=2.000&step=1');

    handler = json(200, { status: 'success', data: { resultType: 'scalar', result: [1, '2.5'] } });
    expect(singleValue(await prom.query('2.5'))).toBe(2.5);
    handler = json(200, { status: 'success', data: { resultType: 'string', result: [1, 'hello'] } });
    expect((await prom.query('"hello"')).data).toEqual({
      resultType: 'string',
      result: { timestamp: 1, value: 'hello' },
    });
  });

  it('reads one value: empty and NaN are "no data", several series are refused', () => {
    const vector = (...values: string[]): QueryResponse => ({
      data: {
        resultType: 'vector',
        result: values.map((v) => ({ metric: {}, timestamp: 1, value: parseSampleValue(v) })),
      },
      warnings: [],
    });
    expect(singleValue(vector())).toBeNull();
    expect(singleValue(vector('NaN'))).toBeNull();
    expect(singleValue(vector('0.004'))).toBe(0.004);
    expect(() => singleValue(vector('1', '2'))).toThrow(PrometheusError);
  });
});

describe('failures', () => {
  it('passes bad_data (400) and execution errors (422) through at once: no retry, no breaker', async () => {
    const { prom, policy } = client();
    for (const [status, errorType] of [
      [400, 'bad_data'],
      [422, 'execution'],
    ] as const) {
      seen.length = 0;
      handler = json(status, { status: 'error', errorType, error: 'parse error at char 3' });
      const err = await prom.query('sum(').catch((e) => e);
      expect(err).toBeInstanceOf(PrometheusError);
      expect(err).toMatchObject({ status, errorType, message: 'parse error at char 3', isQueryError: true });
      expect(seen).toHaveLength(1);
    }
    expect(policy.state).toBe('closed');
  });

  it('retries 503 and garbage bodies, then gives up as UPSTREAM_UNAVAILABLE; recovers when an attempt succeeds', async () => {
    const { prom, registry } = client();
    const retries: number[] = [];
    registry.on((e) => e.type === 'retry' && retries.push(e.attempt));
    handler = json(503, { status: 'error', errorType: 'unavailable', error: 'shutting down' });
    const err = await prom.query('up').catch((e) => e);
    expect(err).toBeInstanceOf(DependencyFailure);
    expect(seen).toHaveLength(4); // the first attempt and 3 retries
    expect(toAppError(err)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', isRetryable: true });

    seen.length = 0;
    let calls = 0;
    const fresh = client().prom; // four failures in a row already: one more would open the first one's breaker
    handler = (req, body, res) =>
      ++calls === 1
        ? res.writeHead(200).end('<html>proxy error</html>')
        : json(200, { status: 'success', data: { resultType: 'scalar', result: [1, '1'] } })(req, body, res);
    expect(singleValue(await fresh.query('1'))).toBe(1);
    expect(seen).toHaveLength(2);
  });

  it('honours 429 Retry-After, and does not retry a 429 that does not say when', async () => {
    const { prom } = client();
    let calls = 0;
    handler = (req, body, res) =>
      ++calls === 1
        ? json(429, { status: 'error', errorType: 'too_many' }, { 'retry-after': '0.02' })(req, body, res)
        : json(200, { status: 'success', data: { resultType: 'scalar', result: [1, '3'] } })(req, body, res);
    expect(singleValue(await prom.query('3'))).toBe(3);
    expect(calls).toBe(2);
    seen.length = 0;
    handler = json(429, { status: 'error', errorType: 'too_many', error: 'slow down' });
    const err = await prom.query('x').catch((e) => e);
    expect(seen).toHaveLength(1);
    expect(toAppError(err)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { reason: 'rate_limited' } });
    expect(classifyPrometheusError(err)).toEqual({ retry: 'never', isFailure: false });
  });

  it('times out a slow Prometheus per attempt, opens the breaker after repeated failures, then fails fast', async () => {
    const { prom, policy } = client({ policy: { retries: 0, timeoutMs: 100 } });
    handler = (req, body, res) =>
      setTimeout(
        () => json(200, { status: 'success', data: { resultType: 'scalar', result: [1, '1'] } })(req, body, res),
        500
      );
    const started = Date.now();
    const err = await prom.query('slow').catch((e) => e);
    expect(err).toMatchObject({ reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(400);
    handler = json(500, { status: 'error', errorType: 'internal', error: 'boom' });
    for (let n = 0; n < 5; n++) await prom.query('x').catch(() => undefined);
    expect(policy.state).toBe('open');
    seen.length = 0;
    const open = await prom.query('x').catch((e) => e);
    expect(open).toMatchObject({ reason: 'circuit_open' });
    expect(seen).toHaveLength(0);
    expect(toAppError(open)).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryAfterSeconds: expect.any(Number),
    });
  });

  it('stops when the caller aborts, and counts a refused connection as a failure', async () => {
    const { prom } = client({ policy: { retries: 0 } });
    handler = (req, body, res) => setTimeout(() => json(200, {})(req, body, res), 1000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    await expect(prom.query('x', { signal: controller.signal })).rejects.toBeDefined();
    expect(Date.now() - started).toBeLessThan(300);
    const nowhere = new PrometheusClient({
      baseUrl: 'http://127.0.0.1:1',
      policy: createPrometheusPolicy({ ...POLICY, retries: 0 }, new ResilienceRegistry()),
    });
    expect(await nowhere.query('x').catch((e) => e)).toMatchObject({ reason: 'failed' });
  });
});

describe('cache', () => {
  it('answers a repeated query from the cache (and shares one in-flight call), unless told not to', async () => {
    const { prom, registry } = client({ cache: true });
    handler = (req, body, res) =>
      setTimeout(
        () => json(200, { status: 'success', data: { resultType: 'scalar', result: [1, '7'] } })(req, body, res),
        20
      );
    const at = new Date(1_700_000_000_000);
    await Promise.all([prom.query('7', { time: at }), prom.query('7', { time: at })]);
    await prom.query('7', { time: at });
    expect(seen).toHaveLength(1);
    await prom.query('7', { time: at, noCache: true });
    expect(seen).toHaveLength(2);
    expect(registry.caches()).toEqual([expect.objectContaining({ name: 'prometheus', hits: 1, size: 1 })]);
    handler = json(400, { status: 'error', errorType: 'bad_data', error: 'x' });
    await prom.query('bad', { time: at }).catch(() => undefined);
    await prom.query('bad', { time: at }).catch(() => undefined);
    expect(seen).toHaveLength(4); // errors are not cached
  });
});

describe('createPrometheusClient', () => {
  it('is absent without a URL, and sends credentials given in the URL as basic auth', async () => {
    const registry = new ResilienceRegistry();
    expect(createPrometheusClient({ cacheTtlMs: 1000, policy: POLICY }, registry)).toBeUndefined();
    const url = new URL(baseUrl);
    url.username = 'studio';
    url.password = 'p@ss:word';
    const prom = createPrometheusClient({ url: url.href, cacheTtlMs: 1000, policy: POLICY }, registry)!;
    handler = json(200, { status: 'success', data: { resultType: 'scalar', result: [1, '1'] } });
    await prom.query('1');
    expect(seen[0]).toMatchObject({
      path: '/prom/api/v1/query',
      auth: `Basic ${Buffer.from('studio:p@ss:word').toString('base64')}`,
    });
    expect(registry.dependencies().map((d) => d.name)).toEqual(['prometheus']);
    expect(registry.caches().map((c) => c.name)).toEqual(['prometheus']);
  });
});

describe.runIf(shouldRunPrometheusTests)('against a real Prometheus', () => {
  let exporter: Exporter;
  let prometheus: TestPrometheus;
  beforeAll(async () => {
    exporter = await startExporter(
      () => '# TYPE demo_total counter\ndemo_total{code="200"} 10\ndemo_total{code="500"} 2\n'
    );
    prometheus = await startPrometheus([exporter.target]);
    await eventually(async () => (await prometheus.query('demo_total')).length === 2, 15_000, 'scrape');
  }, 60_000);
  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.close();
  });

  it('queries, ranges, NaN and a real bad_data error', async () => {
    const prom = new PrometheusClient({
      baseUrl: prometheus.url,
      policy: createPrometheusPolicy(POLICY, new ResilienceRegistry()),
    });
    const vector = await prom.query('sort_desc(demo_total)');
    expect(vector.data.resultType).toBe('vector');
    expect(vector.data.result).toEqual([
      expect.objectContaining({ value: 10, metric: expect.objectContaining({ code: '200' }) }),
      expect.objectContaining({ value: 2 }),
    ]);
    expect(singleValue(await prom.query('sum(demo_total{code="500"}) / sum(demo_total)'))).toBeCloseTo(2 / 12, 12);
    expect(singleValue(await prom.query('vector(0) / 0'))).toBeNull(); // NaN
    expect((await prom.query('vector(1) / 0')).data.result).toEqual([expect.objectContaining({ value: Infinity })]);
    const range = await prom.queryRange('sum(demo_total)', {
      start: new Date(Date.now() - 2000),
      end: new Date(),
      stepSeconds: 1,
    });
    if (range.data.resultType !== 'matrix') throw new Error(`expected a matrix, got ${range.data.resultType}`);
    expect(range.data.result[0]).toMatchObject({
      metric: {},
      values: expect.arrayContaining([expect.objectContaining({ value: 12 })]),
    });
    const err = await prom.query('sum(rate(demo_total[5m]').catch((e) => e);
    expect(err).toMatchObject({ status: 400, errorType: 'bad_data', isQueryError: true });
  });
});
