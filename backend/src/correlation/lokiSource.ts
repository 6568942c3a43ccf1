/**
 * Loki evidence: per service, three queries sent at once (a run costs one round trip): the error-log volume over
 * baseline and window as one metric query, and the error lines of the window and of the baseline (bounded), mined
 * for log patterns that are new or rose sharply (domain/logPatterns.ts).
 */
import {
  changePoint,
  COUNT_HALF_FOLD,
  eventChangePoint,
  scoreCountChange,
  scoreShift,
  type Point,
} from '../domain/anomaly.js';
import { comparePatterns, logTemplate, minePatterns, type LogLine, type PatternChange } from '../domain/logPatterns.js';
import { describeFailure } from '../telemetry/http.js';
import { logLines, type LokiClient, type LokiQueryResponse } from '../telemetry/loki.js';
import { exploreUrl } from './explore.js';
import type {
  CorrelationContext,
  EvidenceSource,
  ServiceUnderInvestigation,
  SourceFinding,
  SourceReport,
  TimeRange,
} from './source.js';

export interface LokiSourceOptions {
  /** Undefined: the source is not configured (LOKI_URL unset) and runs are told `skipped`. */
  client: LokiClient | undefined;
  /** The Loki datasource's uid in Grafana, for Explore links (LOKI_DATASOURCE_UID). */
  datasourceUid?: string;
  /** About this many points in the volume series (the step follows, never under 15 s). */
  targetPoints?: number;
  /** Lines read per window (Loki's own max_entries_limit_per_query defaults to 5000). */
  lineLimit?: number;
  /** Pattern findings per service, most surprising first. */
  maxPatterns?: number;
}

type Job =
  | { kind: 'volume'; service: ServiceUnderInvestigation; query: string; stepSeconds: number; range: TimeRange }
  | { kind: 'lines'; service: ServiceUnderInvestigation; query: string; range: TimeRange; isBaseline: boolean };

const JOB_NAMES = { volume: 'error-log volume', lines: 'error lines' };

export class LokiSource implements EvidenceSource {
  readonly name = 'loki' as const;

  constructor(private readonly options: LokiSourceOptions) {}

  get isConfigured(): boolean {
    return this.options.client !== undefined;
  }

  async collect(context: CorrelationContext): Promise<SourceReport> {
    const client = this.options.client;
    if (!client) throw new Error('Loki is not configured');
    const limit = this.options.lineLimit ?? 1000;
    const jobs = context.services.flatMap((service) => this.jobsFor(service, context));
    const settled = await Promise.allSettled(
      jobs.map((job) =>
        job.kind === 'volume'
          ? client.queryRange(job.query, { ...job.range, stepSeconds: job.stepSeconds }, { signal: context.signal })
          : client.queryRange(job.query, { ...job.range, limit, direction: 'backward' }, { signal: context.signal })
      )
    );
    const failures: string[] = [];
    settled.forEach((outcome, i) => {
      if (outcome.status === 'rejected') {
        const job = jobs[i]!;
        const what = job.kind === 'lines' ? `${job.isBaseline ? 'baseline' : 'window'} error lines` : JOB_NAMES.volume;
        const why = context.signal.aborted ? 'cut short by the run budget' : describeFailure('Loki', outcome.reason);
        failures.push(`${job.service.name} ${what}: ${why}`);
      }
    });
    if (jobs.length > 0 && failures.length === jobs.length) throw new Error(`every query failed (${failures[0]})`);

    const answer = (i: number) =>
      settled[i]!.status === 'fulfilled' ? (settled[i] as PromiseFulfilledResult<LokiQueryResponse>).value : null;
    const findings: SourceFinding[] = [];
    for (let i = 0; i < jobs.length; i += 3) {
      const volume = jobs[i] as Extract<Job, { kind: 'volume' }>;
      const volumeAnswer = answer(i);
      if (volumeAnswer) {
        const finding = this.volumeFinding(volumeAnswer, volume, context);
        if (finding) findings.push(finding);
      }
      const current = answer(i + 1);
      const baseline = answer(i + 2);
      if (current && baseline)
        findings.push(
          ...this.patternFindings(current, baseline, jobs[i + 1] as Extract<Job, { kind: 'lines' }>, context, limit)
        );
    }
    if (failures.length > 0) {
      const shown = failures.slice(0, 3).join('; ');
      return { status: 'degraded', message: `${failures.length} of ${jobs.length} queries failed: ${shown}`, findings };
    }
    return { status: 'ok', findings };
  }

  /** Volume, window lines, baseline lines: in this order (collect reads them back in threes). */
  private jobsFor(service: ServiceUnderInvestigation, context: CorrelationContext): Job[] {
    const totalSeconds = (context.window.end.getTime() - context.baseline.start.getTime()) / 1000;
    const stepSeconds = Math.max(15, Math.ceil(totalSeconds / (this.options.targetPoints ?? 200)));
    const stepMs = stepSeconds * 1000;
    // Aligned to the step so refreshes ask the same question and share cached answers.
    const range = {
      start: new Date(Math.floor(context.baseline.start.getTime() / stepMs) * stepMs),
      end: new Date(Math.ceil(context.window.end.getTime() / stepMs) * stepMs),
    };
    const logs = service.queries.errorLogs;
    return [
      { kind: 'volume', service, query: `sum(count_over_time(${logs} [${stepSeconds}s]))`, stepSeconds, range },
      { kind: 'lines', service, query: logs, range: context.window, isBaseline: false },
      { kind: 'lines', service, query: logs, range: context.baseline, isBaseline: true },
    ];
  }

  private volumeFinding(
    response: LokiQueryResponse,
    job: Extract<Job, { kind: 'volume' }>,
    context: CorrelationContext
  ): SourceFinding | null {
    if (response.data.resultType !== 'matrix') return null;
    // Loki leaves out the steps where no line matched: those are zeros, not gaps.
    const counts = new Map<number, number>();
    for (const series of response.data.result)
      for (const p of series.values) {
        const t = Math.round(p.timestamp * 1000);
        counts.set(t, (counts.get(t) ?? 0) + (Number.isFinite(p.value) ? p.value : 0));
      }
    const stepMs = job.stepSeconds * 1000;
    const points: Point[] = [];
    for (let t = job.range.start.getTime(); t <= job.range.end.getTime(); t += stepMs)
      points.push({ t, v: counts.get(t) ?? 0 });
    const boundary = context.window.start.getTime();
    const values = (before: boolean) => points.filter((p) => p.t < boundary === before).map((p) => p.v as number);
    // Fewer than ~3 lines a minute more is not worth an SRE's attention, however quiet the baseline was.
    const minAbsoluteChange = Math.max(1, (3 * job.stepSeconds) / 60);
    const shift = scoreShift(values(true), values(false), {
      direction: 'up',
      minAbsoluteChange,
      halfFold: COUNT_HALF_FOLD,
    });
    if (shift.score <= 0) return null;
    const changedMs = changePoint(points, boundary, { direction: 'up', minAbsoluteChange });
    const changedAt = changedMs === null ? null : new Date(changedMs);
    const since = changedAt ? ` since ${changedAt.toISOString().slice(11, 19)} UTC` : '';
    const per = job.stepSeconds % 60 === 0 ? `${job.stepSeconds / 60} min` : `${job.stepSeconds} s`;
    return {
      service: job.service.name,
      signal: 'error_logs',
      score: shift.score,
      summary: `Error logs of ${job.service.name} rose from ${round(shift.baselineValue)} to ${round(shift.currentValue)} lines per ${per}${since}`,
      query: job.query,
      window: context.window,
      baseline: context.baseline,
      changedAt,
      exploreUrl: exploreUrl(this.options.datasourceUid, { kind: 'logql', expr: job.query }, job.range),
      data: { series: points, unit: 'lines', baselineValue: shift.baselineValue, currentValue: shift.currentValue },
    };
  }

  private patternFindings(
    current: LokiQueryResponse,
    baseline: LokiQueryResponse,
    job: Extract<Job, { kind: 'lines' }>,
    context: CorrelationContext,
    limit: number
  ): SourceFinding[] {
    const currentLines = logLines(current);
    const baselineLines = logLines(baseline);
    const spans = {
      currentMs: coveredMs(currentLines, context.window, limit),
      baselineMs: coveredMs(baselineLines, context.baseline, limit),
    };
    const changes = comparePatterns(minePatterns(currentLines), minePatterns(baselineLines), spans);
    // What the lines stand for: the end of each range back to the oldest line read.
    const covered = [
      { start: context.window.end.getTime() - spans.currentMs, end: context.window.end.getTime() },
      { start: context.baseline.end.getTime() - spans.baselineMs, end: context.baseline.end.getTime() },
    ];
    return changes.slice(0, this.options.maxPatterns ?? 3).flatMap((change) => {
      const score = scoreCountChange(change.baselineCount, spans.baselineMs, change.count, spans.currentMs);
      if (score <= 0) return [];
      const changedAt = patternChangedAt(change.template, [...baselineLines, ...currentLines], covered, context);
      return [this.patternFinding(change, score, changedAt, job, context, currentLines.length >= limit)];
    });
  }

  private patternFinding(
    change: PatternChange,
    score: number,
    changedAt: Date | null,
    job: Extract<Job, { kind: 'lines' }>,
    context: CorrelationContext,
    isTruncated: boolean
  ): SourceFinding {
    const name = job.service.name;
    const count = `${isTruncated ? 'at least ' : ''}${change.count}×`;
    const summary = change.isNew
      ? `New log pattern in ${name}: "${clip(change.template)}" ${count}, none in the baseline`
      : `Log pattern in ${name} rose: "${clip(change.template)}" ${count}, ${change.baselineCount}× in the baseline`;
    return {
      service: name,
      signal: 'log_pattern',
      score,
      summary,
      query: job.query,
      window: context.window,
      baseline: context.baseline,
      changedAt,
      exploreUrl: exploreUrl(this.options.datasourceUid, { kind: 'logql', expr: job.query }, context.window),
      data: {
        pattern: change.template,
        count: change.count,
        baselineCount: change.baselineCount,
        samples: change.samples.slice(0, 5).map((s) => ({ at: s.at.toISOString(), line: s.line, labels: s.labels })),
      },
    };
  }
}

/**
 * When a pattern's lines began to come faster than in the baseline: counted per minute over baseline and window
 * (minutes the lines do not cover are gaps), the first line of the first lasting abnormal run
 * (domain/anomaly.ts eventChangePoint). Not simply its first line in the window: a pattern that also shows up now
 * and then (a stray line in the lead) would date the change too early. Null when it never rose for long.
 */
function patternChangedAt(
  template: string,
  lines: LogLine[],
  covered: Array<{ start: number; end: number }>,
  context: CorrelationContext
): Date | null {
  const times = lines.filter((l) => logTemplate(l.line) === template).map((l) => l.at.getTime());
  const { changedAt } = eventChangePoint(times, {
    from: context.baseline.start.getTime(),
    to: context.window.end.getTime(),
    stepMs: PATTERN_STEP_MS,
    boundary: context.window.start.getTime(),
    covered,
  });
  return changedAt === null ? null : new Date(changedAt);
}

const PATTERN_STEP_MS = 60_000;

/**
 * The time the lines stand for: the whole range, unless the query hit its limit. Lines come newest first, so
 * then they cover only from the oldest returned line to the range's end, and rates must use that.
 */
function coveredMs(lines: Array<{ at: Date }>, range: TimeRange, limit: number): number {
  const full = range.end.getTime() - range.start.getTime();
  if (lines.length < limit || lines.length === 0) return full;
  const oldest = lines[lines.length - 1]!.at.getTime();
  return Math.min(full, Math.max(1000, range.end.getTime() - oldest));
}

function round(value: number | null): string {
  if (value === null) return 'no';
  return String(Math.abs(value) >= 100 ? Math.round(value) : Number(value.toPrecision(3)));
}

const clip = (text: string) => (text.length > 120 ? `${text.slice(0, 119)}…` : text);

/** The Loki evidence source; `isConfigured` is false without a client. */
export function createLokiSource(
  client: LokiClient | undefined,
  options: Omit<LokiSourceOptions, 'client'> = {}
): LokiSource {
  return new LokiSource({ client, ...options });
}
