/**
 * Prometheus evidence: per service, the RED signals (error ratio, p95 latency, request rate) over the baseline and
 * the incident window in one range query each, all in parallel (a run costs one round trip), scored by how far
 * the window moved from the baseline (domain/anomaly.ts) and when it started moving.
 */
import {
  changePoint,
  DEFAULT_HALF_FOLD,
  ERROR_RATIO_HALF_FOLD,
  scoreShift,
  type Direction,
  type Point,
} from '../domain/anomaly.js';
import { DependencyFailure } from '../resilience/policy.js';
import { PrometheusError, type PrometheusClient, type QueryResponse } from '../telemetry/prometheus.js';
import { exploreUrl } from './explore.js';
import type { FindingData, FindingSignal } from './findings.js';
import { fillRange } from './queries.js';
import type { CorrelationContext, EvidenceSource, ServiceQuerySet, SourceFinding, SourceReport } from './source.js';

interface SignalSpec {
  key: keyof Pick<ServiceQuerySet, 'errorRatio' | 'latencyP95' | 'requestRate'>;
  signal: FindingSignal;
  name: string;
  unit: NonNullable<FindingData['unit']>;
  direction: Direction;
  /** Smaller moves do not matter whatever the baseline's noise (1 point of error ratio, 25 ms, 0.1 req/s). */
  minAbsoluteChange: number;
  /** The fold that scores half (domain/anomaly.ts: how telling a fold of this signal is). */
  halfFold: number;
}

const SIGNALS: readonly SignalSpec[] = [
  { key: 'errorRatio', signal: 'error_ratio', name: 'Error ratio', unit: 'ratio', direction: 'up', minAbsoluteChange: 0.01, halfFold: ERROR_RATIO_HALF_FOLD },
  { key: 'latencyP95', signal: 'latency_p95', name: 'p95 latency', unit: 'seconds', direction: 'up', minAbsoluteChange: 0.025, halfFold: DEFAULT_HALF_FOLD },
  // Traffic that vanishes is as telling as a surge.
  { key: 'requestRate', signal: 'request_rate', name: 'Request rate', unit: 'rps', direction: 'both', minAbsoluteChange: 0.1, halfFold: DEFAULT_HALF_FOLD },
];

export interface PrometheusSourceOptions {
  /** Undefined: the source is not configured (PROMETHEUS_URL unset) and runs are told `skipped`. */
  client: PrometheusClient | undefined;
  /** The Prometheus datasource's uid in Grafana, for Explore links (PROMETHEUS_DATASOURCE_UID). */
  datasourceUid?: string;
  /** About this many points per series (the step follows). */
  targetPoints?: number;
  /** The shortest `{{range}}` a rate is taken over: four scrape intervals of a typical 15 s scrape. */
  minRateRangeSeconds?: number;
}

export class PrometheusSource implements EvidenceSource {
  readonly name = 'prometheus' as const;

  constructor(private readonly options: PrometheusSourceOptions) {}

  get isConfigured(): boolean {
    return this.options.client !== undefined;
  }

  async collect(context: CorrelationContext): Promise<SourceReport> {
    const client = this.options.client;
    if (!client) throw new Error('Prometheus is not configured');
    const range = this.rangeOf(context);
    const jobs = context.services.flatMap((service) =>
      SIGNALS.map((spec) => ({ service: service.name, spec, query: fillRange(service.queries[spec.key], range.rateRangeSeconds) }))
    );
    const settled = await Promise.allSettled(
      jobs.map((job) =>
        client.queryRange(job.query, { start: range.start, end: range.end, stepSeconds: range.stepSeconds }, { signal: context.signal })
      )
    );
    const findings: SourceFinding[] = [];
    const failures: string[] = [];
    settled.forEach((outcome, i) => {
      const job = jobs[i]!;
      if (outcome.status === 'rejected') {
        failures.push(`${job.service} ${job.spec.name.toLowerCase()}: ${describeFailure(outcome.reason)}`);
        return;
      }
      const finding = this.toFinding(outcome.value, job, context);
      if (finding) findings.push(finding);
    });
    if (jobs.length > 0 && failures.length === jobs.length) {
      throw new Error(`every query failed (${describeFailure((settled[0] as PromiseRejectedResult).reason)})`);
    }
    if (failures.length > 0) {
      const shown = failures.slice(0, 3).join('; ');
      return { status: 'degraded', message: `${failures.length} of ${jobs.length} queries failed: ${shown}`, findings };
    }
    return { status: 'ok', findings };
  }

  /** The step for ~targetPoints over baseline + window, times aligned to it so refreshes share cached answers. */
  private rangeOf(context: CorrelationContext) {
    const totalSeconds = (context.window.end.getTime() - context.baseline.start.getTime()) / 1000;
    const stepSeconds = Math.max(1, Math.ceil(totalSeconds / (this.options.targetPoints ?? 200)));
    const stepMs = stepSeconds * 1000;
    const rateRangeSeconds = Math.max(this.options.minRateRangeSeconds ?? 60, 4 * stepSeconds);
    return {
      start: new Date(Math.floor(context.baseline.start.getTime() / stepMs) * stepMs),
      end: new Date(Math.ceil(context.window.end.getTime() / stepMs) * stepMs),
      stepSeconds,
      rateRangeSeconds,
    };
  }

  private toFinding(
    response: QueryResponse,
    job: { service: string; spec: SignalSpec; query: string },
    context: CorrelationContext
  ): SourceFinding | null {
    if (response.data.resultType !== 'matrix') return null;
    const boundary = context.window.start.getTime();
    let best: { points: Point[]; shift: ReturnType<typeof scoreShift> } | null = null;
    // A template meant to be summed may still answer several series (an override without sum()): the one that
    // moved most speaks for the service.
    for (const series of response.data.result) {
      const points = series.values.map((p) => ({ t: Math.round(p.timestamp * 1000), v: Number.isFinite(p.value) ? p.value : null }));
      const values = (from: number, to: number) =>
        points.filter((p) => p.t >= from && p.t < to && p.v !== null).map((p) => p.v as number);
      const shift = scoreShift(values(-Infinity, boundary), values(boundary, Infinity), {
        direction: job.spec.direction,
        minAbsoluteChange: job.spec.minAbsoluteChange,
        halfFold: job.spec.halfFold,
      });
      if (!best || shift.score > best.shift.score) best = { points, shift };
    }
    if (!best || best.shift.score <= 0) return null;
    const { spec } = job;
    const changedMs = changePoint(best.points, boundary, { direction: spec.direction, minAbsoluteChange: spec.minAbsoluteChange });
    const changedAt = changedMs === null ? null : new Date(changedMs);
    const moved = best.shift.direction === 'down' ? 'fell' : 'rose';
    const since = changedAt ? ` since ${changedAt.toISOString().slice(11, 19)} UTC` : '';
    return {
      service: job.service,
      signal: spec.signal,
      score: best.shift.score,
      summary: `${spec.name} of ${job.service} ${moved} from ${format(best.shift.baselineValue, spec.unit)} to ${format(best.shift.currentValue, spec.unit)}${since}`,
      query: job.query,
      window: context.window,
      baseline: context.baseline,
      changedAt,
      exploreUrl: exploreUrl(this.options.datasourceUid, { kind: 'promql', expr: job.query }, {
        start: context.baseline.start,
        end: context.window.end,
      }),
      data: {
        series: best.points,
        unit: spec.unit,
        baselineValue: best.shift.baselineValue,
        currentValue: best.shift.currentValue,
      },
    };
  }
}

/** A value as people read it: 4.2 %, 350 ms, 12.5 req/s. */
export function format(value: number | null, unit: NonNullable<FindingData['unit']>): string {
  if (value === null) return 'no data';
  if (unit === 'ratio') return `${round(value * 100)} %`;
  if (unit === 'seconds') return value < 1 ? `${round(value * 1000)} ms` : `${round(value)} s`;
  if (unit === 'rps') return `${round(value)} req/s`;
  return `${round(value)} lines`;
}

function round(value: number): string {
  return String(Math.abs(value) >= 100 ? Math.round(value) : Number(value.toPrecision(3)));
}

/** Short and safe for the run's record: what went wrong, never the URL or a stack. */
function describeFailure(err: unknown): string {
  if (err instanceof DependencyFailure) return `Prometheus unavailable (${err.reason.replace(/_/g, ' ')})`;
  if (err instanceof PrometheusError) {
    if (err.status === 429) return 'Prometheus is rate limiting (429)';
    if (err.errorType === 'bad_response') return 'Prometheus answered something that is not its API';
    return `Prometheus refused the query (${err.status} ${err.errorType}: ${err.message.slice(0, 120)})`;
  }
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'BudgetExceeded')) return 'cut short by the run budget';
  return 'Prometheus did not answer';
}
