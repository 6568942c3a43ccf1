import type { Sql } from '../store/db.js';

// Any constant; only the same in every replica, so one prunes while the others skip (see migrate.ts for the other).
const PRUNE_LOCK_KEY = 7_041_978;
const BATCH = 5000;

export interface PruneResult {
  events: number;
  tickets: number;
  prunedThrough: number;
}

/**
 * Deletes outbox events older than `retentionMs` (none when it is 0) and tickets expired for a minute, in short
 * batches (no long lock on a busy outbox), and records the highest deleted seq so a client resuming from before it
 * is told to resync. Replicas racing here take turns: the one that does not get the lock returns at once.
 */
export async function pruneOutbox(sql: Sql, retentionMs: number): Promise<PruneResult> {
  let events = 0;
  let prunedThrough = 0;
  // retentionMs <= 0 keeps the outbox forever; tickets are pruned either way.
  while (retentionMs > 0) {
    const [row] = await sql.begin(async (tx) => {
      const [locked] = await tx<{ ok: boolean }[]>`select pg_try_advisory_xact_lock(${PRUNE_LOCK_KEY}) as ok`;
      if (!locked!.ok) return [{ deleted: 0, prunedThrough: '0' }];
      // Oldest first by seq (the primary key), so each batch is an index range, not a scan for old `at`s.
      return tx<{ deleted: number; prunedThrough: string }[]>`
        with oldest as (
          select seq from events order by seq limit ${BATCH}
        ), gone as (
          delete from events e using oldest o
          where e.seq = o.seq and e.at < now() - ${retentionMs} * interval '1 millisecond'
          returning e.seq
        )
        update live_outbox_state set pruned_through = greatest(pruned_through, coalesce((select max(seq) from gone), 0))
        returning (select count(*) from gone)::int as deleted, pruned_through::text`;
    });
    events += row!.deleted;
    prunedThrough = Number(row!.prunedThrough);
    if (row!.deleted < BATCH) break;
  }
  const gone = await sql`delete from live_tickets where expires_at < now() - interval '1 minute'`;
  return { events, tickets: gone.count, prunedThrough };
}
