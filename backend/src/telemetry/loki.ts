/**
 * A typed client for Loki's HTTP API (/loki/api/v1/query_range, /loki/api/v1/label/<name>/values), Loki 2.8+.
 * Every call takes an AbortSignal, runs inside the one shared 'loki' DependencyPolicy and, when given, a TtlCache.
 * Quirks handled: nanosecond timestamps as strings, NaN samples in matrices, structured metadata as a third value
 * (flat, or categorised under `categorize-labels`), and errors in text/plain.
 */
import type { Tracer } from '@opentelemetry/api';
import { z } from 'zod';
import { DependencyPolicy, type PolicyOptions } from '../resilience/policy.js';
import { TtlCache } from '../resilience/cache.js';
import type { ResilienceRegistry } from '../resilience/registry.js';
import {
  badResponse,
  classifyTelemetryError,
  type DatasourceConfig,
  datasourceConnection,
  getText,
  httpError,
  TelemetryError,
  type Transport,
} from './http.js';
import { parseSampleValue, type Sample, type Series } from './prometheus.js';

export { TelemetryError as LokiError };

export interface LogEntry {
  /** Unix nanoseconds as Loki sent them (a string: more digits than a double holds). */
  ns: string;
  at: Date;
  line: string;
  /** Structured metadata (and, under categorize-labels, parsed labels) of this line; empty when none. */
  metadata: Record<string, string>;
}

export interface LogStream {
  labels: Record<string, string>;
  entries: LogEntry[];
}

export type LokiQueryData =
  | { resultType: 'streams'; result: LogStream[] }
  | { resultType: 'matrix'; result: Series[] }
  | { resultType: 'vector'; result: Sample[] };

export interface LokiQueryResponse<D extends LokiQueryData = LokiQueryData> {
  data: D;
  /** Loki's warnings (3.x), when it sent any. */
  warnings: string[];
  /** Loki's query statistics, as sent (their shape changes between releases). */
  stats?: Record<string, unknown>;
}

const Labels = z.record(z.string(), z.string());
const Pair = z.tuple([z.number(), z.string()]);
const Entry = z.union([z.tuple([z.string(), z.string()]), z.tuple([z.string(), z.string(), z.unknown()])]);
const Data = z.discriminatedUnion('resultType', [
  z.object({
    resultType: z.literal('streams'),
    result: z.array(z.object({ stream: Labels, values: z.array(Entry) })),
    stats: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({
    resultType: z.literal('matrix'),
    result: z.array(z.object({ metric: Labels, values: z.array(Pair) })),
    stats: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({
    resultType: z.literal('vector'),
    result: z.array(z.object({ metric: Labels, value: Pair })),
    stats: z.record(z.string(), z.unknown()).optional(),
  }),
]);
const Envelope = z.object({ status: z.string(), data: z.unknown(), warnings: z.array(z.string()).optional() });
const LabelValues = z.object({ status: z.string(), data: z.array(z.string()).nullish() });

const NS_PER_MS = 1_000_000n;

/** Unix nanoseconds (a decimal string) to a Date; throws on anything else. */
export function nsToDate(ns: string): Date {
  if (!/^\d{1,21}$/.test(ns)) throw new Error(`not a nanosecond timestamp: ${ns.slice(0, 40)}`);
  return new Date(Number(BigInt(ns) / NS_PER_MS));
}

/** A Date as Unix nanoseconds, the way Loki's `start`/`end` want them. */
export function dateToNs(date: Date): string {
  return (BigInt(date.getTime()) * NS_PER_MS).toString();
}

/**
 * The third value of an entry: flat structured metadata (Loki 2.9–3.0, or 3.x without the encoding flag), or
 * `{structuredMetadata, parsed}` under `categorize-labels`. Both become one flat map; non-strings are dropped.
 */
function entryMetadata(raw: unknown): Record<string, string> {
  if (!raw || typeof raw !== 'object') return {};
  const out: Record<string, string> = {};
  const add = (from: unknown) => {
    if (!from || typeof from !== 'object') return;
    for (const [k, v] of Object.entries(from)) if (typeof v === 'string') out[k] = v;
  };
  const record = raw as Record<string, unknown>;
  if ('structuredMetadata' in record || 'parsed' in record) {
    add(record.structuredMetadata);
    add(record.parsed);
  } else add(record);
  return out;
}

function toData(data: z.infer<typeof Data>): LokiQueryData {
  switch (data.resultType) {
    case 'streams':
      return {
        resultType: 'streams',
        result: data.result.map((s) => ({
          labels: s.stream,
          entries: s.values.map(([ns, line, meta]) => ({ ns, at: nsToDate(ns), line, metadata: entryMetadata(meta) })),
        })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: data.result.map((s) => ({
          metric: s.metric,
          values: s.values.map(([timestamp, v]) => ({ timestamp, value: parseSampleValue(v) })),
        })),
      };
    case 'vector':
      return {
        resultType: 'vector',
        result: data.result.map((s) => ({
          metric: s.metric,
          timestamp: s.value[0],
          value: parseSampleValue(s.value[1]),
        })),
      };
  }
}

export interface LokiClientOptions {
  /** e.g. http://loki:3100 (a path prefix is kept). */
  baseUrl: string;
  policy: DependencyPolicy;
  cache?: TtlCache<LokiQueryResponse | string[]>;
  /** Sent with every call (Authorization, X-Scope-OrgID...). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** Tracing on: every request to Loki is a CLIENT span and carries its traceparent (telemetry/http.ts send). */
  tracer?: Tracer;
}

export interface LokiCallOptions {
  signal?: AbortSignal;
  /** Skip the cache (a value that must be fresh). */
  noCache?: boolean;
}

export interface LokiRange {
  start: Date;
  end: Date;
  /** Metric queries: seconds between points. */
  stepSeconds?: number;
  /** Log queries: most lines returned (Loki's default is 100; its server limit usually 5000). */
  limit?: number;
  /** Log queries: newest first (`backward`, Loki's default) or oldest first. */
  direction?: 'forward' | 'backward';
}

export class LokiClient {
  private readonly baseUrl: string;
  private readonly transport: Transport;

  constructor(private readonly options: LokiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.transport = { fetch: options.fetch ?? globalThis.fetch, tracer: options.tracer };
  }

  /** A log query (streams) or a metric query (matrix) over a range; `start`/`end` go out in nanoseconds. */
  async queryRange(query: string, range: LokiRange, options: LokiCallOptions = {}): Promise<LokiQueryResponse> {
    const params: Record<string, string> = { query, start: dateToNs(range.start), end: dateToNs(range.end) };
    if (range.stepSeconds !== undefined) params.step = `${range.stepSeconds}s`;
    if (range.limit !== undefined) params.limit = String(range.limit);
    if (range.direction) params.direction = range.direction;
    return (await this.call('/loki/api/v1/query_range', params, options, (text) =>
      this.parseQuery(text)
    )) as LokiQueryResponse;
  }

  /** The values a label takes within a range (optionally among the streams a selector picks). */
  async labelValues(
    name: string,
    range: { start: Date; end: Date; query?: string },
    options: LokiCallOptions = {}
  ): Promise<string[]> {
    const params: Record<string, string> = { start: dateToNs(range.start), end: dateToNs(range.end) };
    if (range.query) params.query = range.query;
    const path = `/loki/api/v1/label/${encodeURIComponent(name)}/values`;
    const parse = (text: string) => {
      const body = LabelValues.safeParse(safeJson(text));
      if (!body.success || body.data.status !== 'success')
        throw badResponse('loki', 'Loki', 'not a label values answer');
      return body.data.data ?? [];
    };
    return (await this.call(path, params, options, parse, '/loki/api/v1/label/{name}/values')) as string[];
  }

  private call<T extends LokiQueryResponse | string[]>(
    path: string,
    params: Record<string, string>,
    options: LokiCallOptions,
    parse: (text: string) => T,
    urlTemplate = path
  ): Promise<T> {
    const url = `${this.baseUrl}${path}?${new URLSearchParams(params)}`;
    const request = { dependency: 'loki', url, urlTemplate, headers: this.options.headers ?? {} };
    const run = () =>
      this.options.policy.execute(
        async (signal, attempt) => {
          const answer = await getText(this.transport, request, signal, attempt);
          if (!answer.ok) throw httpError('loki', answer, 'Loki');
          return parse(answer.text);
        },
        { isIdempotent: true, signal: options.signal }
      );
    if (!this.options.cache || options.noCache) return run();
    return this.options.cache.getOrLoad(url, run) as Promise<T>;
  }

  private parseQuery(text: string): LokiQueryResponse {
    const envelope = Envelope.safeParse(safeJson(text));
    if (!envelope.success || envelope.data.status !== 'success')
      throw badResponse('loki', 'Loki', 'not a query answer');
    const data = Data.safeParse(envelope.data.data);
    if (!data.success) throw badResponse('loki', 'Loki', 'unknown result shape');
    let parsed: LokiQueryData;
    try {
      parsed = toData(data.data);
    } catch (err) {
      throw badResponse('loki', 'Loki', (err as Error).message);
    }
    return { data: parsed, warnings: envelope.data.warnings ?? [], stats: data.data.stats };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Every line of a streams answer, newest first, with its stream's labels (structured metadata merged in). */
export function logLines(
  response: LokiQueryResponse
): Array<{ at: Date; ns: string; line: string; labels: Record<string, string> }> {
  if (response.data.resultType !== 'streams') return [];
  const lines = response.data.result.flatMap((s) =>
    s.entries.map((e) => ({ at: e.at, ns: e.ns, line: e.line, labels: { ...s.labels, ...e.metadata } }))
  );
  // BigInt compare: two lines in the same millisecond keep their order.
  return lines.sort((a, b) => (BigInt(b.ns) > BigInt(a.ns) ? 1 : BigInt(b.ns) < BigInt(a.ns) ? -1 : 0));
}

/** The one shared policy for every call to Loki. */
export function createLokiPolicy(options: PolicyOptions, registry: ResilienceRegistry): DependencyPolicy {
  // A correlation run sends its queries at once: after an outage they all wait for the probe (policy.ts).
  return new DependencyPolicy('loki', { waitForProbe: true, ...options }, classifyTelemetryError, registry);
}

/** Where and how to reach Loki (telemetry/http.ts). */
export type LokiConfig = DatasourceConfig;

/**
 * The process's Loki client (one policy, one cache, both reported to the registry), or undefined when no URL is
 * configured. Basic auth in the URL, a bearer token and a tenant become headers (telemetry/http.ts); with a
 * tracer (tracing on), every request is a CLIENT span.
 */
export function createLokiClient(
  config: LokiConfig,
  registry: ResilienceRegistry,
  tracer?: Tracer
): LokiClient | undefined {
  if (!config.url) return undefined;
  const { baseUrl, headers } = datasourceConnection({ url: config.url, token: config.token, tenant: config.tenant });
  return new LokiClient({
    baseUrl,
    headers,
    tracer,
    policy: createLokiPolicy(config.policy, registry),
    cache: new TtlCache<LokiQueryResponse | string[]>('loki', { maxEntries: 500, ttlMs: config.cacheTtlMs }, registry),
  });
}
