import type { Sql, TransactionSql } from 'postgres';

/** The channel every replica LISTENs on; the payload is the new event's seq. */
export const EVENTS_CHANNEL = 'studio_events';

export interface OutboxEvent {
  topic: string;
  type: string;
  payload: unknown;
  actor: string;
}

/**
 * Appends to the outbox inside the caller's transaction, so the event exists exactly when the change does.
 * pg_notify is transactional too: listeners hear about it only after commit.
 */
export async function appendEvent(tx: TransactionSql | Sql, event: OutboxEvent): Promise<number> {
  const [row] = await tx<{ seq: string }[]>`
    insert into events (topic, type, payload, actor)
    values (${event.topic}, ${event.type}, ${tx.json(event.payload as never)}, ${event.actor})
    returning seq`;
  await tx`select pg_notify(${EVENTS_CHANNEL}, ${row!.seq})`;
  return Number(row!.seq);
}
