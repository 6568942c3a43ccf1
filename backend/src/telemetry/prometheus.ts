/**
 * A typed client for Prometheus' HTTP API (/api/v1/query, /api/v1/query_range). Every call takes an AbortSignal,
 * runs inside the one shared 'prometheus' DependencyPolicy (timeout, retry, breaker, bulkhead) and, when given,
 * a TtlCache. General on purpose: SLO status uses it today, correlation (issue 4) builds on it.
 */
import type { Tracer } from '@opentelemetry/api';
import { z } from 'zod';
import { DependencyPolicy, type FailureClass, type PolicyOptions } from '../resilience/policy.js';
import { TtlCache } from '../resilience/cache.js';
import type { ResilienceRegistry } from '../resilience/registry.js';
import {
  classifyStatus,
  type DatasourceConfig,
  datasourceConnection,
  retryAfterMs,
  send,
  TelemetryError,
  type TextAnswer,
  type Transport,
} from './http.js';

export interface Sample {
  metric: Record<string, string>;
  /** Unix seconds (Prometheus' float timestamps). */
  timestamp: number;
  /** NaN, +Inf and -Inf come through as the numbers they are. */
  value: number;
}

export interface Series {
  metric: Record<string, string>;
  values: Array<{ timestamp: number; value: number }>;
}

export type QueryData =
  | { resultType: 'vector'; result: Sample[] }
  | { resultType: 'matrix'; result: Series[] }
  | { resultType: 'scalar'; result: { timestamp: number; value: number } }
  | { resultType: 'string'; result: { timestamp: number; value: string } };

export interface QueryResponse<D extends QueryData = QueryData> {
  data: D;
  /** Prometheus' warnings (and 2.4x+ infos): the answer holds, but may be partial. */
  warnings: string[];
}

/**
 * A failed answer from Prometheus: `status` is the HTTP status (0: no answer), `errorType` Prometheus' own
 * (bad_data, execution, timeout, canceled, unavailable, internal, not_found) or `bad_response` when the body was
 * not the API's JSON. `retryAfterMs` comes from a 429's Retry-After.
 */
export class PrometheusError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
    readonly retryAfterMs?: number
  ) {
    super(message);
    this.name = 'PrometheusError';
  }

  /** True for a query Prometheus refused or could not run: a problem with the query, not with Prometheus. */
  get isQueryError(): boolean {
    return this.status === 400 || this.status === 422;
  }
}

/** "NaN", "+Inf", "-Inf" and decimal strings as numbers. */
export function parseSampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return text === 'NaN' ? NaN : Number(text);
}

const Pair = z.tuple([z.number(), z.string()]);
const toPoint = ([timestamp, value]: [number, string]) => ({ timestamp, value: parseSampleValue(value) });
const Labels = z.record(z.string(), z.string());
const Data = z.discriminatedUnion('resultType', [
  z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: Labels, value: Pair })) }),
  z.object({ resultType: z.literal('matrix'), result: z.array(z.object({ metric: Labels, values: z.array(Pair) })) }),
  z.object({ resultType: z.literal('scalar'), result: Pair }),
  z.object({ resultType: z.literal('string'), result: z.tuple([z.number(), z.string()]) }),
]);
const Envelope = z.object({
  status: z.enum(['success', 'error']),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  infos: z.array(z.string()).optional(),
});

function toQueryData(data: z.infer<typeof Data>): QueryData {
  switch (data.resultType) {
    case 'vector':
      return { resultType: 'vector', result: data.result.map((s) => ({ metric: s.metric, ...toPoint(s.value) })) };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: data.result.map((s) => ({ metric: s.metric, values: s.values.map(toPoint) })),
      };
    case 'scalar':
      return { resultType: 'scalar', result: toPoint(data.result) };
    case 'string':
      return { resultType: 'string', result: { timestamp: data.result[0], value: data.result[1] } };
  }
}

/**
 * How the 'prometheus' policy treats errors: no answer or a 5xx is Prometheus being unwell (retried, counts
 * towards the breaker); a 429 is retried only when it says when (Retry-After), without tripping the breaker;
 * other 4xx are the query's fault, never retried, never counted.
 */
export function classifyPrometheusError(err: unknown): FailureClass {
  if (err instanceof PrometheusError) return classifyStatus(err.status, err.retryAfterMs);
  // fetch() rejects with a TypeError for refused connections, resets and DNS failures.
  return { retry: 'idempotent', isFailure: true };
}

/** The one shared policy for every call to Prometheus. */
export function createPrometheusPolicy(options: PolicyOptions, registry: ResilienceRegistry): DependencyPolicy {
  // A correlation run sends its queries at once: after an outage they all wait for the probe (policy.ts).
  return new DependencyPolicy('prometheus', { waitForProbe: true, ...options }, classifyPrometheusError, registry);
}

export interface PrometheusClientOptions {
  /** e.g. http://prometheus:9090 (a path prefix such as /prometheus is kept). */
  baseUrl: string;
  policy: DependencyPolicy;
  cache?: TtlCache<QueryResponse>;
  /** Sent with every call (Authorization, X-Scope-OrgID...). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** Tracing on: every request to Prometheus is a CLIENT span and carries its traceparent (telemetry/http.ts send). */
  tracer?: Tracer;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Skip the cache (a value that must be fresh). */
  noCache?: boolean;
}

const seconds = (date: Date) => (date.getTime() / 1000).toFixed(3);

export class PrometheusClient {
  private readonly baseUrl: string;
  private readonly transport: Transport;

  constructor(private readonly options: PrometheusClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.transport = { fetch: options.fetch ?? globalThis.fetch, tracer: options.tracer };
  }

  /** An instant query (`time` defaults to Prometheus' now). */
  query(expr: string, options: CallOptions & { time?: Date } = {}): Promise<QueryResponse> {
    const params: Record<string, string> = { query: expr };
    if (options.time) params.time = seconds(options.time);
    return this.call('/api/v1/query', params, options);
  }

  /** A range query from `start` to `end` every `stepSeconds`. */
  queryRange(
    expr: string,
    range: { start: Date; end: Date; stepSeconds: number },
    options: CallOptions = {}
  ): Promise<QueryResponse> {
    const params = {
      query: expr,
      start: seconds(range.start),
      end: seconds(range.end),
      step: String(range.stepSeconds),
    };
    return this.call('/api/v1/query_range', params, options);
  }

  private call(path: string, params: Record<string, string>, options: CallOptions): Promise<QueryResponse> {
    const run = () =>
      this.options.policy.execute((signal, attempt) => this.post(path, params, signal, attempt), {
        isIdempotent: true,
        signal: options.signal,
      });
    if (!this.options.cache || options.noCache) return run();
    return this.options.cache.getOrLoad(`${path}?${new URLSearchParams(params)}`, run);
  }

  // POST with a form body: long PromQL fits, and Prometheus treats it exactly like GET.
  private async post(
    path: string,
    params: Record<string, string>,
    signal: AbortSignal,
    attempt: number
  ): Promise<QueryResponse> {
    let res: TextAnswer;
    try {
      const request = {
        dependency: 'prometheus',
        method: 'POST' as const,
        url: this.baseUrl + path,
        urlTemplate: path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.options.headers },
        body: new URLSearchParams(params),
      };
      res = await send(this.transport, request, signal, attempt);
    } catch (err) {
      // No (whole) answer: Prometheus' own error, which its classifier and callers know. Aborts pass as they are.
      if (err instanceof TelemetryError) throw new PrometheusError(0, 'unreachable', err.message);
      throw err;
    }
    const { text } = res;
    let envelope: z.infer<typeof Envelope> | undefined;
    try {
      envelope = Envelope.parse(JSON.parse(text));
    } catch {
      envelope = undefined;
    }
    if (!envelope || envelope.status === 'error' || !res.ok) {
      const errorType = envelope?.errorType ?? (res.ok ? 'bad_response' : `http_${res.status}`);
      // A 2xx whose body is not the API's JSON is as bad as a 502 from a proxy in front of Prometheus.
      const status = res.ok ? 502 : res.status;
      const message = envelope?.error ?? `HTTP ${res.status}: ${text.slice(0, 200)}`;
      throw new PrometheusError(
        status,
        errorType,
        message,
        res.status === 429 ? retryAfterMs(res.headers.get('retry-after')) : undefined
      );
    }
    const data = Data.safeParse(envelope.data);
    if (!data.success)
      throw new PrometheusError(502, 'bad_response', 'Prometheus answered data this client cannot read');
    return { data: toQueryData(data.data), warnings: [...(envelope.warnings ?? []), ...(envelope.infos ?? [])] };
  }
}

/**
 * The one number an instant query of an aggregate returns: null for an empty vector or NaN (0/0, no traffic).
 * Several series are refused: the query was meant to be summed.
 */
export function singleValue(response: QueryResponse): number | null {
  const { data } = response;
  const value =
    data.resultType === 'scalar'
      ? data.result.value
      : data.resultType === 'vector' && data.result.length === 1
        ? data.result[0]!.value
        : undefined;
  if (data.resultType === 'vector' && data.result.length === 0) return null;
  if (value === undefined)
    throw new PrometheusError(
      422,
      'not_single_value',
      `expected one value, got a ${data.resultType} of ${Array.isArray(data.result) ? data.result.length : 1}`
    );
  return Number.isNaN(value) ? null : value;
}

/** Where and how to reach Prometheus (telemetry/http.ts). */
export type PrometheusConfig = DatasourceConfig;

/**
 * The process's Prometheus client (one policy, one cache, both reported to the registry), or undefined when no
 * URL is configured. Basic auth given in the URL (https://user:pass@host), a bearer token and a tenant become
 * headers (telemetry/http.ts): fetch refuses credentials in URLs. With a tracer (tracing on), every request is a
 * CLIENT span.
 */
export function createPrometheusClient(
  config: PrometheusConfig,
  registry: ResilienceRegistry,
  tracer?: Tracer
): PrometheusClient | undefined {
  if (!config.url) return undefined;
  const { baseUrl, headers } = datasourceConnection({ url: config.url, token: config.token, tenant: config.tenant });
  return new PrometheusClient({
    baseUrl,
    tracer,
    policy: createPrometheusPolicy(config.policy, registry),
    cache: new TtlCache<QueryResponse>('prometheus', { maxEntries: 1000, ttlMs: config.cacheTtlMs }, registry),
    headers,
  });
}
