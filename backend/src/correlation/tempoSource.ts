/**
 * Tempo evidence, per service, counted rather than sampled (correlation/tempoCounts.ts): the service's error
 * traces in the baseline and the window, and its traces over each of a few duration thresholds in both, all sent at
 * once. From them: how much error traces rose and when (bucketed over time), and which threshold separates the
 * window's slow traces from the baseline's ordinary tail best. Then a few error traces are read by id to name the
 * span each failure began in, and the service that emitted it (correlation/tempoSpans.ts).
 */
import { COUNT_HALF_FOLD, eventChangePoint, scoreCountChange } from '../domain/anomaly.js';
import { describeFailure } from '../telemetry/http.js';
import type { Trace, TempoClient, TraceHit } from '../telemetry/tempo.js';
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
import { bucketMs, countTraces, type Counted } from './tempoCounts.js';
import { failingSpans, pickEvenly } from './tempoSpans.js';

export interface TempoSourceOptions {
  /** Undefined: the source is not configured (TEMPO_URL unset) and runs are told `skipped`. */
  client: TempoClient | undefined;
  /** The Tempo datasource's uid in Grafana, for Explore links (TEMPO_DATASOURCE_UID). */
  datasourceUid?: string;
  /**
   * Traces per search (Tempo's default is 20). A search that returns this many is split until it does not
   * (tempoCounts.ts). Keep it at or under Tempo's `max_result_limit`: a Tempo that cuts an answer to its own
   * maximum below this would make a capped count look exact.
   */
  searchLimit?: number;
  /** Error traces of the window read by id to name the failing span (and half as many of the baseline). */
  tracesToRead?: number;
}

const MAX_TRACES = 10;
/**
 * Candidate thresholds of a slow trace (TraceQL `duration`: some span of the trace lasted longer). Counting at
 * fixed values keeps runs comparable; the one where the window rose most over the baseline is reported, so the
 * baseline's ordinary tail is left out by construction.
 */
export const SLOW_THRESHOLDS_MS = [250, 500, 1000, 2000, 5000] as const;

/** The service's traces that hold an error span (TraceQL: both span sets in one trace). */
export function errorTraceQuery(traces: string): string {
  return `${traces} && { status = error }`;
}

/** The service's traces that hold a span longer than `thresholdMs`. */
export function slowTraceQuery(traces: string, thresholdMs: number): string {
  return `${traces} && { duration > ${thresholdMs % 1000 === 0 ? `${thresholdMs / 1000}s` : `${thresholdMs}ms`} }`;
}

type Summary = NonNullable<FindingData['traces']>[number];

interface Search {
  service: ServiceUnderInvestigation;
  what: string;
  query: string;
  range: TimeRange;
  /** How many times a search at its limit is halved (countTraces' default when absent). */
  splits?: number;
}

/**
 * Slow searches are split once at most: a threshold with thousands of traces in the baseline is the ordinary tail,
 * never the one reported, and not worth fifteen searches to count.
 */
const SLOW_SPLITS = 1;

interface ServiceCounts {
  errors: { window: Counted; baseline: Counted } | null;
  slow: Array<{ thresholdMs: number; query: string; window: Counted; baseline: Counted }>;
}

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
    const searches: Search[] = context.services.flatMap((service) => {
      const errors = errorTraceQuery(service.queries.traces);
      const slow = SLOW_THRESHOLDS_MS.map((ms) => slowTraceQuery(service.queries.traces, ms));
      return [
        { service, what: 'window errors', query: errors, range: context.window },
        { service, what: 'baseline errors', query: errors, range: context.baseline },
        ...slow.flatMap((query, i) => [
          {
            service,
            what: `window traces over ${SLOW_THRESHOLDS_MS[i]} ms`,
            query,
            range: context.window,
            splits: SLOW_SPLITS,
          },
          {
            service,
            what: `baseline traces over ${SLOW_THRESHOLDS_MS[i]} ms`,
            query,
            range: context.baseline,
            splits: SLOW_SPLITS,
          },
        ]),
      ];
    });
    const settled = await Promise.allSettled(
      searches.map((s) => countTraces(client, s.query, s.range, limit, context.signal, s.splits))
    );
    const failures: string[] = [];
    const why = (reason: unknown) =>
      context.signal.aborted ? 'cut short by the run budget' : describeFailure('Tempo', reason);
    settled.forEach((outcome, i) => {
      if (outcome.status === 'rejected')
        failures.push(`${searches[i]!.service.name} ${searches[i]!.what}: ${why(outcome.reason)}`);
    });
    if (searches.length > 0 && failures.length === searches.length) {
      throw new Error(`every search failed (${failures[0]})`);
    }
    const answer = (i: number) =>
      settled[i]!.status === 'fulfilled' ? (settled[i] as PromiseFulfilledResult<Counted>).value : null;
    const perService = searches.length / Math.max(1, context.services.length);

    const findings: SourceFinding[] = [];
    const reads: Array<Promise<void>> = [];
    context.services.forEach((service, s) => {
      const at = (k: number) => answer(s * perService + k);
      const counts: ServiceCounts = {
        errors: at(0) && at(1) ? { window: at(0)!, baseline: at(1)! } : null,
        slow: SLOW_THRESHOLDS_MS.flatMap((thresholdMs, i) => {
          const window = at(2 + 2 * i);
          const baseline = at(3 + 2 * i);
          const query = searches[s * perService + 2 + 2 * i]!.query;
          return window && baseline ? [{ thresholdMs, query, window, baseline }] : [];
        }),
      };
      const errorIds = new Set(counts.errors?.window.traces.map((t) => t.traceId) ?? []);
      if (counts.errors) {
        const errorFinding = this.errorFinding(counts.errors, searches[s * perService]!.query, service, context);
        if (errorFinding) {
          findings.push(errorFinding);
          reads.push(
            this.spanFinding(client, counts.errors, errorFinding, service, context).then(
              (finding) => void (finding && findings.push(finding)),
              (err: unknown) => void failures.push(`${service.name} traces by id: ${why(err)}`)
            )
          );
        }
      }
      reads.push(
        this.slowFinding(client, counts.slow, errorIds, service, context, limit).then(
          (finding) => void (finding && findings.push(finding)),
          (err: unknown) => void failures.push(`${service.name} slow traces: ${why(err)}`)
        )
      );
    });
    await Promise.all(reads);
    // Sources run in parallel, but the order of findings must not depend on which answer came first.
    findings.sort((a, b) => order(a) - order(b) || (a.service ?? '').localeCompare(b.service ?? ''));
    if (failures.length > 0) {
      const shown = failures.slice(0, 3).join('; ');
      return {
        status: 'degraded',
        message: `${failures.length} of ${searches.length} searches failed: ${shown}`,
        findings,
      };
    }
    return { status: 'ok', findings };
  }

  private errorFinding(
    errors: { window: Counted; baseline: Counted },
    query: string,
    service: ServiceUnderInvestigation,
    context: CorrelationContext
  ): SourceFinding | null {
    const windowMs = span(context.window);
    const baselineMs = span(context.baseline);
    const count = errors.window.traces.length;
    const baselineCount = errors.baseline.traces.length;
    const score = scoreCountChange(baselineCount, baselineMs, count, windowMs, COUNT_HALF_FOLD);
    if (score <= 0) return null;
    const { series, changedAt } = this.timeline(errors, context);
    const shown = (c: Counted) => `${c.isComplete ? '' : 'at least '}${c.traces.length}`;
    return {
      service: service.name,
      signal: 'error_traces',
      score,
      summary: `${shown(errors.window)} error traces in ${service.name}, ${shown(errors.baseline)} in a baseline of ${minutes(baselineMs)}`,
      query,
      window: context.window,
      baseline: context.baseline,
      changedAt,
      exploreUrl: exploreUrl(this.options.datasourceUid, { kind: 'traceql', query }, context.window),
      data: {
        count,
        baselineCount,
        series,
        traces: newest(errors.window.traces).map((t) => summary(t, true)),
      },
    };
  }

  /** Reads a few error traces by id (window, and baseline) and names the span where most failures began. */
  private async spanFinding(
    client: TempoClient,
    errors: { window: Counted; baseline: Counted },
    errorFinding: SourceFinding,
    service: ServiceUnderInvestigation,
    context: CorrelationContext
  ): Promise<SourceFinding | null> {
    const count = this.options.tracesToRead ?? 10;
    // After the change, when there is one: the stray errors before it are not what the finding is about.
    const since = errorFinding.changedAt;
    const recent = since ? errors.window.traces.filter((t) => t.startedAt >= since) : errors.window.traces;
    const read = (hits: TraceHit[]) =>
      Promise.all(hits.map((t) => client.trace(t.traceId, { signal: context.signal }))).then((all) =>
        all.filter((t): t is Trace => t !== null)
      );
    const [windowTraces, baselineTraces] = await Promise.all([
      read(pickEvenly(recent, count)),
      read(pickEvenly(errors.baseline.traces, Math.ceil(count / 2))),
    ]);
    const spans = failingSpans(windowTraces);
    const top = spans[0];
    if (!top) return null;
    const before = failingSpans(baselineTraces).find((s) => s.service === top.service && s.name === top.name);
    // Scaled to the counted error traces: the share of examined traces where it began, times how many there were.
    const windowCount = errors.window.traces.length * (top.errors / top.total);
    const baselineCount = baselineTraces.length
      ? errors.baseline.traces.length * ((before?.errors ?? 0) / baselineTraces.length)
      : errors.baseline.traces.length;
    const score = scoreCountChange(baselineCount, span(context.baseline), windowCount, span(context.window));
    if (score <= 0) return null;
    const inBaseline = baselineTraces.length
      ? `, ${before?.errors ? before.errors : 'none'} of ${baselineTraces.length} in the baseline`
      : errors.baseline.traces.length
        ? ''
        : ', no error traces in the baseline';
    return {
      ...errorFinding,
      signal: 'failing_spans',
      score,
      summary: `${top.service} ${top.name} failed in ${top.errors} of ${top.total} error traces of ${service.name} read${inBaseline}`,
      data: { spans: spans.slice(0, MAX_TRACES) },
    };
  }

  /**
   * The threshold whose count rose most over the baseline (exact baseline counts only; the larger threshold on a
   * tie, the more telling), as a finding; null when no threshold rose.
   */
  private async slowFinding(
    client: TempoClient,
    candidates: ServiceCounts['slow'],
    errorIds: Set<string>,
    service: ServiceUnderInvestigation,
    context: CorrelationContext,
    limit: number
  ): Promise<SourceFinding | null> {
    const windowMs = span(context.window);
    const baselineMs = span(context.baseline);
    const scoreOf = (c: ServiceCounts['slow'][number]) =>
      scoreCountChange(c.baseline.traces.length, baselineMs, c.window.traces.length, windowMs);
    let best: (ServiceCounts['slow'][number] & { score: number }) | null = null;
    for (const c of candidates) {
      if (!c.baseline.isComplete) continue;
      const score = scoreOf(c);
      if (score > 0 && (!best || score >= best.score - 1e-9)) best = { ...c, score };
    }
    if (!best) return null;
    // Chosen on a lower bound (split once): now count the window exactly, for the count, the series and the time.
    if (!best.window.isComplete) {
      const window = await countTraces(client, best.query, context.window, limit, context.signal);
      best = { ...best, window, score: scoreOf({ ...best, window }) };
    }
    const { series, changedAt } = this.timeline(best, context);
    const slow = [...best.window.traces].sort(
      (a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0) || (a.traceId < b.traceId ? -1 : 1)
    );
    const count = best.window.traces.length;
    const baselineCount = best.baseline.traces.length;
    const longest = slow[0]?.durationMs;
    return {
      service: service.name,
      signal: 'slow_traces',
      score: best.score,
      summary:
        `${best.window.isComplete ? '' : 'at least '}${count} traces of ${service.name} over ${ms(best.thresholdMs)}` +
        `, ${baselineCount || 'none'} in a baseline of ${minutes(baselineMs)}${longest ? `; the longest ${ms(longest)}` : ''}`,
      query: best.query,
      window: context.window,
      baseline: context.baseline,
      changedAt,
      exploreUrl: exploreUrl(this.options.datasourceUid, { kind: 'traceql', query: best.query }, context.window),
      data: {
        count,
        baselineCount,
        series,
        traces: slow.slice(0, MAX_TRACES).map((t) => summary(t, errorIds.has(t.traceId))),
      },
    };
  }

  /** The counted traces bucketed over baseline and window, and when they rose (only from exact counts). */
  private timeline(counted: { window: Counted; baseline: Counted }, context: CorrelationContext) {
    const times = [...counted.baseline.traces, ...counted.window.traces].map((t) => t.startedAt.getTime());
    const { series, changedAt } = eventChangePoint(times, {
      from: context.baseline.start.getTime(),
      to: context.window.end.getTime(),
      stepMs: bucketMs(context),
      boundary: context.window.start.getTime(),
    });
    const isExact = counted.window.isComplete && counted.baseline.isComplete;
    return { series, changedAt: isExact && changedAt !== null ? new Date(changedAt) : null };
  }
}

const SIGNAL_ORDER = ['error_traces', 'failing_spans', 'slow_traces'];
const order = (f: SourceFinding) => SIGNAL_ORDER.indexOf(f.signal);

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
/** The newest traces (the input is sorted by start, then id). */
const newest = (traces: TraceHit[]) => [...traces].reverse().slice(0, MAX_TRACES);
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
