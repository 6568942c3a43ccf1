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
 * The outbox rows for the timeline entries `tl` of one statement: one `timeline.batch` per incident, holding the
 * entries' ids. The entries themselves are rows already; the live feed reads them when it builds the message
 * (EVENT_DATA_SQL), and only for a topic someone follows, so a storm nobody watches costs no copy of its entries.
 */
export function timelineBatchEvents(tx: TransactionSql, actor: Actor) {
  return tx`
    select 'incident:' || tl.incident_id, 'timeline.batch',
      jsonb_build_object('incidentId', tl.incident_id, 'entryIds', jsonb_agg(tl.id)), ${actor.name}
    from tl group by tl.incident_id`;
}

/**
 * The `alerts` topic's payload for the alerts `a` of one statement, as one event: the ids of the alerts it stored
 * firing and resolved (or attached), and the incidents they are on. A storm of a thousand alerts is one outbox row,
 * not a thousand. A subscriber learns which alerts changed and reads what it needs from GET /api/alerts/:id.
 */
export function alertsEventJson(tx: TransactionSql) {
  return tx`jsonb_build_object(
    'fired', coalesce(jsonb_agg(a.id order by a.id) filter (where a.status <> 'resolved'), '[]'),
    'resolved', coalesce(jsonb_agg(a.id order by a.id) filter (where a.status = 'resolved'), '[]'),
    'incidentIds', coalesce(jsonb_agg(distinct a.incident_id) filter (where a.incident_id is not null), '[]'))`;
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
 * already resolved) on the incident's timeline, and one `alerts.attached` on the `alerts` topic.
 */
export async function recordAttached(tx: TransactionSql, alertIds: string[], actor: Actor): Promise<void> {
  await tx`
    with a as (select * from alerts where id = any(${alertIds}::uuid[])),
    tl as (
      insert into timeline_events (incident_id, type, author, source, message, data, occurred_at)
      select ${alertTimelineColumns(tx, actor)} from a cross join ${tx.unsafe(TIMELINE_KINDS)}
      where k.type = 'alert_fired' or a.status = 'resolved'
      returning id, incident_id
    ),
    ev as (
      insert into events (topic, type, payload, actor)
      ${timelineBatchEvents(tx, actor)}
      union all
      select 'alerts', 'alerts.attached', ${alertsEventJson(tx)}, ${actor.name} from a having count(*) > 0
      returning seq
    )
    select ${notifyOnce(tx)} as notified`;
}
