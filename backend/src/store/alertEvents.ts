/**
 * SQL pieces that turn alert rows into timeline entries and outbox events, shared by intake's one-statement path
 * and by promotion. Written in SQL so a delivery's events never travel back and forth between Node and Postgres:
 * the rows are built where the alerts are. They expect the alert rows under the alias `a` and the timeline kinds
 * under `k` (TIMELINE_KINDS).
 */
import type { TransactionSql } from 'postgres';
import type { Actor } from '../domain/actor.js';
import { EVENTS_CHANNEL } from './events.js';

/** One row per kind of entry an alert may get: fired, and resolved when it is. */
export const TIMELINE_KINDS = `(values ('alert_fired'), ('alert_resolved')) as k(type)`;

/** The columns (incident_id, type, author, source, message, data, occurred_at) of an alert's timeline entry. */
export function alertTimelineColumns(tx: TransactionSql, actor: Actor) {
  return tx`
    a.incident_id, k.type, ${actor.name}, ${actor.source},
    case k.type when 'alert_fired' then 'Alert fired: ' else 'Alert resolved: ' end
      || coalesce(nullif(a.alertname, ''), 'alert') || ' (' || a.severity || ')'
      || coalesce(' — ' || nullif(btrim(a.annotations->>'summary'), ''), ''),
    jsonb_build_object('alertId', a.id, 'source', a.source, 'fingerprint', a.fingerprint, 'labels', a.labels,
      case k.type when 'alert_fired' then 'startsAt' else 'endsAt' end,
      case k.type when 'alert_fired' then a.starts_at else a.ends_at end),
    date_trunc('milliseconds', coalesce(case k.type when 'alert_fired' then a.starts_at else a.ends_at end, now()))`;
}

/**
 * timeline.added's payload, shaped as timeline.ts writes it (the row in camelCase), from the alias `tl`. Times are
 * Postgres' ISO 8601 (`2026-01-10T10:00:00.123+00:00`): the same instants as JavaScript's, without formatting cost.
 */
export function timelineEventJson(tx: TransactionSql) {
  return tx`jsonb_build_object('id', tl.id, 'incidentId', tl.incident_id, 'type', tl.type, 'occurredAt', tl.occurred_at,
    'author', tl.author, 'source', tl.source, 'message', tl.message, 'data', tl.data)`;
}

/**
 * The `alerts` topic's payload for the alert `a`: what changed and where it belongs; labels and annotations are
 * one GET /api/alerts/:id away (and on the timeline entry), so a storm's outbox rows stay small.
 */
export function alertEventJson(tx: TransactionSql) {
  return tx`jsonb_build_object('id', a.id, 'source', a.source, 'fingerprint', a.fingerprint, 'status', a.status,
    'alertname', a.alertname, 'severity', a.severity, 'startsAt', a.starts_at, 'endsAt', a.ends_at,
    'suppressedBy', a.suppressed_by, 'incidentId', a.incident_id)`;
}

/**
 * One NOTIFY for all the outbox rows of `ev`, carrying the last seq: listeners treat a notification as a wake-up
 * and read the outbox from their own position (live/listen.ts), so one per statement says all a hundred would.
 */
export function notifyOnce(tx: TransactionSql) {
  return tx`(select count(pg_notify(${EVENTS_CHANNEL}, last::text)) from (select max(seq) as last from ev) s where last is not null)`;
}

/**
 * Alerts just attached to an incident by promotion: an `alert_fired` entry each (and `alert_resolved` for those
 * already resolved) on the incident's timeline, and `alert.attached` on the `alerts` topic.
 */
export async function recordAttached(tx: TransactionSql, alertIds: string[], actor: Actor): Promise<void> {
  await tx`
    with a as (select * from alerts where id = any(${alertIds}::uuid[])),
    tl as (
      insert into timeline_events (incident_id, type, author, source, message, data, occurred_at)
      select ${alertTimelineColumns(tx, actor)} from a cross join ${tx.unsafe(TIMELINE_KINDS)}
      where k.type = 'alert_fired' or a.status = 'resolved'
      returning id, incident_id, type, occurred_at, author, source, message, data
    ),
    ev as (
      insert into events (topic, type, payload, actor)
      select 'incident:' || tl.incident_id, 'timeline.added', ${timelineEventJson(tx)}, tl.author from tl
      union all
      select 'alerts', 'alert.attached', ${alertEventJson(tx)}, ${actor.name} from a
      returning seq
    )
    select ${notifyOnce(tx)} as notified`;
}
