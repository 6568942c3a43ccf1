/**
 * Counting traces with Tempo's search, which can only sample: a search that returns `limit` traces stands for an
 * arbitrary subset of its matches (Tempo 2.0 keeps whatever its jobs found first, not the newest), so two runs
 * on the same data see different traces. A count must not depend on that, so a range whose search hits the limit
 * is searched again in halves, a few times over, until every part holds fewer than `limit` traces: then the
 * count, and every trace's start, are exact. Counted traces are bucketed over time like the log volume
 * (domain/anomaly.ts eventChangePoint), so a finding's `changedAt` is the start of the first lasting abnormal run,
 * never one stray trace in the lead.
 */
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
