import type { Sql, TransactionSql } from 'postgres';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { queueNotifications } from './deliveries.js';
import { appendEvent } from './events.js';
import { pageLimit, type Page } from './page.js';

/**
 * Every kind of entry the store writes (the alert ones in SQL: alertEvents.ts, intake.ts). The API describes each
 * kind's `data` (routes/timelineSchemas.ts), so a new kind goes here and there.
 */
export const TIMELINE_EVENT_TYPES = [
  'created',
  'status_changed',
  'severity_changed',
  'commander_changed',
  'details_changed',
  'note',
  'alert_fired',
  'alert_resolved',
  'alerts_resolved',
  'correlation_found',
  'hypothesis_added',
  'hypothesis_decided',
  'evidence_pinned',
  'acknowledged',
  'notification',
  'escalation',
] as const;
export type TimelineEventType = (typeof TIMELINE_EVENT_TYPES)[number];

export interface TimelineEvent {
  id: string;
  incidentId: string;
  type: TimelineEventType;
  occurredAt: Date;
  author: string;
  source: Actor['source'];
  message: string;
  data: Record<string, unknown>;
}

export interface NewTimelineEvent {
  type: TimelineEventType;
  message: string;
  data?: Record<string, unknown>;
  occurredAt?: Date;
}

const COLUMNS = 'id, incident_id, type, occurred_at, author, source, message, data';

/**
 * Writes a timeline entry and its outbox event (topic `incident:<id>`) in the caller's transaction, so the war
 * room sees every entry live. An unknown incident is INCIDENT_NOT_FOUND (the foreign key says so).
 */
export async function insertTimelineEvent(
  tx: TransactionSql,
  incidentId: string,
  actor: Actor,
  event: NewTimelineEvent
): Promise<TimelineEvent> {
  const [row] = await tx<TimelineEvent[]>`
    insert into timeline_events (incident_id, type, author, source, message, data, occurred_at)
    values (${incidentId}, ${event.type}, ${actor.name}, ${actor.source}, ${event.message},
            ${tx.json((event.data ?? {}) as never)},
            coalesce(${event.occurredAt ?? null}::timestamptz, date_trunc('milliseconds', now())))
    returning ${tx.unsafe(COLUMNS)}`.catch((err: { code?: string }) => {
    if (err.code === '23503') {
      throw new AppError({ code: 'INCIDENT_NOT_FOUND', message: `No incident with id ${incidentId}`, details: { id: incidentId } });
    }
    throw err;
  });
  await appendEvent(tx, { topic: `incident:${incidentId}`, type: 'timeline.added', payload: row!, actor: actor.name });
  return row!;
}

/**
 * A note from a person or a bot, on the timeline and the live feed. An update (`isUpdate`: a status update for
 * stakeholders) also goes to the channels whose rules want `update_posted`, in the same transaction.
 */
export async function addNote(
  sql: Sql,
  incidentId: string,
  actor: Actor,
  message: string,
  isUpdate = false
): Promise<TimelineEvent> {
  return sql.begin(async (tx) => {
    const note = await insertTimelineEvent(tx, incidentId, actor, { type: 'note', message, data: isUpdate ? { isUpdate } : {} });
    if (isUpdate) await queueNotifications(tx, incidentId, 'update_posted', message);
    return note;
  });
}

const OCCURRED_MS = "date_trunc('milliseconds', occurred_at)";

/**
 * The incident's timeline, oldest first (insertion order within a millisecond); a page of it when `page` is given.
 * A cursor holds a Date (milliseconds) and the row's id, so the order is on the milliseconds, then seq (found from
 * the id).
 */
export async function listTimeline(sql: Sql, incidentId: string, page?: Page): Promise<TimelineEvent[]> {
  const after = page?.after;
  return sql<TimelineEvent[]>`
    select ${sql.unsafe(COLUMNS)} from timeline_events
    where incident_id = ${incidentId}
      ${
        after
          ? sql`and (${sql.unsafe(OCCURRED_MS)}, seq) >
                (${after.keys[0] ?? null}::timestamptz, (select seq from timeline_events where id = ${after.id}::uuid))`
          : sql``
      }
    order by ${sql.unsafe(OCCURRED_MS)}, seq ${pageLimit(sql, page)}`;
}
