/**
 * Deciding which outbox rows are safe to hand out, in seq order, without ever handing out n+1 before an n that is
 * still to commit. Pure functions, so the reasoning can be tested without a database.
 *
 * Seqs are taken at insert and become visible at commit: a reader can see 41 and 43 while 42's transaction is still
 * running (it will appear) or was rolled back (it never will). The owner of a missing seq took it before the owner of
 * the first visible seq after the gap took that one, and that owner had committed when the read's snapshot was
 * taken; the owner of the missing seq already had a transaction id then (migration 003's trigger makes sure of it),
 * so at that moment it was running or finished (rolled back, as its row is not visible).
 *
 * So, on meeting a new gap, the reader notes every transaction running *after* that read (from pg_locks: a
 * snapshot's xip is not enough, it leaves out transactions with ids at or above its xmax, which is only the last
 * completed id plus one). An owner missing from that list finished between the read and the list, and a later read
 * sees its row if it committed. Once every noted transaction has finished, a later read (never the one that found
 * the gap) shows every seq of the gap that will ever exist, and the rest can be skipped.
 */

/** A `pg_snapshot`: ids below xmin are finished; those in xip, and any at or above xmax, are not. */
export interface Snapshot {
  xmin: bigint;
  xmax: bigint;
  xip: bigint[];
}

/** Parses pg_snapshot's text form, "xmin:xmax:xip1,xip2,...". */
export function parseSnapshot(text: string): Snapshot {
  const [xmin, xmax, xip = ''] = text.split(':');
  if (xmin === undefined || xmax === undefined) throw new Error(`not a pg_snapshot: ${text}`);
  return { xmin: BigInt(xmin), xmax: BigInt(xmax), xip: xip ? xip.split(',').map(BigInt) : [] };
}

/**
 * pg_locks gives 32-bit transaction ids; snapshots give 64-bit ones (epoch in the high bits). A running transaction
 * is far less than 2^31 ids from the snapshot's xmax, so the nearest 64-bit id with the same low bits is it.
 */
export function widenXid(xid32: bigint, near: bigint): bigint {
  const wrap = 1n << 32n;
  const candidate = (near & ~(wrap - 1n)) | xid32;
  const options = [candidate - wrap, candidate, candidate + wrap].filter((x) => x >= 0n);
  const distance = (x: bigint) => (x > near ? x - near : near - x);
  return options.reduce((best, x) => (distance(x) < distance(best) ? x : best));
}

/** True when every transaction in `running` has finished as seen by `now` (committed or rolled back). */
export function allFinished(running: readonly bigint[], now: Snapshot): boolean {
  return running.every((x) => x < now.xmin || (x < now.xmax && !now.xip.includes(x)));
}

/** A gap the reader is waiting on: missing seqs below `upper` can only belong to `running`. */
export interface PendingGap {
  upper: number;
  running: bigint[];
  /**
   * When to stop waiting (ms, the caller's clock). Any transaction holding an id counts as a possible owner, so one
   * left open for minutes (a forgotten psql session) would stall the feed for everyone; past this the gap is skipped.
   */
  deadline: number;
}

export interface OrderingState {
  /** Every seq up to here was handed out or is known never to exist. */
  horizon: number;
  gap: PendingGap | null;
}

export interface Advance<R> {
  horizon: number;
  /** Rows to hand out now, in seq order. */
  ready: R[];
  /** The gap still waited on (kept from the state), if the walk stopped at one it covers. */
  gap: PendingGap | null;
  /** Set when the walk stopped at a gap no note covers: note the running transactions with this as `upper`. */
  noteAt?: number;
  /** True when a gap stops the reader: read again shortly (rolled-back owners send no notification). */
  isBlocked: boolean;
  /** Seqs given up on at their gap's deadline: if one still commits, live clients never see it (replays do). */
  abandoned: number;
}

/**
 * Walks `rows` (seq > state.horizon, ascending, all read with `snapshot`) and returns those that can be handed out
 * now, the new horizon, and what to wait for, if anything.
 */
export function advance<R extends { seq: number }>(
  state: OrderingState,
  rows: readonly R[],
  snapshot: Snapshot,
  now: number
): Advance<R> {
  let { horizon, gap } = state;
  const ready: R[] = [];
  let abandoned = 0;
  for (const row of rows) {
    if (row.seq <= horizon) continue;
    if (row.seq !== horizon + 1) {
      // A note taken earlier covers this gap while row.seq <= upper; its transactions finish no later than newer ones.
      const isCovered = gap !== null && row.seq <= gap.upper;
      if (!isCovered) return { horizon, gap: null, ready, noteAt: row.seq, isBlocked: true, abandoned };
      if (!allFinished(gap!.running, snapshot)) {
        if (now < gap!.deadline) return { horizon, gap, ready, isBlocked: true, abandoned };
        abandoned += row.seq - horizon - 1;
      }
    }
    ready.push(row);
    horizon = row.seq;
  }
  if (gap !== null && horizon >= gap.upper - 1) gap = null;
  return { horizon, gap, ready, isBlocked: false, abandoned };
}
