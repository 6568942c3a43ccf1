/** Anomaly scoring (domain/anomaly.ts): jumps, drops, flat and noisy series, gaps, event counts. */
import { describe, expect, it } from 'vitest';
import { changePoint, scoreCountChange, scoreShift, zToScore, type Point } from '../src/domain/anomaly.js';

/** A deterministic "noisy" series: a level plus a bounded zig-zag. */
function noisy(level: number, amplitude: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => level + amplitude * Math.sin(i * 1.7) * ((i % 3) - 1));
}

describe('scoreShift', () => {
  it('scores a jump in the error ratio high and reports both levels', () => {
    const shift = scoreShift(noisy(0.01, 0.002, 60), noisy(0.3, 0.01, 60), { direction: 'up' });
    expect(shift.score).toBeGreaterThan(0.95);
    expect(shift.direction).toBe('up');
    expect(shift.baselineValue).toBeCloseTo(0.01, 2);
    expect(shift.currentValue!).toBeGreaterThan(0.29);
  });

  it('scores a drop when asked for drops or both, and not when only rises count', () => {
    const base = noisy(100, 3, 60);
    const current = noisy(20, 3, 60);
    // An 80 % drop of a steady level.
    expect(scoreShift(base, current, { direction: 'down' }).score).toBeGreaterThan(0.85);
    expect(scoreShift(base, current).score).toBeGreaterThan(0.85);
    const upOnly = scoreShift(base, current, { direction: 'up' });
    expect(upOnly.score).toBe(0);
    expect(upOnly.direction).toBe('down');
  });

  it('scores nothing for a flat series, and a tiny move of a flat baseline stays small', () => {
    const flat = Array.from({ length: 30 }, () => 5);
    expect(scoreShift(flat, flat)).toEqual({ score: 0, baselineValue: 5, currentValue: 5, direction: 'none' });
    // 5 → 5.1 is 2 % of the level: the relative floor keeps it from looking infinite.
    expect(scoreShift(flat, flat.map(() => 5.1)).score).toBeLessThan(0.1);
  });

  it('ignores moves below minAbsoluteChange even from a flat zero baseline', () => {
    const zeros = Array.from({ length: 30 }, () => 0);
    expect(scoreShift(zeros, zeros.map(() => 0.0004), { minAbsoluteChange: 0.001 }).score).toBe(0);
    expect(scoreShift(zeros, zeros.map(() => 0.05), { minAbsoluteChange: 0.001 }).score).toBeGreaterThan(0.95);
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
    expect(scoreShift(base, tail).score).toBeGreaterThan(0.9);
  });

  it('skips NaN and null gaps, and answers 0 with nulls when a side has no data', () => {
    const withGaps = [0.01, NaN, 0.01, 0.012, NaN, 0.011] as number[];
    const shift = scoreShift(withGaps, [0.5, NaN, 0.5, 0.5]);
    expect(shift.score).toBeGreaterThan(0.9);
    expect(Number.isFinite(shift.baselineValue)).toBe(true);
    expect(scoreShift([], [1, 2])).toMatchObject({ score: 0, baselineValue: null, direction: 'none' });
    expect(scoreShift([NaN, NaN], [])).toEqual({ score: 0, baselineValue: null, currentValue: null, direction: 'none' });
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
  it('scores a rise from nothing as meaningful but not maximal, and a big rise near 1', () => {
    const handful = scoreCountChange(0, 600_000, 5, 600_000);
    expect(handful).toBeGreaterThan(0.3);
    expect(handful).toBeLessThan(0.7);
    expect(scoreCountChange(0, 600_000, 50, 600_000)).toBeGreaterThan(0.95);
  });

  it('compares rates when the windows differ in length', () => {
    // 100 lines in 60 min is the same rate as 25 in 15 min: nothing new.
    expect(scoreCountChange(100, 3_600_000, 25, 900_000)).toBeLessThan(0.05);
    expect(scoreCountChange(100, 3_600_000, 250, 900_000)).toBeGreaterThan(0.95);
  });

  it('scores small rises of a busy count low, and falls or empty windows 0', () => {
    expect(scoreCountChange(100, 600_000, 110, 600_000)).toBeLessThan(0.05);
    expect(scoreCountChange(100, 600_000, 10, 600_000)).toBe(0);
    expect(scoreCountChange(0, 0, 0, 600_000)).toBe(0);
    expect(scoreCountChange(5, 600_000, 5, 0)).toBe(0);
  });
});
