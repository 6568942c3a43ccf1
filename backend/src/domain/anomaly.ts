/**
 * Anomaly scoring for correlation, as pure functions: how far a signal moved from its baseline (0–1), when it
 * started moving, and how much an event count rose.
 *
 * A score answers two questions, and is as strong as the weaker answer:
 *
 * 1. **Is the move real?** (significance) Robust statistics on purpose: a baseline holds scrape gaps, restarts and
 *    the odd spike, so its centre is the median and its spread the MAD (scaled by 1.4826 to match a standard
 *    deviation on normal data). A flat baseline has no spread at all, which would make any move infinitely
 *    surprising, so the spread has a floor of 5 % of the baseline level. Distances in spreads (z) map to 0–1 by
 *    z² / (z² + 36): ~0.03 at z = 1 (noise), 0.2 at z = 3, 0.5 at z = 6, 0.73 at z = 10, 0.96 at z = 30. For event
 *    counts the spread is the Poisson standard deviation of what the baseline predicts.
 *
 * 2. **Is the move big?** (effect) How many times the baseline the signal now is: the fold f = (current + floor) /
 *    (baseline + floor), inverted for a fall; the floor (a tenth of the smallest move that matters for the signal,
 *    or one event for counts) keeps a rise from an empty baseline finite. With L = log2 f and H = log2 of the
 *    signal's half fold, the effect is L² / (L² + H²): 0.5 at the half fold, 0.8 at its square.
 *
 * Why both, and why the half folds differ (the calibration): significance alone ranks by sample size, not by what
 * an engineer sees. Busy counts (thousands of log lines, dozens of traces) are "certain" after a modest rise and
 * all scored ~0.99, while a 33-fold rise of the error ratio (0.25 % → 8.4 %) measured against a spread floored at
 * one point scored 0.65 and ranked last. The effect puts every signal on one scale, the fold, and the half fold
 * says how telling a fold is for that kind of signal:
 *
 * - 3× for the error ratio (ERROR_RATIO_HALF_FOLD): it is already normalised by traffic and is what users feel, so
 *   a tripled error ratio is half-way to certain. 0.25 % → 8.4 % scores 0.89 (hand-computed in the tests).
 * - 4× for other per-request measures (DEFAULT_HALF_FOLD: p95 latency, request rate): a tail quantile moves more
 *   readily than a ratio (a handful of slow requests can double a p95). 120 ms → 5 s scores 0.88.
 * - 8× for event counts (COUNT_HALF_FOLD: error log lines, error traces, failing spans, log patterns): a count also
 *   rises with traffic and with how much a service logs or samples, so its fold says less. 2 → 98 error traces
 *   scores 0.74; 0 → 50 scores 0.78.
 *
 * So on a realistic incident the headline symptom (error ratio) and the latency it brings lead, followed by the
 * counts that locate the cause, and a small move that is merely certain (100 → 110 lines) stays near 0.
 */

/** The error ratio's half fold (see the module comment). */
export const ERROR_RATIO_HALF_FOLD = 3;
/** The half fold of per-request measures: latency, request rate. */
export const DEFAULT_HALF_FOLD = 4;
/** The half fold of event counts: log lines, traces, spans. */
export const COUNT_HALF_FOLD = 8;

export interface Point {
  /** Unix milliseconds. */
  t: number;
  /** Null (or NaN) where the source had no value: a scrape gap, a division by zero. */
  v: number | null;
}

export interface Shift {
  /** 0–1: how far the current window moved from the baseline. */
  score: number;
  baselineValue: number | null;
  currentValue: number | null;
  direction: 'up' | 'down' | 'none';
}

export type Direction = 'up' | 'down' | 'both';

export interface ShiftOptions {
  /** Which moves count (default `both`). */
  direction?: Direction;
  /** Smaller moves score 0 whatever the noise; a tenth of it is the floor of the fold. */
  minAbsoluteChange?: number;
  /** The fold that scores 0.5 on effect (default DEFAULT_HALF_FOLD). */
  halfFold?: number;
}

/** Relative floor of the spread: a 5 % move of a perfectly flat series counts as one spread. */
const RELATIVE_SPREAD_FLOOR = 0.05;
/** Absolute floor of the spread when nothing else gives one (a flat zero baseline). */
const EPSILON_SPREAD = 1e-9;
/** A point this many spreads away from the baseline centre is abnormal (changePoint). */
const ABNORMAL_Z = 3;
/** Half-saturation of the score mapping, in spreads. */
const Z_HALF = 6;

/** The floor of the fold, as a share of the smallest move that matters. */
const FOLD_FLOOR_SHARE = 0.1;

/** Maps a distance in spreads to 0–1 (see the module comment). Negative or non-finite distances score 0. */
export function zToScore(z: number): number {
  if (!(z > 0)) return 0;
  if (!Number.isFinite(z)) return 1;
  return (z * z) / (z * z + Z_HALF * Z_HALF);
}

/**
 * How big a move from `baseline` to `current` is, 0–1, by its fold (see the module comment): the fold of the
 * larger over the smaller, both raised by `floor` (> 0) so an empty side stays finite; L² / (L² + H²) with L the
 * fold's and H the half fold's log2. Negative levels count as 0.
 */
export function foldScore(baseline: number, current: number, floor: number, halfFold = DEFAULT_HALF_FOLD): number {
  if (!Number.isFinite(baseline) || !Number.isFinite(current)) return 0;
  const f = Math.max(floor, EPSILON_SPREAD);
  const l = Math.log2((Math.max(0, current) + f) / (Math.max(0, baseline) + f));
  const h = Math.log2(Math.max(1.01, halfFold));
  return (l * l) / (l * l + h * h);
}

/**
 * How far `current` moved from `baseline`: the weaker of significance and effect (module comment). The
 * baseline's centre is its median; the current window's value is its 90th percentile for upward moves (10th for
 * downward; for `both`, whichever lies further out), so a shift that holds for at least a tenth of the window
 * counts while a single-sample spike does not. Non-finite samples are ignored. A move smaller than
 * `minAbsoluteChange` scores 0, as does one against the asked `direction`; the reported `direction` is the move's
 * own.
 */
export function scoreShift(baseline: number[], current: number[], options: ShiftOptions = {}): Shift {
  const base = finite(baseline);
  const cur = finite(current);
  const wanted = options.direction ?? 'both';
  const minChange = Math.max(0, options.minAbsoluteChange ?? 0);
  if (base.length === 0 || cur.length === 0) {
    return {
      score: 0,
      baselineValue: base.length ? median(base) : null,
      currentValue: cur.length ? median(cur) : null,
      direction: 'none',
    };
  }
  const centre = median(base);
  const spread = robustSpread(base, centre);
  const high = quantile(cur, 0.9);
  const low = quantile(cur, 0.1);
  let currentValue: number;
  if (wanted === 'up') currentValue = high;
  else if (wanted === 'down') currentValue = low;
  else currentValue = Math.abs(high - centre) >= Math.abs(low - centre) ? high : low;
  const delta = currentValue - centre;
  const direction = delta > 0 ? 'up' : delta < 0 ? 'down' : 'none';
  const against = (wanted === 'up' && delta < 0) || (wanted === 'down' && delta > 0);
  if (against || delta === 0 || Math.abs(delta) < minChange) {
    return { score: 0, baselineValue: centre, currentValue, direction };
  }
  const significance = zToScore(Math.abs(delta) / spread);
  const effect = foldScore(centre, currentValue, FOLD_FLOOR_SHARE * minChange, options.halfFold);
  return { score: Math.min(significance, effect), baselineValue: centre, currentValue, direction };
}

/**
 * When the series started to move away from its baseline (the points before `baselineEnd`), as unix ms: the
 * first point of the first run of abnormal points (≥ 3 spreads out in the asked direction) that lasts at least
 * three points, or a twentieth of the points after the baseline if that is more, or that lasts to the end of the
 * series (at least two points). Null samples neither break nor extend a run. Null when it never moved, or when
 * the baseline has fewer than three values to judge by.
 */
export function changePoint(
  points: Point[],
  baselineEnd: number,
  options: Pick<ShiftOptions, 'direction' | 'minAbsoluteChange'> = {}
): number | null {
  const wanted = options.direction ?? 'both';
  const base = finite(points.filter((p) => p.t < baselineEnd).map((p) => p.v));
  if (base.length < 3) return null;
  const after = points.filter((p): p is { t: number; v: number } => p.t >= baselineEnd && isFiniteNumber(p.v));
  if (after.length === 0) return null;
  const centre = median(base);
  const minChange = Math.max(0, options.minAbsoluteChange ?? 0);
  const spread = robustSpread(base, centre);
  const isAbnormal = (v: number): boolean => {
    const delta = v - centre;
    if (Math.abs(delta) < minChange) return false;
    const z = delta / spread;
    return wanted === 'up' ? z >= ABNORMAL_Z : wanted === 'down' ? z <= -ABNORMAL_Z : Math.abs(z) >= ABNORMAL_Z;
  };
  const minRun = Math.max(3, Math.ceil(after.length / 20));
  let runStart = -1;
  for (let i = 0; i < after.length; i++) {
    const point = after[i]!;
    if (isAbnormal(point.v)) {
      if (runStart < 0) runStart = i;
      if (i - runStart + 1 >= minRun) return after[runStart]!.t;
    } else {
      runStart = -1;
    }
  }
  if (runStart >= 0 && after.length - runStart >= 2) return after[runStart]!.t;
  return null;
}

/**
 * How much an event count rose (error log lines, error traces), 0–1, with windows of different lengths: the
 * baseline's rate predicts how many events the current window should hold (`expected`). Significance: the rise in
 * Poisson standard deviations of that prediction (+1 so an empty baseline still has a spread); effect: the fold
 * (current + 1) / (expected + 1) against `halfFold` (default COUNT_HALF_FOLD). From 0 to 5 scores 0.41, 0 to 50
 * 0.78, 2 to 98 0.74, 100 to 110 ~0; a fall scores 0 (fewer errors is no evidence of a problem).
 */
export function scoreCountChange(
  baselineCount: number,
  baselineMs: number,
  currentCount: number,
  currentMs: number,
  halfFold = COUNT_HALF_FOLD
): number {
  if (!(currentMs > 0) || !Number.isFinite(currentCount) || currentCount <= 0) return 0;
  const rate = baselineMs > 0 && Number.isFinite(baselineCount) ? Math.max(0, baselineCount) / baselineMs : 0;
  const expected = rate * currentMs;
  if (currentCount <= expected) return 0;
  const significance = zToScore((currentCount - expected) / Math.sqrt(expected + 1));
  return Math.min(significance, foldScore(expected, currentCount, 1, halfFold));
}

/** The median of finite numbers (the caller filtered them); NaN for none. */
export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** Linear-interpolated quantile (q in 0–1) of finite numbers; NaN for none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

/** The baseline's noise: MAD, at least 5 % of its level. The smallest move that matters is a gate, not a floor here. */
function robustSpread(values: number[], centre: number): number {
  const mad = median(values.map((v) => Math.abs(v - centre))) * 1.4826;
  return Math.max(mad, RELATIVE_SPREAD_FLOOR * Math.abs(centre), EPSILON_SPREAD);
}

function finite(values: Array<number | null | undefined>): number[] {
  return values.filter(isFiniteNumber);
}

function isFiniteNumber(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * When a stream of events (traces, log lines of one pattern) started to come faster than in its baseline, as
 * unix ms: the events are counted per `stepMs` bucket from `from` (aligned down to the step) to `to`, a bucket not
 * wholly inside one of `covered` (when given: the spans the events were read for) is a gap, and the change is the
 * first event of the first bucket of the first lasting abnormal run (changePoint, with the buckets before
 * `boundary` as the baseline and a rise of at least one event per bucket). One stray event, or two, can never be
 * the change on its own: a run needs three abnormal buckets in a row. Null when the stream never rose for long.
 */
export function eventChangePoint(
  times: number[],
  options: {
    from: number;
    to: number;
    stepMs: number;
    boundary: number;
    covered?: Array<{ start: number; end: number }>;
  }
): { series: Point[]; changedAt: number | null } {
  const { stepMs } = options;
  const first = Math.floor(options.from / stepMs) * stepMs;
  const isCovered = (t: number) => !options.covered || options.covered.some((c) => c.start <= t && t + stepMs <= c.end);
  const series: Point[] = [];
  for (let t = first; t < options.to; t += stepMs) series.push({ t, v: isCovered(t) ? 0 : null });
  for (const at of times) {
    const point = series[Math.floor((at - first) / stepMs)];
    if (point && point.v !== null) point.v++;
  }
  const boundary = Math.floor(options.boundary / stepMs) * stepMs;
  const bucket = changePoint(series, boundary, { direction: 'up', minAbsoluteChange: 1 });
  if (bucket === null) return { series, changedAt: null };
  const inBucket = times.filter((at) => at >= bucket && at < bucket + stepMs);
  return { series, changedAt: inBucket.length ? Math.min(...inBucket) : bucket };
}
