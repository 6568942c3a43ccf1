import type { Sql, TransactionSql } from 'postgres';

/** The channel every replica LISTENs on; the payload is the new event's seq. */
export const EVENTS_CHANNEL = 'studio_events';

/**
 * An outbox row's data as clients receive it, for a query over `events`: the payload as stored, except a
 * `timeline.batch`, which stores its entries' ids (alertEvents.ts) and is sent as `{ entries }`, each entry shaped
 * as a `timeline.added` payload (the row in camelCase), oldest first. An entry deleted since (with its incident) is
 * left out. Times are Postgres' ISO 8601 (`2026-01-10T10:00:00.123+00:00`): the same instants as JavaScript's.
 */
export const EVENT_DATA_SQL = `case when events.type = 'timeline.batch' then (
    select jsonb_build_object('entries', coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'incidentId', t.incident_id,
      'type', t.type, 'occurredAt', t.occurred_at, 'author', t.author, 'source', t.source, 'message', t.message,
      'data', t.data) order by t.occurred_at, t.seq), '[]'))
    from timeline_events t where t.id in (select jsonb_array_elements_text(events.payload -> 'entryIds')::uuid)
  ) else events.payload end`;

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
