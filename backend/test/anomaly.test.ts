/** Anomaly scoring (domain/anomaly.ts): jumps, drops, flat and noisy series, gaps, event counts. */
import { describe, expect, it } from 'vitest';
import {
  changePoint,
  COUNT_HALF_FOLD,
  ERROR_RATIO_HALF_FOLD,
  eventChangePoint,
  foldScore,
  scoreCountChange,
  scoreShift,
  zToScore,
  type Point,
} from '../src/domain/anomaly.js';

/** A deterministic "noisy" series: a level plus a bounded zig-zag. */
function noisy(level: number, amplitude: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => level + amplitude * Math.sin(i * 1.7) * ((i % 3) - 1));
}

describe('scoreShift', () => {
  it('scores a jump in the error ratio high and reports both levels', () => {
    const shift = scoreShift(noisy(0.01, 0.002, 60), noisy(0.3, 0.01, 60), { direction: 'up' });
    // 1 % → 30 %: a 30-fold rise, far out of the noise; the effect (default half fold 4) decides.
    expect(shift.score).toBeGreaterThan(0.85);
    expect(shift.direction).toBe('up');
    expect(shift.baselineValue).toBeCloseTo(0.01, 2);
    expect(shift.currentValue!).toBeGreaterThan(0.29);
  });

  it('scores a drop when asked for drops or both, and not when only rises count', () => {
    const base = noisy(100, 3, 60);
    const current = noisy(20, 3, 60);
    // An 80 % drop of a steady level: a 5-fold fall, past the half fold of 4.
    expect(scoreShift(base, current, { direction: 'down' }).score).toBeGreaterThan(0.55);
    expect(scoreShift(base, current).score).toBeGreaterThan(0.55);
    const upOnly = scoreShift(base, current, { direction: 'up' });
    expect(upOnly.score).toBe(0);
    expect(upOnly.direction).toBe('down');
  });

  it('scores nothing for a flat series, and a tiny move of a flat baseline stays small', () => {
    const flat = Array.from({ length: 30 }, () => 5);
    expect(scoreShift(flat, flat)).toEqual({ score: 0, baselineValue: 5, currentValue: 5, direction: 'none' });
    // 5 → 5.1 is 2 % of the level: the relative floor keeps it from looking infinite.
    expect(
      scoreShift(
        flat,
        flat.map(() => 5.1)
      ).score
    ).toBeLessThan(0.1);
  });

  it('ignores moves below minAbsoluteChange even from a flat zero baseline', () => {
    const zeros = Array.from({ length: 30 }, () => 0);
    expect(
      scoreShift(
        zeros,
        zeros.map(() => 0.0004),
        { minAbsoluteChange: 0.001 }
      ).score
    ).toBe(0);
    // From nothing: the fold's floor is a tenth of the smallest move that matters, so 0.05 is (0.05 + 0.0001) /
    // 0.0001 ≈ 500-fold.
    expect(
      scoreShift(
        zeros,
        zeros.map(() => 0.05),
        { minAbsoluteChange: 0.001 }
      ).score
    ).toBeGreaterThan(0.95);
  });

  it('stays low for noise around the same level', () => {
    expect(scoreShift(noisy(10, 1, 60), noisy(10, 1, 60).reverse()).score).toBeLessThan(0.1);
  });

  it('does not react to a single spike but does to a shift held for part of the window', () => {
    const base = noisy(1, 0.05, 60);
    const spike = noisy(1, 0.05, 60);
    spike[30] = 50;
    expect(scoreShift(base, spike).score).toBeLessThan(0.1);
    const tail = noisy(1, 0.05, 60).map((v, i) => (i >= 45 ? v + 5 : v));
    // 1 → 6: a 6-fold rise (log2 6 = 2.58; 6.68 / (6.68 + 4) = 0.63).
    expect(scoreShift(base, tail).score).toBeGreaterThan(0.6);
  });

  it('skips NaN and null gaps, and answers 0 with nulls when a side has no data', () => {
    const withGaps = [0.01, NaN, 0.01, 0.012, NaN, 0.011] as number[];
    const shift = scoreShift(withGaps, [0.5, NaN, 0.5, 0.5]);
    expect(shift.score).toBeGreaterThan(0.85);
    expect(Number.isFinite(shift.baselineValue)).toBe(true);
    expect(scoreShift([], [1, 2])).toMatchObject({ score: 0, baselineValue: null, direction: 'none' });
    expect(scoreShift([NaN, NaN], [])).toEqual({
      score: 0,
      baselineValue: null,
      currentValue: null,
      direction: 'none',
    });
  });

  it('maps distances monotonically into 0..1', () => {
    const scores = [0, 1, 3, 6, 10, 30, 1000].map(zToScore);
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeGreaterThan(scores[i - 1]!);
    expect(scores[0]).toBe(0);
    expect(scores[3]).toBeCloseTo(0.5, 5);
    expect(scores.at(-1)!).toBeLessThanOrEqual(1);
    expect(zToScore(-4)).toBe(0);
    expect(zToScore(NaN)).toBe(0);
  });
});

describe('changePoint', () => {
  const start = 1_700_000_000_000;
  const series = (values: Array<number | null>): Point[] => values.map((v, i) => ({ t: start + i * 1000, v }));

  it('finds when a jump began', () => {
    const values = [...noisy(0.01, 0.001, 40), ...noisy(0.01, 0.001, 10), ...noisy(0.4, 0.01, 20)];
    expect(changePoint(series(values), start + 40_000, { direction: 'up' })).toBe(start + 50_000);
  });

  it('ignores a blip that comes back and finds the lasting move after it', () => {
    const values = [...noisy(10, 0.5, 30), 10, 40, 10, 10, 10, 10, 40, 40, 40, 40, 40];
    expect(changePoint(series(values), start + 30_000)).toBe(start + 36_000);
  });

  it('answers null for a flat or noisy series, and when the move is against the asked direction', () => {
    expect(changePoint(series(noisy(3, 0.2, 80)), start + 40_000)).toBeNull();
    const drop = [...noisy(10, 0.5, 30), ...Array.from({ length: 20 }, () => 1)];
    expect(changePoint(series(drop), start + 30_000, { direction: 'up' })).toBeNull();
    expect(changePoint(series(drop), start + 30_000, { direction: 'down' })).toBe(start + 30_000);
  });

  it('steps over null gaps and needs a baseline to judge by', () => {
    const values: Array<number | null> = [1, 1, null, 1, 1, 1, null, 9, null, 9, 9, 9];
    expect(changePoint(series(values), start + 6000)).toBe(start + 7000);
    expect(changePoint(series([1, 9, 9, 9, 9]), start + 1000)).toBeNull();
  });

  it('counts a move that lasts to the end of the series', () => {
    const values = [...noisy(1, 0.05, 30), ...noisy(1, 0.05, 30), 8, 8];
    expect(changePoint(series(values), start + 30_000)).toBe(start + 60_000);
  });
});

describe('scoreCountChange', () => {
  it('scores a rise from nothing as meaningful but not maximal, and a big rise high', () => {
    // 0 → 5: significance 5² / (5² + 36) = 0.41; fold 6: 6.68 / (6.68 + 9) = 0.43; the weaker wins.
    expect(scoreCountChange(0, 600_000, 5, 600_000)).toBeCloseTo(0.41, 2);
    // 0 → 50: fold 51, log2 5.67: 32.1 / (32.1 + 9) = 0.78 (significance 0.99).
    expect(scoreCountChange(0, 600_000, 50, 600_000)).toBeCloseTo(0.781, 3);
  });

  it('compares rates when the windows differ in length', () => {
    // 100 lines in 60 min is the same rate as 25 in 15 min: nothing new.
    expect(scoreCountChange(100, 3_600_000, 25, 900_000)).toBe(0);
    // 25 expected, 250 seen: fold 251 / 26 = 9.65, log2 3.27: 10.7 / (10.7 + 9) = 0.54.
    expect(scoreCountChange(100, 3_600_000, 250, 900_000)).toBeCloseTo(0.543, 3);
  });

  it('scores small rises of a busy count low, and falls or empty windows 0', () => {
    expect(scoreCountChange(100, 600_000, 110, 600_000)).toBeLessThan(0.01);
    expect(scoreCountChange(100, 600_000, 10, 600_000)).toBe(0);
    expect(scoreCountChange(0, 0, 0, 600_000)).toBe(0);
    expect(scoreCountChange(5, 600_000, 5, 0)).toBe(0);
  });
});

describe('calibration across signals (hand-computed)', () => {
  it('foldScore: 0.5 at the half fold, 0.8 at its square, symmetric for falls, finite from zero', () => {
    expect(foldScore(1, 4, 0, 4)).toBeCloseTo(0.5, 6);
    expect(foldScore(1, 16, 0, 4)).toBeCloseTo(0.8, 6);
    expect(foldScore(4, 1, 0, 4)).toBeCloseTo(0.5, 6);
    expect(foldScore(1, 1, 0, 4)).toBe(0);
    // From 0 to 1 with a floor of 1: a 2-fold rise; H = log2 8 = 3: 1 / (1 + 9) = 0.1.
    expect(foldScore(0, 1, 1, 8)).toBeCloseTo(0.1, 6);
  });

  it('the error ratio rising 33× (0.25 % → 8.4 %) scores 0.89 over a noisy baseline', () => {
    // Baseline 0.2 / 0.25 / 0.3 %: median 0.0025, MAD 0.0005 × 1.4826 = 0.00074. Window 8.4 %: z = 0.0815 / 0.00074
    // = 110, significance 0.997. Fold (0.084 + 0.001) / (0.0025 + 0.001) = 24.3 (floor: a tenth of the 1-point
    // minimum), log2 4.60; half fold 3, log2 1.585: 21.18 / (21.18 + 2.51) = 0.894.
    const baseline = Array.from({ length: 60 }, (_, i) => [0.002, 0.0025, 0.003][i % 3]!);
    const shift = scoreShift(baseline, Array(30).fill(0.084), {
      direction: 'up',
      minAbsoluteChange: 0.01,
      halfFold: ERROR_RATIO_HALF_FOLD,
    });
    expect(shift.score).toBeCloseTo(0.894, 3);
    // The old spread floor (the 1-point minimum change) made it z = 8.15: 0.65.
    expect(zToScore(0.0815 / 0.01)).toBeCloseTo(0.649, 3);
  });

  it('p95 latency 120 ms → 5 s scores 0.88; 2 → 98 error traces 0.74; 100 → 110 log lines ~0', () => {
    // Fold (5 + 0.0025) / (0.12 + 0.0025) = 40.8, log2 5.35: 28.65 / (28.65 + 4) = 0.877.
    const latency = scoreShift(noisy(0.12, 0.004, 60), Array(30).fill(5), {
      direction: 'up',
      minAbsoluteChange: 0.025,
    });
    expect(latency.score).toBeCloseTo(0.877, 2);
    // Fold (98 + 1) / (2 + 1) = 33, log2 5.04: 25.4 / (25.4 + 9) = 0.739.
    expect(scoreCountChange(2, 1_800_000, 98, 1_800_000, COUNT_HALF_FOLD)).toBeCloseTo(0.739, 3);
    expect(scoreCountChange(100, 600_000, 110, 600_000)).toBeCloseTo(0.002, 3);
  });

  it('ranks a realistic incident as an engineer would: error ratio and latency first, then the counts', () => {
    const errorRatio = scoreShift(
      Array.from({ length: 60 }, (_, i) => [0.002, 0.0025, 0.003][i % 3]!),
      Array(30).fill(0.084),
      { direction: 'up', minAbsoluteChange: 0.01, halfFold: ERROR_RATIO_HALF_FOLD }
    ).score;
    const latency = scoreShift(noisy(0.12, 0.004, 60), Array(30).fill(5), {
      direction: 'up',
      minAbsoluteChange: 0.025,
    }).score;
    const newPattern = scoreCountChange(0, 1_800_000, 60, 1_800_000);
    const errorTraces = scoreCountChange(2, 1_800_000, 98, 1_800_000);
    const errorLogs = scoreShift(noisy(2, 1, 60), noisy(20, 2, 30), {
      direction: 'up',
      minAbsoluteChange: 1,
      halfFold: COUNT_HALF_FOLD,
    }).score;
    const ranked = Object.entries({ errorRatio, latency, newPattern, errorTraces, errorLogs })
      .sort((a, b) => b[1] - a[1])
      .map(([name]) => name);
    expect(ranked.slice(0, 2)).toEqual(['errorRatio', 'latency']);
    expect(ranked.indexOf('errorRatio')).toBeLessThan(3);
  });
});

describe('eventChangePoint', () => {
  const MIN = 60_000;
  const options = { from: 0, to: 60 * MIN, stepMs: MIN, boundary: 30 * MIN };
  /** `perMinute` events a minute from minute `from` (inclusive) to `to` (exclusive), 10 s apart. */
  const burst = (from: number, to: number, perMinute: number) =>
    Array.from(
      { length: (to - from) * perMinute },
      (_, i) => (from + Math.floor(i / perMinute)) * MIN + (i % perMinute) * 10_000 + 5000
    );

  it('dates a burst at its first event, not at a stray event in the lead before it', () => {
    const times = [5 * MIN + 1000, 31 * MIN + 30_000, ...burst(38, 60, 3)];
    const { series, changedAt } = eventChangePoint(times, options);
    expect(changedAt).toBe(38 * MIN + 5000);
    expect(series).toHaveLength(60);
    expect(series[31]).toEqual({ t: 31 * MIN, v: 1 });
    expect(series.reduce((n, p) => n + (p.v ?? 0), 0)).toBe(times.length);
  });

  it('needs three abnormal minutes in a row: scattered strays, or a burst of two minutes, are no change', () => {
    expect(
      eventChangePoint(
        [31, 33, 40, 41, 50].map((m) => m * MIN),
        options
      ).changedAt
    ).toBeNull();
    expect(eventChangePoint(burst(40, 42, 5), options).changedAt).toBeNull();
    // ...unless it lasts to the end of what was seen.
    expect(eventChangePoint(burst(58, 60, 5), options).changedAt).toBe(58 * MIN + 5000);
  });

  it('judges against the baseline: a steady rate is no change, a rise over it is', () => {
    const steady = burst(0, 60, 2);
    expect(eventChangePoint(steady, options).changedAt).toBeNull();
    // 2 a minute throughout (MAD 0, spread 5 % of 2 = 0.1), 4 a minute from minute 45: a rise of 2 = 20 spreads.
    expect(eventChangePoint([...steady, ...burst(45, 60, 2).map((t) => t + 1000)], options).changedAt).toBe(
      45 * MIN + 5000
    );
  });

  it('minutes outside what was read are gaps, not zeros: a truncated baseline does not make a steady rate a rise', () => {
    // The baseline's lines hit their limit: they cover only its last 10 minutes, at the same 2 a minute as now.
    const times = burst(20, 60, 2);
    const { series, changedAt } = eventChangePoint(times, {
      ...options,
      covered: [{ start: 20 * MIN, end: 60 * MIN }],
    });
    expect(series[10]).toEqual({ t: 10 * MIN, v: null });
    expect(changedAt).toBeNull();
    // Read as zeros, the same lines would look like a rise at minute 30.
    expect(eventChangePoint(times, options).changedAt).toBe(30 * MIN + 5000);
  });
});
