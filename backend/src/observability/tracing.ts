/**
 * OpenTelemetry tracing, on only when an OTLP endpoint is configured. With it off nothing here runs per request:
 * the middleware and the telemetry clients see no tracer, and `traceHeaders()` finds no active span.
 */
import { context, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace, type Context, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export const DEFAULT_SERVICE_NAME = 'reliability-studio-sidecar';

// W3C Trace Context only: it is what Grafana, Prometheus, Loki and Tempo speak.
const w3c = new W3CTraceContextPropagator();

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `<endpoint>/v1/traces` as OTLP/HTTP JSON. */
  endpoint: string;
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: the full traces URL, used as is; wins over `endpoint`. */
  tracesEndpoint: string;
  /** OTEL_SERVICE_NAME: wins over a `service.name` in `resourceAttributes`. */
  serviceName?: string;
  version?: string;
  /** OTEL_RESOURCE_ATTRIBUTES, parsed (config.ts): added to every span's resource (deployment, namespace...). */
  resourceAttributes?: Record<string, string>;
  /** Replaces the OTLP exporter (tests). */
  exporter?: SpanExporter;
}

export interface Tracing {
  readonly tracer: Tracer;
  /** Exports the spans still batched; tests call it before looking at the collector. */
  flush(): Promise<void>;
  /** Flushes and stops exporting; part of graceful shutdown. */
  shutdown(): Promise<void>;
}

/** Starts the tracer provider; `undefined` when no endpoint is configured, which turns tracing off. */
export function createTracing(options: Partial<TracingOptions> & Pick<TracingOptions, 'endpoint'>): Tracing;
export function createTracing(options: Partial<TracingOptions> & Pick<TracingOptions, 'tracesEndpoint'>): Tracing;
export function createTracing(options: Partial<TracingOptions>): Tracing | undefined;
export function createTracing(options: Partial<TracingOptions>): Tracing | undefined {
  const url = options.tracesEndpoint ?? (options.endpoint ? tracesUrl(options.endpoint) : undefined);
  if (!url) return undefined;
  const exporter = options.exporter ?? new OTLPTraceExporter({ url });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes(tracingResource(options)),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // Installs the AsyncLocalStorage context manager, so the request's span is the active one in every await below
  // the middleware (traceHeaders, log lines). Registering the global provider a second time (tests build several)
  // is refused by the API and harmless: spans are started from this provider's own tracer.
  provider.register();
  return {
    tracer: provider.getTracer('reliability-studio-sidecar', options.version),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * The resource every span carries. As in OpenTelemetry's SDKs, OTEL_RESOURCE_ATTRIBUTES overrides the sidecar's
 * defaults (service.version), and OTEL_SERVICE_NAME overrides both for service.name.
 */
export function tracingResource(options: Partial<TracingOptions>): Record<string, string> {
  const fromEnv = options.resourceAttributes ?? {};
  return {
    [ATTR_SERVICE_VERSION]: options.version ?? 'unknown',
    ...fromEnv,
    [ATTR_SERVICE_NAME]: options.serviceName ?? fromEnv[ATTR_SERVICE_NAME] ?? DEFAULT_SERVICE_NAME,
  };
}

/** The signal URL for a base OTLP endpoint, as the OTLP exporter spec defines it (`<base>/v1/traces`). */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/** The caller's trace context from W3C `traceparent`/`tracestate` headers; ROOT when there is none or it is invalid. */
export function extractTraceContext(headers: Record<string, string | undefined>): Context {
  return w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
}

/**
 * W3C `traceparent` (and `tracestate`) naming the span in `ctx` as the parent of an outgoing call. Empty when
 * tracing is off or there is no span. The telemetry clients pass their CLIENT span's context (telemetry/http.ts
 * send), so Prometheus, Loki and Tempo see the attempt that called them.
 */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  if (trace.getSpan(ctx)) w3c.inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}
