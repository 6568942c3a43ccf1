/**
 * Tempo evidence: per service, four TraceQL searches sent at once (a run costs one round trip, never a second
 * round of trace fetches): error traces in the window and in the baseline, and all traces in both. From them: how
 * much error traces rose, which spans fail most (from the searches' span sets), and which traces got slower than
 * the baseline's p95.
 */
import { quantile, scoreCountChange, scoreShift } from '../domain/anomaly.js';
import { describeFailure } from '../telemetry/http.js';
import type { SearchResponse, TempoClient, TraceHit } from '../telemetry/tempo.js';
import { exploreUrl } from './explore.js';
import type { FindingData } from './findings.js';
import type {
  CorrelationContext,
  EvidenceSource,
  ServiceUnderInvestigation,
  SourceFinding,
  SourceReport,
  TimeRange,
} from './source.js';

export interface TempoSourceOptions {
  /** Undefined: the source is not configured (TEMPO_URL unset) and runs are told `skipped`. */
  client: TempoClient | undefined;
  /** The Tempo datasource's uid in Grafana, for Explore links (TEMPO_DATASOURCE_UID). */
  datasourceUid?: string;
  /** Traces per search (Tempo's default is 20; its max_limit often 100–1000). */
  searchLimit?: number;
  /** Spans per span set returned, for the failing spans. */
  spansPerSpanSet?: number;
}

const SEARCHES = ['window errors', 'baseline errors', 'window traces', 'baseline traces'] as const;
const MAX_TRACES = 10;
/** A trace slower than the baseline's p95 by less than this is not slow, whatever the percentiles say. */
const MIN_SLOWDOWN_MS = 20;

/** The service's traces that hold an error span (TraceQL: both span sets in one trace). */
export function errorTraceQuery(traces: string): string {
  return `${traces} && { status = error }`;
}

type Summary = NonNullable<FindingData['traces']>[number];

export class TempoSource implements EvidenceSource {
  readonly name = 'tempo' as const;

  constructor(private readonly options: TempoSourceOptions) {}

  get isConfigured(): boolean {
    return this.options.client !== undefined;
  }

  async collect(context: CorrelationContext): Promise<SourceReport> {
    const client = this.options.client;
    if (!client) throw new Error('Tempo is not configured');
    const limit = this.options.searchLimit ?? 100;
    const spss = this.options.spansPerSpanSet ?? 10;
    const jobs = context.services.flatMap((service) => {
      const errors = errorTraceQuery(service.queries.traces);
      return [
        { service, what: SEARCHES[0], query: errors, range: context.window },
        { service, what: SEARCHES[1], query: errors, range: context.baseline },
        { service, what: SEARCHES[2], query: service.queries.traces, range: context.window },
        { service, what: SEARCHES[3], query: service.queries.traces, range: context.baseline },
      ];
    });
    const settled = await Promise.allSettled(
      jobs.map((job) =>
        client.search(job.query, { ...job.range, limit, spansPerSpanSet: spss }, { signal: context.signal })
      )
    );
    const failures: string[] = [];
    settled.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') return;
      const why = context.signal.aborted ? 'cut short by the run budget' : describeFailure('Tempo', outcome.reason);
      failures.push(`${jobs[i]!.service.name} ${jobs[i]!.what}: ${why}`);
    });
    if (jobs.length > 0 && failures.length === jobs.length) throw new Error(`every search failed (${failures[0]})`);

    const answer = (i: number) =>
      settled[i]!.status === 'fulfilled' ? (settled[i] as PromiseFulfilledResult<SearchResponse>).value : null;
    const findings: SourceFinding[] = [];
    for (let i = 0; i < jobs.length; i += 4) {
      const service = jobs[i]!.service;
      const [errWindow, errBaseline, allWindow, allBaseline] = [answer(i), answer(i + 1), answer(i + 2), answer(i + 3)];
      const errorIds = new Set(errWindow?.traces.map((t) => t.traceId) ?? []);
      const ctx = { service, context, limit };
      if (errWindow && errBaseline) {
        findings.push(...this.errorFindings(errWindow, errBaseline, allWindow, jobs[i]!.query, ctx));
      }
      if (allWindow && allBaseline) {
        const slow = this.slowFinding(allWindow, allBaseline, errorIds, jobs[i + 2]!.query, ctx);
        if (slow) findings.push(slow);
      }
    }
    if (failures.length > 0) {
      const shown = failures.slice(0, 3).join('; ');
      return {
        status: 'degraded',
        message: `${failures.length} of ${jobs.length} searches failed: ${shown}`,
        findings,
      };
    }
    return { status: 'ok', findings };
  }

  private errorFindings(
    window: SearchResponse,
    baseline: SearchResponse,
    allWindow: SearchResponse | null,
    query: string,
    { service, context, limit }: { service: ServiceUnderInvestigation; context: CorrelationContext; limit: number }
  ): SourceFinding[] {
    const windowMs = span(context.window);
    const baselineMs = span(context.baseline);
    const count = window.traces.length;
    const score = scoreCountChange(baseline.traces.length, baselineMs, count, windowMs);
    if (score <= 0) return [];
    const atLeast = (n: number) => `${n >= limit ? 'at least ' : ''}${n}`;
    const first = earliest(window.traces);
    const base = {
      service: service.name,
      window: context.window,
      baseline: context.baseline,
      changedAt: first,
      exploreUrl: exploreUrl(this.options.datasourceUid, { kind: 'traceql', query }, context.window),
      query,
    };
    const findings: SourceFinding[] = [
      {
        ...base,
        signal: 'error_traces',
        score,
        summary: `${atLeast(count)} error traces in ${service.name}, ${atLeast(baseline.traces.length)} in a baseline of ${minutes(baselineMs)}`,
        data: {
          count,
          baselineCount: baseline.traces.length,
          traces: newest(window.traces).map((t) => summary(t, true)),
        },
      },
    ];
    const spans = failingSpans(window, allWindow, service.name);
    const top = spans[0];
    if (top) {
      const before = failingSpans(baseline, null, service.name).find(
        (s) => s.service === top.service && s.name === top.name
      );
      const spanScore = scoreCountChange(before?.errors ?? 0, baselineMs, top.errors, windowMs);
      if (spanScore > 0)
        findings.push({
          ...base,
          signal: 'failing_spans',
          score: spanScore,
          summary: `Span "${top.name}" of ${top.service} failed in ${top.errors} of ${top.total} sampled spans${before ? `, ${before.errors} in the baseline` : ', none in the baseline'}`,
          data: { spans: spans.slice(0, MAX_TRACES) },
        });
    }
    return findings;
  }

  private slowFinding(
    window: SearchResponse,
    baseline: SearchResponse,
    errorIds: Set<string>,
    query: string,
    { service, context }: { service: ServiceUnderInvestigation; context: CorrelationContext }
  ): SourceFinding | null {
    const durations = (r: SearchResponse) => r.traces.flatMap((t) => (t.durationMs === null ? [] : [t.durationMs]));
    const before = durations(baseline);
    const now = durations(window);
    // Too few baseline traces for a p95 that means anything.
    if (before.length < 5 || now.length === 0) return null;
    const p95 = quantile(before, 0.95);
    const shift = scoreShift(before, now, { direction: 'up', minAbsoluteChange: Math.max(MIN_SLOWDOWN_MS, 0.2 * p95) });
    const slow = window.traces.filter((t) => t.durationMs !== null && t.durationMs > p95 + MIN_SLOWDOWN_MS);
    if (shift.score <= 0 || slow.length === 0) return null;
    slow.sort((a, b) => b.durationMs! - a.durationMs!);
    const windowP95 = quantile(now, 0.95);
    return {
      service: service.name,
      signal: 'slow_traces',
      score: shift.score,
      summary: `${slow.length} of ${window.traces.length} sampled traces of ${service.name} slower than the baseline's p95 (${ms(p95)}), up to ${ms(slow[0]!.durationMs!)}`,
      query,
      window: context.window,
      baseline: context.baseline,
      changedAt: earliest(slow),
      exploreUrl: exploreUrl(this.options.datasourceUid, { kind: 'traceql', query }, context.window),
      data: {
        unit: 'seconds',
        baselineValue: p95 / 1000,
        currentValue: windowP95 / 1000,
        count: slow.length,
        traces: slow.slice(0, MAX_TRACES).map((t) => summary(t, errorIds.has(t.traceId))),
      },
    };
  }
}

/**
 * Which spans fail most, from the span sets the error search returned (the all-traces search adds to the totals).
 * A span counts as failed when its `status` attribute says error; a Tempo that does not return that attribute
 * gives no way to tell, so then every span the error search matched counts (it matched because of the error).
 * Spans without a service attribute belong to the service under investigation (its query selected them).
 */
export function failingSpans(
  errors: SearchResponse,
  all: SearchResponse | null,
  fallbackService: string
): NonNullable<FindingData['spans']> {
  const spansOf = (r: SearchResponse | null) => (r?.traces ?? []).flatMap((t) => t.spanSets.flatMap((s) => s.spans));
  const errorSpans = spansOf(errors);
  const hasStatus = errorSpans.some((s) => 'status' in s.attributes);
  const table = new Map<string, { service: string; name: string; errors: number; total: number; ids: Set<string> }>();
  const add = (span: (typeof errorSpans)[number], isError: boolean) => {
    const service = String(
      span.attributes['service.name'] ?? span.attributes['resource.service.name'] ?? fallbackService
    );
    const name = span.name ?? '(unnamed span)';
    const key = `${service}\u0000${name}`;
    let row = table.get(key);
    if (!row) table.set(key, (row = { service, name, errors: 0, total: 0, ids: new Set() }));
    if (row.ids.has(span.spanId)) return; // the same span in both searches
    row.ids.add(span.spanId);
    row.total++;
    if (isError) row.errors++;
  };
  for (const span of errorSpans) add(span, hasStatus ? span.attributes.status === 'error' : true);
  for (const span of spansOf(all)) add(span, span.attributes.status === 'error');
  return [...table.values()]
    .filter((r) => r.errors > 0)
    .sort((a, b) => b.errors - a.errors || b.errors / b.total - a.errors / a.total)
    .map(({ service, name, errors, total }) => ({ service, name, errors, total }));
}

function summary(t: TraceHit, error: boolean): Summary {
  return {
    traceId: t.traceId,
    rootService: t.rootService,
    rootName: t.rootName,
    startedAt: t.startedAt.toISOString(),
    durationMs: t.durationMs,
    error,
  };
}

const span = (range: TimeRange) => range.end.getTime() - range.start.getTime();
const newest = (traces: TraceHit[]) =>
  [...traces].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime()).slice(0, MAX_TRACES);
const earliest = (traces: TraceHit[]) =>
  traces.length ? new Date(Math.min(...traces.map((t) => t.startedAt.getTime()))) : null;
const minutes = (msValue: number) => `${Math.round(msValue / 60_000)} min`;
const ms = (value: number) =>
  value >= 1000 ? `${Number((value / 1000).toPrecision(3))} s` : `${Math.round(value)} ms`;

/** The Tempo evidence source; `isConfigured` is false without a client. */
export function createTempoSource(
  client: TempoClient | undefined,
  options: Omit<TempoSourceOptions, 'client'> = {}
): TempoSource {
  return new TempoSource({ client, ...options });
}
