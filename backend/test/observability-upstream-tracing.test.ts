/**
 * Traces that reach the backends: a correlation run through POST /api/incidents/:id/correlate calls Prometheus,
 * Loki and Tempo (local stand-ins that record the headers they get); every call must be a CLIENT span of the
 * request's server span, and the `traceparent` each backend received must name that very span. A retried call is
 * two sibling spans (the second with http.request.resend_count), a background run is a trace of its own, and with
 * tracing off nothing is sent.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CorrelationEngine } from '../src/correlation/engine.js';
import { createLokiSource } from '../src/correlation/lokiSource.js';
import { PrometheusSource } from '../src/correlation/prometheusSource.js';
import { CorrelationRefresher } from '../src/correlation/refresher.js';
import { createTempoSource } from '../src/correlation/tempoSource.js';
import { createTracing, type Tracing } from '../src/observability/tracing.js';
import { ResilienceRegistry } from '../src/resilience/registry.js';
import type { Database } from '../src/store/db.js';
import { createLokiPolicy, LokiClient } from '../src/telemetry/loki.js';
import { createPrometheusPolicy, PrometheusClient } from '../src/telemetry/prometheus.js';
import { createTempoPolicy, TempoClient } from '../src/telemetry/tempo.js';
import {
  json,
  lokiMatrix,
  startFixtureServer,
  tempoSearch,
  text,
  type FixtureServer,
  type SeenRequest,
} from './support/fixtureServer.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';
import { SOURCE_TEST_POLICY as POLICY } from './support/telemetry.js';

const emptyMatrix = () => json({ status: 'success', data: { resultType: 'matrix', result: [] } });

let prometheus: FixtureServer;
let loki: FixtureServer;
let tempo: FixtureServer;
let exporter: InMemorySpanExporter;
let tracing: Tracing;
let sidecar: TestSidecar;
let database: Database;
let engine: CorrelationEngine;

/** Every backend answers an empty result: what is under test is the calls, not what they find. */
function answerEmpty(): void {
  prometheus.route('/api/v1/query_range', emptyMatrix);
  loki.route('/loki/api/v1/query_range', () => lokiMatrix([]));
  tempo.route('/api/search', () => tempoSearch([]));
}

beforeAll(async () => {
  [prometheus, loki, tempo] = await Promise.all([startFixtureServer(), startFixtureServer(), startFixtureServer()]);
  exporter = new InMemorySpanExporter();
  tracing = createTracing({ tracesEndpoint: 'http://collector.invalid/v1/traces', exporter, version: 'test' });
  const { tracer } = tracing;
  sidecar = await startSidecar({
    tracing,
    correlation: ({ db }) => {
      database = db;
      // Clients without a cache: each run must reach the backends. One retry, 5 ms apart (SOURCE_TEST_POLICY).
      const resilience = new ResilienceRegistry();
      const policy = POLICY;
      engine = new CorrelationEngine({
        db,
        sources: [
          new PrometheusSource({
            client: new PrometheusClient({
              baseUrl: prometheus.url,
              policy: createPrometheusPolicy(policy, resilience),
              tracer,
            }),
          }),
          createLokiSource(new LokiClient({ baseUrl: loki.url, policy: createLokiPolicy(policy, resilience), tracer })),
          createTempoSource(
            new TempoClient({ baseUrl: tempo.url, policy: createTempoPolicy(policy, resilience), tracer })
          ),
        ],
        budgetMs: 5000,
        leadMs: 15 * 60_000,
        refreshMs: 60_000,
      });
      return engine;
    },
  });
  await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name: 'checkout' } }), 201);
});

afterAll(async () => {
  await sidecar?.close();
  await tracing?.shutdown();
  await Promise.all([prometheus, loki, tempo].map((s) => s?.close()));
});

beforeEach(() => {
  for (const server of [prometheus, loki, tempo]) server.reset();
  exporter.reset();
  answerEmpty();
});

async function declareIncident(): Promise<string> {
  const body = { title: 'Checkout failing', severity: 'high', services: ['checkout'] };
  return (await expectStatus(await sidecar.call('/api/incidents', { method: 'POST', json: body }), 201)).id;
}

const received = () => [
  ...prometheus.requests.map((r) => ({ backend: prometheus, request: r })),
  ...loki.requests.map((r) => ({ backend: loki, request: r })),
  ...tempo.requests.map((r) => ({ backend: tempo, request: r })),
];

/** The trace id and parent span id of a received W3C traceparent (version 00, sampled). */
function parentOf(request: SeenRequest): { traceId: string; spanId: string } {
  const header = request.headers.traceparent;
  expect(header, `${request.method} ${request.path} came without traceparent`).toMatch(
    /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/
  );
  const [, traceId, spanId] = (header as string).split('-');
  return { traceId: traceId!, spanId: spanId! };
}

const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const hrMs = ([seconds, nanos]: [number, number]) => seconds * 1000 + nanos / 1e6;
const describeSpans = (spans: ReadableSpan[]) =>
  JSON.stringify(
    spans.map((s) => ({ name: s.name, id: idOf(s), parent: s.parentSpanContext?.spanId, ...s.attributes }))
  );

/**
 * Pairs every request a backend received with the exported CLIENT span its traceparent names, and checks the
 * pairing is one-to-one: no request without its span, no span without its request.
 */
function pairRequestsWithSpans(traceId: string) {
  const clients = exporter
    .getFinishedSpans()
    .filter((s) => s.kind === SpanKind.CLIENT && s.spanContext().traceId === traceId);
  const pairs = received().map(({ backend, request }) => {
    const parent = parentOf(request);
    expect(parent.traceId).toBe(traceId);
    const span = clients.find((s) => idOf(s) === parent.spanId);
    expect(span, `no client span ${parent.spanId} among ${describeSpans(clients)}`).toBeDefined();
    return { backend, request, span: span! };
  });
  expect(new Set(pairs.map((p) => idOf(p.span))).size).toBe(pairs.length);
  expect(clients).toHaveLength(pairs.length);
  return pairs;
}

describe('calls made while handling a request', () => {
  it('are CLIENT spans of the server span, and each backend gets its own span as the parent', async () => {
    const id = await declareIncident();
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4736';
    const res = await sidecar.call(`/api/incidents/${id}/correlate`, {
      method: 'POST',
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    const result = await expectStatus(res, 200);
    expect(result.run.sources).toMatchObject({
      prometheus: { status: 'ok' },
      loki: { status: 'ok' },
      tempo: { status: 'ok' },
    });
    await tracing.flush();

    const server = exporter
      .getFinishedSpans()
      .find((s) => s.kind === SpanKind.SERVER && s.spanContext().traceId === traceId);
    expect(server?.name).toBe('POST /api/incidents/:id/correlate');
    const pairs = pairRequestsWithSpans(traceId);
    for (const backend of [prometheus, loki, tempo]) expect(pairs.some((p) => p.backend === backend)).toBe(true);

    for (const { backend, request, span } of pairs) {
      expect(span.parentSpanContext?.spanId).toBe(idOf(server!));
      const query = request.query.size ? `?${request.query}` : '';
      const template = { POST: '/api/v1/query_range', GET: request.path }[request.method];
      expect(span.name).toBe(`${request.method} ${template}`);
      expect(span.attributes).toEqual({
        'http.request.method': request.method,
        'url.full': `${backend.url}${request.path}${query}`,
        'url.template': template,
        'server.address': '127.0.0.1',
        'server.port': backend.port,
        'http.response.status_code': 200,
      });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    // The template names the route, never the query: one span name per API, whatever was asked.
    expect(new Set(pairs.map((p) => p.span.name))).toEqual(
      new Set(['POST /api/v1/query_range', 'GET /loki/api/v1/query_range', 'GET /api/search'])
    );
  });

  it('sends a call answered 503 then 200 as two sibling spans, the second with http.request.resend_count', async () => {
    prometheus.reset();
    let calls = 0;
    prometheus.route('/api/v1/query_range', () => (calls++ === 0 ? text(503, 'overloaded') : emptyMatrix()));
    const id = await declareIncident();
    const traceId = '6bf92f3577b34da6a3ce929d0e0e4736';
    const res = await sidecar.call(`/api/incidents/${id}/correlate`, {
      method: 'POST',
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect((await expectStatus(res, 200)).run.sources.prometheus.status).toBe('ok');
    await tracing.flush();

    const server = exporter
      .getFinishedSpans()
      .find((s) => s.kind === SpanKind.SERVER && s.spanContext().traceId === traceId);
    // pairRequestsWithSpans: the refused request and its resend each carried their own span's id.
    const spans = pairRequestsWithSpans(traceId)
      .filter((p) => p.backend === prometheus)
      .map((p) => p.span);
    const refused = spans.filter((s) => s.attributes['http.response.status_code'] === 503);
    const resent = spans.filter((s) => s.attributes['http.request.resend_count'] !== undefined);
    expect(refused, describeSpans(spans)).toHaveLength(1);
    expect(resent, describeSpans(spans)).toHaveLength(1);
    expect(refused[0]!.attributes).toMatchObject({ 'error.type': '503' });
    expect(refused[0]!.attributes['http.request.resend_count']).toBeUndefined();
    expect(refused[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(resent[0]!.attributes).toMatchObject({ 'http.request.resend_count': 1, 'http.response.status_code': 200 });
    expect(resent[0]!.attributes['error.type']).toBeUndefined();
    expect(resent[0]!.status.code).toBe(SpanStatusCode.UNSET);
    // Siblings, not nested: both attempts hang off the request's span, the resend after the refusal.
    for (const span of [...refused, ...resent]) expect(span.parentSpanContext?.spanId).toBe(idOf(server!));
    expect(hrMs(resent[0]!.startTime)).toBeGreaterThanOrEqual(hrMs(refused[0]!.endTime));
  });

  it('names Tempo and Loki routes with placeholders, and takes Tempo’s 404 for a missing trace as an answer', async () => {
    const tempoClient = new TempoClient({
      baseUrl: tempo.url,
      policy: createTempoPolicy(POLICY, new ResilienceRegistry()),
      tracer: tracing.tracer,
    });
    const lokiClient = new LokiClient({
      baseUrl: loki.url,
      policy: createLokiPolicy(POLICY, new ResilienceRegistry()),
      tracer: tracing.tracer,
    });
    loki.route(/^\/loki\/api\/v1\/label\/[^/]+\/values$/, () => json({ status: 'success', data: ['checkout'] }));
    const request = tracing.tracer.startSpan('request');
    await context.with(trace.setSpan(context.active(), request), async () => {
      expect(await tempoClient.trace('2f3e0cee77ae5dc9c17ade3689eb2e54')).toBeNull();
      expect(
        await lokiClient.labelValues('service', { start: new Date(Date.now() - 60_000), end: new Date() })
      ).toEqual(['checkout']);
    });
    request.end();
    await tracing.flush();

    const pairs = pairRequestsWithSpans(request.spanContext().traceId);
    expect(pairs.map((p) => [p.request.path, p.span.name])).toEqual([
      ['/loki/api/v1/label/service/values', 'GET /loki/api/v1/label/{name}/values'],
      ['/api/v2/traces/2f3e0cee77ae5dc9c17ade3689eb2e54', 'GET /api/v2/traces/{traceId}'],
      ['/api/traces/2f3e0cee77ae5dc9c17ade3689eb2e54', 'GET /api/traces/{traceId}'],
    ]);
    for (const { request: seen, span } of pairs.slice(1)) {
      expect(span.attributes).toMatchObject({
        'http.response.status_code': 404,
        'url.full': `${tempo.url}${seen.path}`,
      });
      expect(span.attributes['error.type']).toBeUndefined();
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
  });

  it('marks a call that got no answer with the socket error as error.type', async () => {
    await prometheus.refuse();
    try {
      const id = await declareIncident();
      const traceId = '7bf92f3577b34da6a3ce929d0e0e4736';
      const res = await sidecar.call(`/api/incidents/${id}/correlate`, {
        method: 'POST',
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      });
      expect((await expectStatus(res, 200)).run.sources.prometheus.status).toBe('failed');
      await tracing.flush();
      const spans = exporter
        .getFinishedSpans()
        .filter((s) => s.spanContext().traceId === traceId && s.name === 'POST /api/v1/query_range');
      expect(spans.length).toBeGreaterThan(0);
      for (const span of spans) {
        expect(span.attributes).toMatchObject({ 'error.type': 'ECONNREFUSED', 'server.port': prometheus.port });
        expect(span.attributes['http.response.status_code']).toBeUndefined();
        expect(span.status.code).toBe(SpanStatusCode.ERROR);
      }
    } finally {
      await prometheus.resume();
    }
  });
});

describe('a call cut short by the policy’s timeout', () => {
  it('ends its span as an error of type aborted, with no status code', async () => {
    const client = new LokiClient({
      baseUrl: loki.url,
      policy: createLokiPolicy({ ...POLICY, timeoutMs: 100, retries: 0 }, new ResilienceRegistry()),
      tracer: tracing.tracer,
    });
    loki.reset();
    loki.route('/loki/api/v1/query_range', () => ({ ...lokiMatrix([]), delayMs: 1000 }));
    const range = { start: new Date(Date.now() - 60_000), end: new Date(), stepSeconds: 15 };
    await expect(client.queryRange('{service="checkout"}', range)).rejects.toMatchObject({ reason: 'timeout' });
    // The policy gives up at once (cockatiel's aggressive timeout); the aborted fetch ends its span just after.
    await vi.waitFor(async () => {
      await tracing.flush();
      expect(exporter.getFinishedSpans()).toHaveLength(1);
    });
    const [span] = exporter.getFinishedSpans();
    expect(span).toMatchObject({ name: 'GET /loki/api/v1/query_range', status: { code: SpanStatusCode.ERROR } });
    expect(span!.attributes['error.type']).toBe('aborted');
    expect(span!.attributes['http.response.status_code']).toBeUndefined();
  });
});

describe('a background correlation run', () => {
  it('is the root span of its own trace, parent of its calls, even when started inside another span', async () => {
    const id = await declareIncident();
    const refresher = new CorrelationRefresher({
      db: database,
      engine,
      pollMs: 0,
      refreshMs: 60_000,
      tracer: tracing.tracer,
    });
    // Whatever is active when the round starts (here: an unrelated span), the run must not join its trace.
    const outer = tracing.tracer.startSpan('unrelated');
    const ran = await context.with(trace.setSpan(context.active(), outer), () => refresher.round());
    outer.end();
    expect(ran).toBe(1);
    await tracing.flush();

    const job = exporter
      .getFinishedSpans()
      .find((s) => s.name === 'correlation run' && s.attributes.incident_id === id);
    expect(job, describeSpans(exporter.getFinishedSpans())).toBeDefined();
    expect(job!.parentSpanContext).toBeUndefined();
    expect(job!.attributes['correlation.trigger']).toBe('created');
    const traceId = job!.spanContext().traceId;
    expect(traceId).not.toBe(outer.spanContext().traceId);

    const pairs = pairRequestsWithSpans(traceId);
    expect(pairs.length).toBeGreaterThanOrEqual(3);
    for (const { span } of pairs) expect(span.parentSpanContext?.spanId).toBe(idOf(job!));
  });
});

describe('with tracing off', () => {
  it('creates no span and sends no traceparent, even inside an active span', async () => {
    const client = new LokiClient({
      baseUrl: loki.url,
      policy: createLokiPolicy(POLICY, new ResilienceRegistry()),
    });
    const active = tracing.tracer.startSpan('active');
    await context.with(trace.setSpan(context.active(), active), () =>
      client.queryRange('{service="checkout"}', {
        start: new Date(Date.now() - 60_000),
        end: new Date(),
        stepSeconds: 15,
      })
    );
    active.end();
    await tracing.flush();
    expect(loki.requests).toHaveLength(1);
    expect(loki.requests[0]!.headers.traceparent).toBeUndefined();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['active']);
  });
});
