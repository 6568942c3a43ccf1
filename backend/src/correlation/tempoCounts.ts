/**
 * Counting traces with Tempo's search, which can only sample: a search that returns `limit` traces stands for an
 * arbitrary subset of its matches (Tempo 2.0 keeps whatever its jobs found first, not the newest), so two runs
 * on the same data see different traces. A count must not depend on that, so a range whose search hits the limit
 * is searched again in halves, a few times over, until every part holds fewer than `limit` traces: then the
 * count, and every trace's start, are exact. Counted traces are bucketed over time like the log volume, so a
 * finding's `changedAt` is the start of the first lasting abnormal run, never one stray trace in the lead.
 */
import { changePoint, type Point } from '../domain/anomaly.js';
import type { SearchResponse, TempoClient, TraceHit } from '../telemetry/tempo.js';
import type { TimeRange } from './source.js';

/** How many times a range is halved at most (so at most 2³ parts, 15 searches in all, per range). */
const MAX_SPLITS = 3;
/** Tempo's search takes whole seconds: a part shorter than this is not split further. */
const MIN_PART_MS = 2000;

export interface Counted {
  /** Every matching trace when `isComplete`, else those found (a lower bound). */
  traces: TraceHit[];
  /** False when some part still hit the limit after splitting: the count is a lower bound. */
  isComplete: boolean;
}

/**
 * The traces matching `query` in `range`, halving the range while a search hits `limit`. Traces are kept by id
 * (one overlapping two parts counts once) and sorted by start, then id, so the answer does not depend on the
 * order Tempo sent them in. Throws what the client throws.
 */
export async function countTraces(
  client: TempoClient,
  query: string,
  range: TimeRange,
  limit: number,
  signal: AbortSignal,
  splits = MAX_SPLITS
): Promise<Counted> {
  const answer: SearchResponse = await client.search(query, { ...range, limit }, { signal });
  // Tempo filters on whole seconds: keep what falls inside this part, so halves never count a trace twice.
  const inRange = answer.traces.filter((t) => t.startedAt >= range.start && t.startedAt < range.end);
  const lengthMs = range.end.getTime() - range.start.getTime();
  if (answer.traces.length < limit) return { traces: sortTraces(inRange), isComplete: true };
  if (splits === 0 || lengthMs < 2 * MIN_PART_MS) return { traces: sortTraces(inRange), isComplete: false };
  const middle = new Date(range.start.getTime() + Math.floor(lengthMs / 2000) * 1000);
  const halves = await Promise.all(
    [
      { start: range.start, end: middle },
      { start: middle, end: range.end },
    ].map((half) => countTraces(client, query, half, limit, signal, splits - 1))
  );
  const byId = new Map<string, TraceHit>();
  for (const half of halves) for (const t of half.traces) byId.set(t.traceId, t);
  return { traces: sortTraces([...byId.values()]), isComplete: halves.every((h) => h.isComplete) };
}

/** By start, then id: the same traces always come out in the same order. */
export function sortTraces(traces: TraceHit[]): TraceHit[] {
  return [...traces].sort(
    (a, b) =>
      a.startedAt.getTime() - b.startedAt.getTime() || (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0)
  );
}

/** The bucket width for baseline + window: at least a minute, at most ~120 buckets. Aligned to whole minutes. */
export function bucketMs(context: { baseline: TimeRange; window: TimeRange }): number {
  const totalMs = context.window.end.getTime() - context.baseline.start.getTime();
  return Math.max(1, Math.ceil(totalMs / 120 / 60_000)) * 60_000;
}

/** Traces started per bucket from `from` (aligned down to the bucket) to `to`; empty buckets are zeros. */
export function traceSeries(traces: TraceHit[], from: Date, to: Date, stepMs: number): Point[] {
  const first = Math.floor(from.getTime() / stepMs) * stepMs;
  const points: Point[] = [];
  for (let t = first; t < to.getTime(); t += stepMs) points.push({ t, v: 0 });
  for (const trace of traces) {
    const i = Math.floor((trace.startedAt.getTime() - first) / stepMs);
    if (i >= 0 && i < points.length) points[i]!.v = (points[i]!.v ?? 0) + 1;
  }
  return points;
}

/**
 * The smallest rise per bucket that counts: one trace more than the baseline's usual. A stray trace (a background
 * error, an ordinary slow request) still cannot start a change on its own, as a change is a run of at least three
 * abnormal buckets in a row.
 */
export const MIN_TRACE_RISE = 1;

/**
 * When the count of traces started to rise: the first bucket of the first lasting abnormal run of the series
 * (domain/anomaly.ts changePoint: at least three buckets in a row), and within it the first trace that started.
 * Null when the count never rose for long, so no finding claims a lead the data does not show.
 */
export function traceChangedAt(series: Point[], traces: TraceHit[], windowStart: Date, stepMs: number): Date | null {
  const boundary = Math.floor(windowStart.getTime() / stepMs) * stepMs;
  const at = changePoint(series, boundary, { direction: 'up', minAbsoluteChange: MIN_TRACE_RISE });
  if (at === null) return null;
  const first = traces.find((t) => t.startedAt.getTime() >= at && t.startedAt.getTime() < at + stepMs);
  return first ? first.startedAt : new Date(at);
}
