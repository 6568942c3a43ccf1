import type { Sql } from '../store/db.js';
import { textFrame } from './frame.js';
import { EVENT_MESSAGE_SQL } from './outbox.js';

export interface ReplayStart {
  /** Set when `since` cannot be honoured: the client must refetch its state instead of replaying. */
  resync?: { reason: 'retention' | 'unknown_seq'; oldest: number };
}

/**
 * Whether a client at `since` can be replayed: not when retention already deleted events after it
 * (since < pruned_through), nor when the seq is past anything this database ever wrote (the client saw another
 * database, e.g. one restored from a backup). A seq past this replica's horizon but written is fine: another
 * replica delivered it first, and this one will catch up.
 */
export async function checkReplay(sql: Sql, since: number): Promise<ReplayStart> {
  const [row] = await sql<{ prunedThrough: string; last: string }[]>`
    select (select pruned_through from live_outbox_state)::text as pruned_through,
           (select coalesce(max(seq), 0) from events)::text as last`;
  const prunedThrough = Number(row!.prunedThrough);
  if (since < prunedThrough) return { resync: { reason: 'retention', oldest: prunedThrough + 1 } };
  if (since > Number(row!.last)) return { resync: { reason: 'unknown_seq', oldest: prunedThrough + 1 } };
  return {};
}

export interface ReplayRow {
  seq: number;
  /** A complete WebSocket frame, as FeedEvent.frame. */
  frame: Buffer;
}

/** One page of the events on `topics` with after < seq <= through, in seq order, in their wire form. */
export async function readReplayPage(sql: Sql, topics: string[], after: number, through: number, limit: number): Promise<ReplayRow[]> {
  const rows = await sql<{ seq: string; message: string }[]>`
    select seq::text as seq, ${sql.unsafe(EVENT_MESSAGE_SQL)} as message
    from events
    where seq > ${after} and seq <= ${through} and topic = any(${topics}::text[])
    order by events.seq -- qualified: a bare "seq" would sort by the text column of the same name
    limit ${limit}`;
  return rows.map((r) => ({ seq: Number(r.seq), frame: textFrame(Buffer.from(r.message)) }));
}
