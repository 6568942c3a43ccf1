/**
 * Anomaly scoring for correlation, as pure functions: how far a signal moved from its baseline (0–1), when it
 * started moving, and how much an event count rose.
 *
 * Robust statistics on purpose: a baseline holds scrape gaps, restarts and the odd spike, so its centre is the
 * median and its spread the MAD (scaled by 1.4826 to match a standard deviation on normal data). A flat baseline
 * has no spread at all, which would make any move infinitely surprising, so the spread has a floor: 5 % of the
 * baseline level, and `minAbsoluteChange` (the smallest move that matters for this signal).
 *
 * Distances in spreads (z) map to 0–1 by z² / (z² + 36): monotonic, ~0.03 at z = 1 (noise), 0.2 at z = 3,
 * 0.5 at z = 6, 0.73 at z = 10, 0.96 at z = 30, never quite 1.
 */

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

/** Relative floor of the spread: a 5 % move of a perfectly flat series counts as one spread. */
const RELATIVE_SPREAD_FLOOR = 0.05;
/** Absolute floor of the spread when nothing else gives one (a flat zero baseline). */
const EPSILON_SPREAD = 1e-9;
/** A point this many spreads away from the baseline centre is abnormal (changePoint). */
const ABNORMAL_Z = 3;
/** Half-saturation of the score mapping, in spreads. */
const Z_HALF = 6;

/** Maps a distance in spreads to 0–1 (see the module comment). Negative or non-finite distances score 0. */
export function zToScore(z: number): number {
  if (!(z > 0)) return 0;
  if (!Number.isFinite(z)) return 1;
  return (z * z) / (z * z + Z_HALF * Z_HALF);
}

/**
 * How far `current` moved from `baseline`. The baseline's centre is its median; the current window's value is its
 * 90th percentile for upward moves (10th for downward; for `both`, whichever lies further out), so a shift that
 * holds for at least a tenth of the window counts while a single-sample spike does not. Non-finite samples are
 * ignored. A move smaller than `minAbsoluteChange` scores 0, as does one against the asked `direction`
 * (default `both`); the reported `direction` is the move's own.
 */
export function scoreShift(
  baseline: number[],
  current: number[],
  options: { direction?: Direction; minAbsoluteChange?: number } = {}
): Shift {
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
  const spread = robustSpread(base, centre, minChange);
  const high = quantile(cur, 0.9);
  const low = quantile(cur, 0.1);
  let currentValue: number;
  if (wanted === 'up') currentValue = high;
  else if (wanted === 'down') currentValue = low;
  else currentValue = Math.abs(high - centre) >= Math.abs(low - centre) ? high : low;
  const delta = currentValue - centre;
  const direction = delta > 0 ? 'up' : delta < 0 ? 'down' : 'none';
  const against = (wanted === 'up' && delta < 0) || (wanted === 'down' && delta > 0);
  const score = against || Math.abs(delta) < minChange ? 0 : zToScore(Math.abs(delta) / spread);
  return { score, baselineValue: centre, currentValue, direction };
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
  options: { direction?: Direction; minAbsoluteChange?: number } = {}
): number | null {
  const wanted = options.direction ?? 'both';
  const base = finite(points.filter((p) => p.t < baselineEnd).map((p) => p.v));
  if (base.length < 3) return null;
  const after = points.filter((p): p is { t: number; v: number } => p.t >= baselineEnd && isFiniteNumber(p.v));
  if (after.length === 0) return null;
  const centre = median(base);
  const minChange = Math.max(0, options.minAbsoluteChange ?? 0);
  const spread = robustSpread(base, centre, minChange);
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
 * How surprising a rise in an event count is (error log lines, error traces), 0–1, with windows of different
 * lengths: the baseline's rate predicts how many events the current window should hold, and the rise is measured
 * in Poisson standard deviations of that prediction (+1 so an empty baseline still has a spread). From 0 to 5
 * scores ~0.4 (meaningful, not maximal), from 0 to 50 ~0.99, 100 to 110 ~0.03; a fall scores 0 (fewer errors is
 * no evidence of a problem).
 */
export function scoreCountChange(
  baselineCount: number,
  baselineMs: number,
  currentCount: number,
  currentMs: number
): number {
  if (!(currentMs > 0) || !Number.isFinite(currentCount) || currentCount <= 0) return 0;
  const rate = baselineMs > 0 && Number.isFinite(baselineCount) ? Math.max(0, baselineCount) / baselineMs : 0;
  const expected = rate * currentMs;
  return zToScore((currentCount - expected) / Math.sqrt(expected + 1));
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

function robustSpread(values: number[], centre: number, minChange: number): number {
  const mad = median(values.map((v) => Math.abs(v - centre))) * 1.4826;
  return Math.max(mad, RELATIVE_SPREAD_FLOOR * Math.abs(centre), minChange, EPSILON_SPREAD);
}

function finite(values: Array<number | null | undefined>): number[] {
  return values.filter(isFiniteNumber);
}

function isFiniteNumber(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
