import type { Sql, TransactionSql } from 'postgres';
import { SYSTEM_ACTOR, type Actor } from '../domain/actor.js';
import {
  alertKey,
  commonLabels,
  incidentTitle,
  mostSevere,
  prepareAlerts,
  promotionReason,
  serviceOf,
  type AlertRule,
  type AlertStatus,
  type IncomingNotification,
  type PreparedAlert,
} from '../domain/alerts.js';
import { incidentReference } from '../domain/incidents.js';
import { loadIntakePolicies } from './alertPolicies.js';
import { changeIncident, insertIncident } from './incidents.js';
import { appendAlertEvents, type AlertChange, type AlertInfo } from './alertEvents.js';

const infoOf = (a: PreparedAlert, status: AlertStatus): AlertInfo => ({
  source: a.source,
  fingerprint: a.fingerprint,
  alertname: a.alertname,
  severity: a.severity,
  status,
  labels: a.labels,
  annotations: a.annotations,
  startsAt: a.startsAt,
  endsAt: a.endsAt,
  suppressedBy: a.suppressedBy,
});

/** What intake did with one delivery; the route answers it. */
export interface IntakeSummary {
  /** Alerts in the payload, and distinct alerts after merging copies. */
  received: number;
  alerts: number;
  created: number;
  resolved: number;
  suppressed: number;
  /** Incidents the delivery's alerts are attached to; `opened` when this delivery promoted them. */
  incidents: Array<{ id: string; reference: string; opened: boolean }>;
}

interface UpsertedRow {
  id: string;
  fingerprint: string;
  startsAt: string;
  status: AlertStatus;
  incidentId: string | null;
  isInserted: boolean;
  isStatusChanged: boolean;
}

// Two transactions deciding promotion for one group at once would open two incidents; each group's decision is
// serialised by an advisory lock, taken in key order so two deliveries never wait on each other in a cycle.
async function lockGroups(tx: TransactionSql, keys: string[]): Promise<void> {
  await tx`select pg_advisory_xact_lock(h) from (select hashtextextended(k, 7041977) as h from unnest(${keys}::text[]) k order by k) s`;
}

/** The unresolved incident each group's alerts are attached to (the newest, should there be several). */
async function openIncidents(tx: TransactionSql, keys: string[]): Promise<Map<string, { id: string; number: number }>> {
  const rows = await tx<{ groupKey: string; id: string; number: number }[]>`
    select distinct on (a.group_key) a.group_key, i.id, i.number
    from alerts a join incidents i on i.id = a.incident_id
    where a.group_key = any(${keys}::text[]) and i.status <> 'resolved'
    order by a.group_key, i.started_at desc`;
  return new Map(rows.map((r) => [r.groupKey, { id: r.id, number: r.number }]));
}

/**
 * One statement for the whole delivery. A resolved alert stays resolved (a late firing copy cannot reopen it),
 * every delivery bumps count and last_seen_at, and status_xact tells which rows this transaction inserted or
 * resolved, so their timeline and outbox events are written exactly once even under concurrent deliveries.
 */
async function upsertAlerts(tx: TransactionSql, alerts: PreparedAlert[], incidentOf: (a: PreparedAlert) => string | null): Promise<UpsertedRow[]> {
  const rows = alerts.map((a) => ({
    source: a.source,
    fingerprint: a.fingerprint,
    starts_at: a.startsAt,
    ends_at: a.endsAt,
    status: a.status,
    alertname: a.alertname,
    severity: a.severity,
    labels: a.labels,
    annotations: a.annotations,
    generator_url: a.generatorUrl,
    details: a.details,
    group_key: a.group.key,
    group_description: a.group.description,
    rule_id: a.rule.id,
    suppressed_by: a.suppressedBy,
    incident_id: a.suppressedBy ? null : incidentOf(a),
    count: a.deliveries,
  }));
  return tx<UpsertedRow[]>`
    insert into alerts (source, fingerprint, starts_at, ends_at, status, alertname, severity, labels, annotations,
                        generator_url, details, group_key, group_description, rule_id, suppressed_by, incident_id, count)
    select * from jsonb_to_recordset(${tx.json(rows as never)}::jsonb) as x(
      source text, fingerprint text, starts_at timestamptz, ends_at timestamptz, status text, alertname text,
      severity text, labels jsonb, annotations jsonb, generator_url text, details jsonb, group_key text,
      group_description text, rule_id uuid, suppressed_by uuid, incident_id uuid, count integer)
    on conflict (source, fingerprint, starts_at) do update set
      status = case when alerts.status = 'resolved' then 'resolved' else excluded.status end,
      ends_at = case when alerts.status = 'resolved' then alerts.ends_at
                     else coalesce(excluded.ends_at, alerts.ends_at) end,
      annotations = case when alerts.status = 'resolved' then alerts.annotations else excluded.annotations end,
      generator_url = coalesce(excluded.generator_url, alerts.generator_url),
      details = alerts.details || excluded.details,
      suppressed_by = excluded.suppressed_by,
      last_seen_at = date_trunc('milliseconds', now()),
      count = alerts.count + excluded.count,
      status_xact = case when alerts.status = 'firing' and excluded.status = 'resolved' then pg_current_xact_id()
                         else alerts.status_xact end
    returning id, fingerprint, to_char(starts_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as starts_at,
              status, incident_id, (xmax = 0) as is_inserted, (status_xact = pg_current_xact_id()) as is_status_changed`;
}

interface Promotion {
  incident: { id: string; number: number };
  attached: Array<{ id: string; alert: AlertInfo }>;
}

/**
 * Opens an incident for a group whose alerts meet its rule, attaching every alert of the group seen within the
 * rule's window that is neither suppressed nor already on an incident.
 */
async function promoteIfDue(tx: TransactionSql, groupKey: string, rule: AlertRule): Promise<Promotion | null> {
  const candidates = await tx<(AlertInfo & { id: string; groupDescription: string })[]>`
    select id, source, fingerprint, alertname, severity, status, labels, annotations, suppressed_by, group_description,
           to_char(starts_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as starts_at,
           to_char(ends_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ends_at
    from alerts
    where group_key = ${groupKey} and incident_id is null and suppressed_by is null
      and last_seen_at >= now() - make_interval(mins => ${rule.windowMinutes})
    order by starts_at, id`;
  const reason = promotionReason(rule, {
    alerts: candidates.length,
    alertnames: new Set(candidates.map((c) => c.alertname)).size,
    severities: candidates.filter((c) => c.status === 'firing').map((c) => c.severity),
  });
  if (!reason) return null;

  const names = [...new Set(candidates.map((c) => serviceOf(c.labels)).filter((s): s is string => s !== null))];
  const known = names.length ? await tx<{ name: string }[]>`select name from services where name = any(${names})` : [];
  const earliest = Math.min(Date.now(), ...candidates.map((c) => Date.parse(c.startsAt)));
  const incident = await insertIncident(
    tx,
    {
      title: incidentTitle(candidates),
      description: `Opened from alerts (${reason}; rule ${rule.name}). Group: ${candidates[0]!.groupDescription}`,
      severity: mostSevere(candidates.map((c) => c.severity)),
      labels: commonLabels(candidates.map((c) => c.labels)),
      services: known.map((k) => k.name),
      startedAt: new Date(earliest),
    },
    SYSTEM_ACTOR
  );
  const ids = candidates.map((c) => c.id);
  await tx`update alerts set incident_id = ${incident.id} where id = any(${ids}::uuid[])`;
  return {
    incident: { id: incident.id, number: incident.number },
    attached: candidates.map(({ id, groupDescription: _g, ...alert }) => ({ id, alert })),
  };
}

/**
 * After alerts resolved: an incident whose alerts are now all resolved follows them (rule `follow`) or gets a
 * timeline note saying so (`note`, the default), once, in the same transaction.
 */
async function settleIncidents(tx: TransactionSql, incidents: Map<string, AlertRule>): Promise<AlertChange[]> {
  const notes: AlertChange[] = [];
  for (const [incidentId, rule] of incidents) {
    const [state] = await tx<{ firing: number; total: number; status: string; version: number; number: number }[]>`
      select (select count(*) filter (where status = 'firing') from alerts where incident_id = i.id)::int as firing,
             (select count(*) from alerts where incident_id = i.id)::int as total,
             i.status, i.version, i.number
      from incidents i where i.id = ${incidentId} for update`;
    if (!state || state.firing > 0 || state.status === 'resolved') continue;
    if (rule.autoResolve === 'follow') {
      await changeIncident(tx, incidentId, state.version, { status: 'resolved' }, SYSTEM_ACTOR);
    }
    notes.push({
      kind: 'note',
      incidentId,
      message:
        rule.autoResolve === 'follow'
          ? `All ${state.total} alerts resolved: resolved by rule ${rule.name}`
          : `All ${state.total} alerts resolved; INC-${state.number} stays ${state.status} (rule ${rule.name} only notes this)`,
      data: { rule: rule.name, alerts: state.total, autoResolve: rule.autoResolve },
    });
  }
  return notes;
}

/**
 * Stores one webhook delivery in one transaction: upserts every alert (idempotent on source + fingerprint +
 * startsAt), attaches new alerts to their group's open incident, promotes groups that meet their rule, follows
 * resolutions, and writes a timeline entry per alert fired or resolved on its incident plus outbox events
 * (topic `alerts` and the incident's), all committed together or not at all.
 */
export async function ingestAlerts(sql: Sql, notification: IncomingNotification, actor: Actor): Promise<IntakeSummary> {
  return sql.begin(async (tx) => {
    const now = new Date();
    const { rules, silences } = await loadIntakePolicies(tx);
    const alerts = prepareAlerts(notification, rules, silences, now);
    const byKey = new Map(alerts.map((a) => [alertKey(a), a]));
    const groupKeys = [...new Set(alerts.map((a) => a.group.key))].sort();
    await lockGroups(tx, groupKeys);
    const open = await openIncidents(tx, groupKeys);
    const rows = await upsertAlerts(tx, alerts, (a) => open.get(a.group.key)?.id ?? null);

    const changes: AlertChange[] = [];
    const resolvedOn = new Map<string, AlertRule>();
    const toPromote = new Map<string, AlertRule>();
    const incidentIds = new Set<string>();
    const opened = new Map<string, number>();
    for (const row of rows) {
      const alert = byKey.get(alertKey(row))!;
      if (row.incidentId) incidentIds.add(row.incidentId);
      if (!row.isStatusChanged) continue;
      changes.push({ kind: row.status === 'resolved' ? 'resolved' : 'fired', alertId: row.id, alert: infoOf(alert, row.status), incidentId: row.incidentId, isNew: row.isInserted });
      if (row.status === 'resolved' && row.incidentId) resolvedOn.set(row.incidentId, alert.rule);
      // Only a new firing alert can open an incident: one first seen already resolved is history, not a page.
      if (row.isInserted && row.status === 'firing' && !row.incidentId && !alert.suppressedBy) toPromote.set(alert.group.key, alert.rule);
    }
    for (const [groupKey, rule] of toPromote) {
      const promotion = await promoteIfDue(tx, groupKey, rule);
      if (!promotion) continue;
      opened.set(promotion.incident.id, promotion.incident.number);
      for (const { id, alert } of promotion.attached) {
        const change = changes.find((c) => c.kind !== 'note' && c.alertId === id);
        if (change && change.kind !== 'note') change.incidentId = promotion.incident.id;
        else changes.push({ kind: 'attached', alertId: id, alert, incidentId: promotion.incident.id });
      }
    }
    changes.push(...(await settleIncidents(tx, resolvedOn)));
    await appendAlertEvents(tx, changes, actor);
    const numbers = new Map([...open.values()].map((i) => [i.id, i.number]));
    const unknown = [...incidentIds].filter((id) => !numbers.has(id));
    if (unknown.length) {
      for (const r of await tx<{ id: string; number: number }[]>`select id, number from incidents where id = any(${unknown}::uuid[])`) {
        numbers.set(r.id, r.number);
      }
    }

    return {
      received: notification.alerts.length,
      alerts: alerts.length,
      created: rows.filter((r) => r.isInserted).length,
      resolved: changes.filter((c) => c.kind === 'resolved').length,
      suppressed: alerts.filter((a) => a.suppressedBy).length,
      incidents: [
        ...[...incidentIds].filter((id) => !opened.has(id)).map((id) => ({ id, reference: incidentReference(numbers.get(id) ?? 0), opened: false })),
        ...[...opened].map(([id, number]) => ({ id, reference: incidentReference(number), opened: true })),
      ],
    };
  });
}
