import type { TransactionSql } from 'postgres';
import { SYSTEM_ACTOR, type Actor } from '../domain/actor.js';
import type { AlertSource, AlertStatus } from '../domain/alerts.js';
import type { Severity } from '../domain/incidents.js';
import { EVENTS_CHANNEL } from './events.js';

/** What the timeline and the live feed need to say about one alert. */
export interface AlertInfo {
  source: AlertSource;
  fingerprint: string;
  alertname: string;
  severity: Severity;
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string | null;
  suppressedBy: string | null;
}

/**
 * One thing intake did that people should hear about: an alert fired or resolved (this delivery changed its
 * status), an earlier alert attached to a newly promoted incident, or a note about the incident as a whole.
 */
export type AlertChange =
  | { kind: 'fired' | 'resolved'; alertId: string; alert: AlertInfo; incidentId: string | null; isNew: boolean }
  | { kind: 'attached'; alertId: string; alert: AlertInfo; incidentId: string }
  | { kind: 'note'; incidentId: string; message: string; data: Record<string, unknown> };

interface TimelineRow {
  incident_id: string;
  type: string;
  author: string;
  source: Actor['source'];
  message: string;
  data: Record<string, unknown>;
  occurred_at: string | null;
}

interface OutboxRow {
  topic: string;
  type: string;
  payload: unknown;
  actor: string;
}

const describe = (a: AlertInfo) => {
  const summary = a.annotations.summary?.trim();
  return `${a.alertname || 'alert'} (${a.severity})${summary ? ` — ${summary}` : ''}`;
};

function timelineRows(change: Exclude<AlertChange, { kind: 'note' }>, actor: Actor): TimelineRow[] {
  const { alert } = change;
  const data = { alertId: change.alertId, source: alert.source, fingerprint: alert.fingerprint, labels: alert.labels };
  const fired: TimelineRow = {
    incident_id: change.incidentId!,
    type: 'alert_fired',
    author: actor.name,
    source: actor.source,
    message: `Alert fired: ${describe(alert)}`,
    data: { ...data, startsAt: alert.startsAt },
    occurred_at: alert.startsAt,
  };
  const resolved: TimelineRow = {
    ...fired,
    type: 'alert_resolved',
    message: `Alert resolved: ${describe(alert)}`,
    data: { ...data, endsAt: alert.endsAt },
    occurred_at: alert.endsAt,
  };
  // An alert first heard of already resolved (out of order, or after an outage) still gets its firing entry.
  if (change.kind === 'fired') return [fired];
  if (change.kind === 'resolved') return change.isNew ? [fired, resolved] : [resolved];
  return alert.status === 'resolved' ? [fired, resolved] : [fired];
}

function alertPayload(alertId: string, alert: AlertInfo, incidentId: string | null) {
  const { annotations: _annotations, ...rest } = alert;
  return { id: alertId, ...rest, incidentId };
}

/**
 * Writes the timeline entries (each with its `incident:<id>` outbox event, shaped like timeline.ts writes them)
 * and the `alerts` topic events for a delivery in one statement, then one NOTIFY per event, as appendEvent does.
 */
export async function appendAlertEvents(tx: TransactionSql, changes: AlertChange[], actor: Actor): Promise<void> {
  const timeline: TimelineRow[] = [];
  const outbox: OutboxRow[] = [];
  for (const change of changes) {
    if (change.kind === 'note') {
      timeline.push({
        incident_id: change.incidentId,
        type: 'alerts_resolved',
        author: SYSTEM_ACTOR.name,
        source: SYSTEM_ACTOR.source,
        message: change.message,
        data: change.data,
        occurred_at: null,
      });
      continue;
    }
    if (change.incidentId && !change.alert.suppressedBy) timeline.push(...timelineRows(change, actor));
    const type = change.kind === 'attached' ? 'alert.attached' : `alert.${change.kind}`;
    outbox.push({ topic: 'alerts', type, payload: alertPayload(change.alertId, change.alert, change.incidentId), actor: actor.name });
  }
  if (timeline.length === 0 && outbox.length === 0) return;
  await tx`
    with tl as (
      insert into timeline_events (incident_id, type, author, source, message, data, occurred_at)
      select incident_id, type, author, source, message, data,
             date_trunc('milliseconds', coalesce(occurred_at, now()))
      from jsonb_to_recordset(${tx.json(timeline as never)}::jsonb) as x(
        incident_id uuid, type text, author text, source text, message text, data jsonb, occurred_at timestamptz)
      returning id, incident_id, type, occurred_at, author, source, message, data
    ), ev as (
      insert into events (topic, type, payload, actor)
      select 'incident:' || tl.incident_id, 'timeline.added',
             jsonb_build_object('id', tl.id, 'incidentId', tl.incident_id, 'type', tl.type,
               'occurredAt', to_char(tl.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'author', tl.author, 'source', tl.source, 'message', tl.message, 'data', tl.data),
             tl.author
      from tl
      union all
      select topic, type, payload, actor
      from jsonb_to_recordset(${tx.json(outbox as never)}::jsonb) as y(topic text, type text, payload jsonb, actor text)
      returning seq
    )
    select count(pg_notify(${EVENTS_CHANNEL}, seq::text)) from ev`;
}
