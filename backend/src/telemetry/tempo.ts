/**
 * A typed client for Tempo's HTTP API (Tempo 2.0+): TraceQL search (/api/search) and trace by id
 * (/api/v2/traces/<id>, falling back to /api/traces/<id> on a Tempo without v2). Every call takes an AbortSignal,
 * runs inside the one shared 'tempo' DependencyPolicy and, when given, a TtlCache. Quirks handled: search times in
 * Unix seconds, `startTimeUnixNano` as a string, `durationMs` absent for traces whose root is missing, ids in
 * hex without leading zeros or in base64, `spanSet` (2.0) and `spanSets` (2.2+), errors in text/plain.
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
import {
  flattenAttributes,
  KeyValues,
  normaliseId,
  parseTrace,
  type AttributeValue,
  type Trace,
} from './tempoTrace.js';

export { TelemetryError as TempoError };
export { normaliseId, parseTrace, type Trace, type TraceSpan } from './tempoTrace.js';

export interface SpanHit {
  spanId: string;
  /** Tempo leaves the name out unless the query asked for it (2.0) or it is known (later releases). */
  name: string | null;
  startNs: string;
  durationMs: number | null;
  /** The attributes the query matched on (e.g. `status`, `service.name`), flattened. */
  attributes: Record<string, AttributeValue>;
}

export interface SpanSetHit {
  /** How many spans matched in the trace (more than `spans` when Tempo cut them at `spss`). */
  matched: number;
  spans: SpanHit[];
}

export interface TraceHit {
  /** 32 lower-case hex digits. */
  traceId: string;
  rootService: string;
  rootName: string;
  startNs: string;
  startedAt: Date;
  durationMs: number | null;
  spanSets: SpanSetHit[];
}

export interface SearchResponse {
  traces: TraceHit[];
  /** Tempo's search metrics, as sent (inspectedTraces, inspectedBytes...). */
  metrics: Record<string, unknown>;
}

/** What Tempo shows when a trace's root span has not arrived yet. */
const NO_ROOT = '<root span not yet received>';
const Nanos = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String);
const SpanSet = z.object({
  matched: z.number().optional(),
  spans: z
    .array(
      z.object({
        spanID: z.string(),
        name: z.string().optional(),
        startTimeUnixNano: Nanos,
        durationNanos: Nanos.optional(),
        attributes: KeyValues,
      })
    )
    .nullish(),
  attributes: KeyValues,
});
const Search = z.object({
  traces: z
    .array(
      z.object({
        traceID: z.string(),
        rootServiceName: z.string().optional(),
        rootTraceName: z.string().optional(),
        startTimeUnixNano: Nanos,
        durationMs: z.number().optional(),
        spanSet: SpanSet.optional(),
        spanSets: z.array(SpanSet).optional(),
      })
    )
    .nullish(),
  metrics: z.record(z.string(), z.unknown()).optional(),
});

function toHit(raw: NonNullable<z.infer<typeof Search>['traces']>[number]): TraceHit {
  const sets = raw.spanSets ?? (raw.spanSet ? [raw.spanSet] : []);
  return {
    traceId: normaliseId(raw.traceID, 16),
    rootService: raw.rootServiceName || NO_ROOT,
    rootName: raw.rootTraceName ?? '',
    startNs: raw.startTimeUnixNano,
    startedAt: new Date(Number(BigInt(raw.startTimeUnixNano) / 1_000_000n)),
    durationMs: raw.durationMs ?? null,
    spanSets: sets.map((set) => {
      const shared = flattenAttributes(set.attributes);
      const spans = (set.spans ?? []).map((s) => ({
        spanId: normaliseId(s.spanID, 8),
        name: s.name ?? null,
        startNs: s.startTimeUnixNano,
        durationMs: s.durationNanos === undefined ? null : Number(s.durationNanos) / 1e6,
        attributes: { ...shared, ...flattenAttributes(s.attributes) },
      }));
      return { matched: set.matched ?? spans.length, spans };
    }),
  };
}

export interface TempoClientOptions {
  /** e.g. http://tempo:3200 (a path prefix is kept). */
  baseUrl: string;
  policy: DependencyPolicy;
  cache?: TtlCache<SearchResponse | { trace: Trace | null }>;
  /** Sent with every call (Authorization, X-Scope-OrgID...). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** Tracing on: every request to Tempo is a CLIENT span and carries its traceparent (telemetry/http.ts send). */
  tracer?: Tracer;
}

export interface TempoCallOptions {
  signal?: AbortSignal;
  noCache?: boolean;
}

export interface SearchRange {
  start: Date;
  end: Date;
  /** Most traces (Tempo's default: 20). */
  limit?: number;
  /** Spans per span set (Tempo's default: 3). */
  spansPerSpanSet?: number;
}

export class TempoClient {
  private readonly baseUrl: string;
  private readonly transport: Transport;

  constructor(private readonly options: TempoClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.transport = { fetch: options.fetch ?? globalThis.fetch, tracer: options.tracer };
  }

  /** A TraceQL search; `start`/`end` go out in Unix seconds (widened to whole seconds so nothing is cut off). */
  async search(q: string, range: SearchRange, options: TempoCallOptions = {}): Promise<SearchResponse> {
    const params: Record<string, string> = {
      q,
      start: String(Math.floor(range.start.getTime() / 1000)),
      end: String(Math.ceil(range.end.getTime() / 1000)),
    };
    if (range.limit !== undefined) params.limit = String(range.limit);
    if (range.spansPerSpanSet !== undefined) params.spss = String(range.spansPerSpanSet);
    const url = `${this.baseUrl}/api/search?${new URLSearchParams(params)}`;
    const load = (signal: AbortSignal, attempt: number) => this.searchOnce(url, signal, attempt);
    return (await this.cached(url, options, load)) as SearchResponse;
  }

  /**
   * A trace by id (any id form Tempo uses), or null when Tempo does not have it. Asks v2 first, then v1 when v2 is
   * not there (Tempo before 2.5 answers 404 for the whole path).
   */
  async trace(traceId: string, options: TempoCallOptions = {}): Promise<Trace | null> {
    const id = normaliseId(traceId, 16);
    const key = `${this.baseUrl}/api/traces/${id}`;
    // A 404 is an answer here (no such trace, or no v2 API), not a failed request.
    const isExpected = (status: number) => status === 404;
    const answer = (await this.cached(key, options, async (signal, attempt) => {
      const v2Url = `${this.baseUrl}/api/v2/traces/${id}`;
      const v2 = await this.get(v2Url, '/api/v2/traces/{traceId}', signal, attempt, isExpected);
      const body = v2.status === 404 ? await this.get(key, '/api/traces/{traceId}', signal, attempt, isExpected) : v2;
      if (body.status === 404) return { trace: null };
      if (!body.ok) throw httpError('tempo', body, 'Tempo');
      try {
        return { trace: parseTrace(JSON.parse(body.text)) };
      } catch (err) {
        throw badResponse('tempo', 'Tempo', (err as Error).message);
      }
    })) as { trace: Trace | null };
    return answer.trace;
  }

  private get(
    url: string,
    urlTemplate: string,
    signal: AbortSignal,
    attempt: number,
    isExpected?: (status: number) => boolean
  ) {
    const request = { dependency: 'tempo', url, urlTemplate, headers: this.options.headers ?? {}, isExpected };
    return getText(this.transport, request, signal, attempt);
  }

  private async searchOnce(url: string, signal: AbortSignal, attempt: number): Promise<SearchResponse> {
    const answer = await this.get(url, '/api/search', signal, attempt);
    if (!answer.ok) throw httpError('tempo', answer, 'Tempo');
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      throw badResponse('tempo', 'Tempo', 'not JSON');
    }
    const parsed = Search.safeParse(body);
    if (!parsed.success) throw badResponse('tempo', 'Tempo', 'not a search answer');
    try {
      return { traces: (parsed.data.traces ?? []).map(toHit), metrics: parsed.data.metrics ?? {} };
    } catch (err) {
      throw badResponse('tempo', 'Tempo', (err as Error).message);
    }
  }

  private cached<T extends SearchResponse | { trace: Trace | null }>(
    key: string,
    options: TempoCallOptions,
    load: (signal: AbortSignal, attempt: number) => Promise<T>
  ): Promise<T> {
    const run = () => this.options.policy.execute(load, { isIdempotent: true, signal: options.signal });
    if (!this.options.cache || options.noCache) return run();
    return this.options.cache.getOrLoad(key, run) as Promise<T>;
  }
}

/** The one shared policy for every call to Tempo. */
export function createTempoPolicy(options: PolicyOptions, registry: ResilienceRegistry): DependencyPolicy {
  // A correlation run sends its queries at once: after an outage they all wait for the probe (policy.ts).
  return new DependencyPolicy('tempo', { waitForProbe: true, ...options }, classifyTelemetryError, registry);
}

/** Where and how to reach Tempo (telemetry/http.ts). */
export type TempoConfig = DatasourceConfig;

/**
 * The process's Tempo client, or undefined when no URL is configured (auth and tracing as for Loki:
 * telemetry/http.ts).
 */
export function createTempoClient(
  config: TempoConfig,
  registry: ResilienceRegistry,
  tracer?: Tracer
): TempoClient | undefined {
  if (!config.url) return undefined;
  const { baseUrl, headers } = datasourceConnection({ url: config.url, token: config.token, tenant: config.tenant });
  return new TempoClient({
    baseUrl,
    headers,
    tracer,
    policy: createTempoPolicy(config.policy, registry),
    cache: new TtlCache<SearchResponse | { trace: Trace | null }>(
      'tempo',
      { maxEntries: 500, ttlMs: config.cacheTtlMs },
      registry
    ),
  });
}
