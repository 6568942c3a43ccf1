/**
 * The outbox reader's ordering rule without a database: n+1 is never handed out while n may still commit, and a seq
 * whose transaction rolled back stops nobody once the transactions that could own it have finished.
 */
import { describe, expect, it } from 'vitest';
import { advance, allFinished, parseSnapshot, type OrderingState } from '../src/live/ordering.js';

const rows = (...seqs: number[]) => seqs.map((seq) => ({ seq }));
const snap = (text: string) => parseSnapshot(text);
const start: OrderingState = { horizon: 10, gap: null };

describe('parseSnapshot', () => {
  it('reads xmin:xmax:xip', () => {
    expect(snap('100:105:101,103')).toEqual({ xmin: 100n, xmax: 105n, xip: [101n, 103n] });
    expect(snap('7:7:')).toEqual({ xmin: 7n, xmax: 7n, xip: [] });
  });

  it('says a transaction has finished only when it is below xmin, or below xmax and not running', () => {
    const now = snap('100:105:101,103');
    expect(allFinished([99n, 102n, 104n], now)).toBe(true);
    expect(allFinished([101n], now)).toBe(false);
    expect(allFinished([105n], now)).toBe(false);
  });
});

describe('advance', () => {
  it('hands out contiguous rows at once', () => {
    const next = advance(start, rows(11, 12, 13), snap('50:50:'));
    expect(next).toMatchObject({ horizon: 13, gap: null, isBlocked: false });
    expect(next.ready.map((r) => r.seq)).toEqual([11, 12, 13]);
  });

  it('stops before a gap while a transaction that was running may still commit it', () => {
    const blocked = advance(start, rows(11, 13, 14), snap('50:53:51'));
    expect(blocked).toMatchObject({ horizon: 11, isBlocked: true, gap: { upper: 13, running: [51n] } });
    expect(blocked.ready.map((r) => r.seq)).toEqual([11]);

    // 51 is still running: nothing more.
    const still = advance(blocked, rows(13, 14), snap('51:55:51,54'));
    expect(still).toMatchObject({ horizon: 11, isBlocked: true, ready: [] });
    // The note taken first is kept (54 started later and cannot own 12).
    expect(still.gap!.running).toEqual([51n]);

    // 51 committed 12: it shows up and everything goes out in order.
    const filled = advance(still, rows(12, 13, 14), snap('54:56:54'));
    expect(filled.ready.map((r) => r.seq)).toEqual([12, 13, 14]);
    expect(filled).toMatchObject({ horizon: 14, gap: null, isBlocked: false });
  });

  it('skips a seq that never appears once its possible owners have all finished (a rollback)', () => {
    const blocked = advance(start, rows(11, 13), snap('50:53:51'));
    const settled = advance(blocked, rows(13, 15, 17), snap('60:62:61'));
    // 12 was rolled back. 14 is a new gap above the note, and 61 was running when it was seen: wait for 61.
    expect(settled.ready.map((r) => r.seq)).toEqual([13]);
    expect(settled).toMatchObject({ horizon: 13, isBlocked: true, gap: { upper: 15, running: [61n] } });
    // 61 rolled back too; and nothing was running when 16 was seen missing, so it is final at once.
    const done = advance(settled, rows(15, 17), snap('62:62:'));
    expect(done.ready.map((r) => r.seq)).toEqual([15, 17]);
    expect(done).toMatchObject({ horizon: 17, gap: null, isBlocked: false });
  });

  it('ignores rows at or below the horizon', () => {
    expect(advance(start, rows(9, 10, 11), snap('1:1:')).ready.map((r) => r.seq)).toEqual([11]);
  });
});
