/**
 * The outbox reader's ordering rule without a database: n+1 is never handed out while n may still commit, and a seq
 * whose transaction rolled back stops nobody once the transactions that could own it have finished.
 */
import { describe, expect, it } from 'vitest';
import { advance, allFinished, parseSnapshot, widenXid, type OrderingState } from '../src/live/ordering.js';

const rows = (...seqs: number[]) => seqs.map((seq) => ({ seq }));
const snap = (text: string) => parseSnapshot(text);
const start: OrderingState = { horizon: 10, gap: null };
const NOW = 1000;
const LATER = 31_000;

describe('snapshots and transaction ids', () => {
  it('reads xmin:xmax:xip', () => {
    expect(snap('100:105:101,103')).toEqual({ xmin: 100n, xmax: 105n, xip: [101n, 103n] });
    expect(snap('7:7:')).toEqual({ xmin: 7n, xmax: 7n, xip: [] });
  });

  it('counts an id at or above xmax as not finished (xmax is only the last completed id + 1)', () => {
    const now = snap('100:105:101,103');
    expect(allFinished([99n, 102n, 104n], now)).toBe(true);
    expect(allFinished([101n], now)).toBe(false);
    expect(allFinished([105n], now)).toBe(false);
    expect(allFinished([106n], now)).toBe(false);
  });

  it('widens 32-bit ids from pg_locks to the epoch of the snapshot, across a wraparound too', () => {
    const epoch = 3n << 32n;
    expect(widenXid(500n, epoch + 510n)).toBe(epoch + 500n);
    expect(widenXid(520n, epoch + 510n)).toBe(epoch + 520n);
    expect(widenXid(0xfffffff0n, epoch + 5n)).toBe(epoch - 16n);
    expect(widenXid(3n, epoch - 10n)).toBe(epoch + 3n);
  });
});

describe('advance', () => {
  it('hands out contiguous rows at once', () => {
    const next = advance(start, rows(11, 12, 13), snap('50:50:'), NOW);
    expect(next).toMatchObject({ horizon: 13, gap: null, isBlocked: false });
    expect(next.ready.map((r) => r.seq)).toEqual([11, 12, 13]);
  });

  it('stops at a new gap and asks for a note, even when the snapshot shows nothing running', () => {
    // "50:50:" lists nobody, yet transaction 50 may be running with 12 in hand: never skip on the same read.
    const next = advance(start, rows(11, 13, 14), snap('50:50:'), NOW);
    expect(next).toMatchObject({ horizon: 11, noteAt: 13, isBlocked: true, gap: null });
    expect(next.ready.map((r) => r.seq)).toEqual([11]);
  });

  it('waits while a noted transaction runs, then hands everything out in order when the seq appears', () => {
    const noted: OrderingState = { horizon: 11, gap: { upper: 13, running: [51n], deadline: LATER } };
    const still = advance(noted, rows(13, 14), snap('51:55:51,54'), NOW);
    expect(still).toMatchObject({ horizon: 11, isBlocked: true, ready: [], gap: { upper: 13, running: [51n], deadline: LATER } });
    expect(still.noteAt).toBeUndefined();

    const filled = advance(still, rows(12, 13, 14), snap('54:56:54'), NOW);
    expect(filled.ready.map((r) => r.seq)).toEqual([12, 13, 14]);
    expect(filled).toMatchObject({ horizon: 14, gap: null, isBlocked: false });
  });

  it('skips a seq that never appears once its possible owners have all finished (a rollback)', () => {
    const noted: OrderingState = { horizon: 11, gap: { upper: 13, running: [51n], deadline: LATER } };
    const settled = advance(noted, rows(13, 15), snap('60:62:61'), NOW);
    // 12 was rolled back; 14 is missing above the note, so that gap needs a note of its own.
    expect(settled.ready.map((r) => r.seq)).toEqual([13]);
    expect(settled).toMatchObject({ horizon: 13, noteAt: 15, isBlocked: true });
  });

  it('treats a noted id at or above xmax as running', () => {
    const noted: OrderingState = { horizon: 11, gap: { upper: 13, running: [70n], deadline: LATER } };
    expect(advance(noted, rows(13), snap('60:65:'), NOW).isBlocked).toBe(true);
    expect(advance(noted, rows(13), snap('71:71:'), NOW).ready.map((r) => r.seq)).toEqual([13]);
  });

  it('gives up on a gap at its deadline, so one transaction left open cannot stall the feed, and counts what it skipped', () => {
    const noted: OrderingState = { horizon: 11, gap: { upper: 15, running: [51n], deadline: LATER } };
    expect(advance(noted, rows(13, 15), snap('51:52:51'), LATER - 1)).toMatchObject({ isBlocked: true, abandoned: 0 });
    const late = advance(noted, rows(13, 15), snap('51:52:51'), LATER);
    expect(late.ready.map((r) => r.seq)).toEqual([13, 15]);
    expect(late).toMatchObject({ horizon: 15, abandoned: 2, isBlocked: false, gap: null });
  });

  it('ignores rows at or below the horizon', () => {
    expect(advance(start, rows(9, 10, 11), snap('1:1:'), NOW).ready.map((r) => r.seq)).toEqual([11]);
  });
});
