/**
 * Deciding which outbox rows are safe to hand out, in seq order, without ever handing out n+1 before an n that is
 * still to commit. Pure functions, so the reasoning can be tested without a database.
 *
 * Seqs are taken at insert and become visible at commit: a reader can see 41 and 43 while 42's transaction is still
 * running (it will appear) or was rolled back (it never will). When the reader meets such a gap it notes which
 * transactions were running at that moment (`pg_current_snapshot()` of the same statement). The owner of a missing
 * seq below the first row past the gap took its seq before that row's owner did, and that row was already committed,
 * so the owner already had a transaction id then (migration 003's trigger makes sure of it): it is either among the
 * noted transactions or finished before the snapshot (and then, as it is not visible, rolled back). Once every noted
 * transaction has finished, a fresh read shows every seq of the gap that will ever exist; the rest can be skipped.
 */

/** A `pg_snapshot`: transactions below xmin are finished; those in xip are running; xmax and above had not started. */
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

/** True when every transaction in `running` has finished as seen by `now` (committed or rolled back). */
export function allFinished(running: readonly bigint[], now: Snapshot): boolean {
  return running.every((x) => x < now.xmin || (x < now.xmax && !now.xip.includes(x)));
}

/** A gap the reader is waiting on: missing seqs below `upper` can only belong to `running`. */
export interface PendingGap {
  upper: number;
  running: bigint[];
}

export interface OrderingState {
  /** Every seq up to here was handed out or is known never to exist. */
  horizon: number;
  gap: PendingGap | null;
}

export interface Advance<R> extends OrderingState {
  /** Rows to hand out now, in seq order. */
  ready: R[];
  /** True when a gap stops the reader: read again shortly (rolled-back owners send no notification). */
  isBlocked: boolean;
}

/**
 * Walks `rows` (seq > state.horizon, ascending, all read with `snapshot`) and returns those that can be handed out
 * now, the new horizon, and the gap still being waited on, if any.
 */
export function advance<R extends { seq: number }>(state: OrderingState, rows: readonly R[], snapshot: Snapshot): Advance<R> {
  let { horizon, gap } = state;
  const ready: R[] = [];
  for (const row of rows) {
    if (row.seq <= horizon) continue;
    if (row.seq !== horizon + 1) {
      // Keep an older note while it still covers this gap: its transactions finish no later than today's.
      if (gap === null || row.seq > gap.upper) gap = { upper: row.seq, running: snapshot.xip };
      // Settled when every possible owner has finished as of this read (at once if nothing was running).
      if (!allFinished(gap.running, snapshot)) return { horizon, gap, ready, isBlocked: true };
    }
    ready.push(row);
    horizon = row.seq;
  }
  if (gap !== null && horizon >= gap.upper - 1) gap = null;
  return { horizon, gap, ready, isBlocked: false };
}
