import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/observability/logger.js';
import { createTracing, traceHeaders, tracesUrl, tracingResource, type Tracing } from '../src/observability/tracing.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status?: { code?: number };
  attributes: { key: string; value: Record<string, unknown> }[];
  events?: { name: string; attributes: { key: string; value: Record<string, unknown> }[] }[];
}

/** A stand-in OTLP/HTTP collector: keeps every JSON export it receives on /v1/traces. */
async function startCollector() {
  const exports: { path: string; contentType: string | undefined; body: any }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      exports.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(body) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const spans = (): (OtlpSpan & { resource: Record<string, unknown> })[] =>
    exports.flatMap((e) =>
      e.body.resourceSpans.flatMap((rs: any) => {
        const resource = Object.fromEntries(rs.resource.attributes.map((a: any) => [a.key, Object.values(a.value)[0]]));
        return rs.scopeSpans.flatMap((ss: any) => ss.spans.map((s: OtlpSpan) => ({ ...s, resource })));
      })
    );
  return { url, exports, spans, close: () => new Promise((resolve) => server.close(resolve)) };
}

const attr = (span: OtlpSpan, key: string) => {
  const found = span.attributes.find((a) => a.key === key);
  return found ? Object.values(found.value)[0] : undefined;
};

describe('tracing with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let tracing: Tracing;
  let sidecar: TestSidecar;
  const lines: string[] = [];

  beforeAll(async () => {
    collector = await startCollector();
    tracing = createTracing({ endpoint: `${collector.url}/`, serviceName: 'reliability-studio-sidecar', version: 'test' });
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    sidecar = await startSidecar({
      logger,
      tracing,
      extend: (app) => {
        // What a telemetry client will do: read the headers to send upstream while handling a request.
        app.get('/api/_test/outgoing', (c) => {
          logger.info({}, 'calling upstream');
          return c.json(traceHeaders());
        });
        app.get('/api/_test/boom', () => {
          throw new Error('exploded with Bearer abcdefgh12345678');
        });
      },
    });
  });
  afterAll(async () => {
    await sidecar.close();
    await tracing.shutdown();
    await collector.close();
  });

  it('exports a server span per request, as a child of the caller’s traceparent, to <endpoint>/v1/traces', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpanId = '00f067aa0ba902b7';
    const created = await expectStatus(
      await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'Traced', severity: 'low' } }),
      201
    );
    const res = await sidecar.call(`/api/incidents/${created.id}`, {
      headers: { traceparent: `00-${traceId}-${parentSpanId}-01`, 'x-request-id': 'traced-1' },
    });
    await expectStatus(res, 200);
    await tracing.flush();

    expect(collector.exports[0]).toMatchObject({ path: '/v1/traces', contentType: 'application/json' });
    const span = collector.spans().find((s) => s.traceId === traceId);
    expect(span, JSON.stringify(collector.spans())).toBeDefined();
    expect(span).toMatchObject({ parentSpanId, name: 'GET /api/incidents/:id', kind: 2 /* SERVER */ });
    expect(span!.resource).toMatchObject({ 'service.name': 'reliability-studio-sidecar', 'service.version': 'test' });
    expect(attr(span!, 'http.route')).toBe('/api/incidents/:id');
    expect(attr(span!, 'http.response.status_code')).toBe(200);
    expect(attr(span!, 'request_id')).toBe('traced-1');

    // The request's log line names the same trace and span, so logs and traces link both ways.
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.request_id === 'traced-1');
    expect(line).toMatchObject({ trace_id: traceId, span_id: span!.spanId });
  });

  it('starts a new trace when the caller sends none, and ignores a malformed traceparent', async () => {
    await expectStatus(await sidecar.call('/health/live', { token: null, headers: { 'x-request-id': 'fresh-1' } }), 200);
    await expectStatus(
      await sidecar.call('/health/live', { token: null, headers: { traceparent: 'garbage', 'x-request-id': 'fresh-2' } }),
      200
    );
    await tracing.flush();
    for (const id of ['fresh-1', 'fresh-2']) {
      const span = collector.spans().find((s) => attr(s, 'request_id') === id);
      expect(span).toMatchObject({ name: 'GET /health/live', traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
      expect(span!.parentSpanId ?? '').toBe('');
    }
  });

  it('hands the active trace to outgoing calls and to every line logged during the request', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const res = await sidecar.call('/api/_test/outgoing', { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    const headers = await expectStatus<{ traceparent: string }>(res, 200);
    await tracing.flush();
    const span = collector.spans().find((s) => s.traceId === traceId)!;
    // Upstream calls become children of this request's server span, not of the caller's.
    expect(headers.traceparent).toBe(`00-${traceId}-${span.spanId}-01`);
    const inner = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'calling upstream');
    expect(inner).toMatchObject({ trace_id: traceId, span_id: span.spanId });
  });

  it('marks a 500 as an error span with the exception, scrubbed like the logs', async () => {
    const traceId = 'aaf7651916cd43dd8448eb211c80319c';
    await expectStatus(await sidecar.call('/api/_test/boom', { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } }), 500);
    await tracing.flush();
    const span = collector.spans().find((s) => s.traceId === traceId)!;
    expect(span.status?.code).toBe(2); // ERROR
    const exception = span.events?.find((e) => e.name === 'exception');
    expect(exception).toBeDefined();
    expect(JSON.stringify(exception)).toContain('exploded with Bearer [REDACTED]');
    expect(JSON.stringify(exception)).not.toContain('abcdefgh12345678');
  });
});

describe('tracing off (no endpoint)', () => {
  it('is not created, and outgoing calls get no trace headers', () => {
    expect(createTracing({ endpoint: undefined })).toBeUndefined();
    expect(traceHeaders()).toEqual({});
  });

  it('builds the traces URL from the base endpoint as the OTLP exporter spec says', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('https://otlp.example.com/tenant-1/')).toBe('https://otlp.example.com/tenant-1/v1/traces');
  });
});

describe('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and OTEL_RESOURCE_ATTRIBUTES', () => {
  it('exports to the traces URL as given, over the base endpoint, with the resource attributes on every span', async () => {
    const collector = await startCollector();
    const { observability: o } = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.url}/base`,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}/tenant-1/traces`,
      OTEL_SERVICE_NAME: 'studio-eu',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=ignored,deployment.environment.name=staging,team=sre%2Cplatform',
    });
    const tracing = createTracing({
      endpoint: o.otlpEndpoint,
      tracesEndpoint: o.otlpTracesEndpoint,
      serviceName: o.serviceName,
      resourceAttributes: o.resourceAttributes,
      version: 'test',
    })!;
    try {
      tracing.tracer.startSpan('probe').end();
      await tracing.flush();
      expect(collector.exports.map((e) => e.path)).toEqual(['/tenant-1/traces']);
      expect(collector.spans()[0]!.resource).toMatchObject({
        'service.name': 'studio-eu',
        'service.version': 'test',
        'deployment.environment.name': 'staging',
        team: 'sre,platform',
      });
    } finally {
      await tracing.shutdown();
      await collector.close();
    }
  });

  it('takes service.name from the attributes when OTEL_SERVICE_NAME is unset, and lets them set service.version', () => {
    const resourceAttributes = { 'service.name': 'studio-us', 'service.version': 'abc123' };
    expect(tracingResource({ version: '1.2.0', resourceAttributes })).toEqual(resourceAttributes);
    expect(tracingResource({ version: '1.2.0' })).toEqual({
      'service.name': 'reliability-studio-sidecar',
      'service.version': '1.2.0',
    });
  });
});

