import type { Sql, TransactionSql } from 'postgres';
import { SYSTEM_ACTOR, type Actor } from '../domain/actor.js';
import { commonLabels, incidentTitle, mostSevere, serviceOf, type IncomingNotification } from '../domain/alerts.js';
import {
  DEFAULT_RULE,
  prepareAlerts,
  promotionReason,
  type AlertRule,
  type GroupKey,
  type PreparedAlert,
} from '../domain/alertRules.js';
import { incidentReference, type Severity } from '../domain/incidents.js';
import {
  alertsEventJson,
  alertTimelineColumns,
  notifyOnce,
  recordAttached,
  timelineBatchEvents,
  TIMELINE_KINDS,
} from './alertEvents.js';
import { cachedIntakePolicies } from './alertPolicies.js';
import { startEscalation } from './escalations.js';
import { changeIncident, insertIncident } from './incidents.js';
import { insertTimelineEvent } from './timeline.js';

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

/** What one statement did, per group, rule and incident of the delivery (a few rows, not one per alert). */
interface StoredGroup {
  groupKey: string;
  ruleId: string | null;
  incidentId: string | null;
  incidentNumber: number | null;
  inserted: number;
  resolved: number;
  suppressed: number;
  /** New firing alerts, neither suppressed nor on an incident: the group may be due for promotion. */
  isPromotable: boolean;
}

// Two transactions deciding promotion for one group at once would open two incidents; each group's decision is
// serialised by an advisory lock, taken in key order so two deliveries never wait on each other in a cycle.
function lockGroups(tx: TransactionSql, keys: string[]) {
  return tx`select pg_advisory_xact_lock(h) from (select hashtextextended(k, 7041977) as h from unnest(${keys}::text[]) k order by k) s`;
}

/**
 * The common path in one statement: upsert every alert (a resolved alert stays resolved; every delivery bumps
 * count and last_seen_at), attach new ones to their group's open incident, and for each alert this statement
 * inserted or resolved (status_xact says which, even under concurrent deliveries) write its timeline entries;
 * then the outbox events (a `timeline.batch` per incident, one `alerts.stored`) and one NOTIFY.
 */
function upsertAlerts(
  tx: TransactionSql,
  alerts: PreparedAlert[],
  groups: GroupKey[],
  shared: Record<string, unknown>,
  actor: Actor
) {
  // Null fields are left out (jsonb_to_recordset reads a missing key as null): the rows are most of what a
  // delivery sends to Postgres.
  const rows = alerts.map((a) => {
    const row: Record<string, unknown> = {
      fingerprint: a.fingerprint,
      starts_at: a.startsAt,
      status: a.status,
      alertname: a.alertname,
      severity: a.severity,
      labels: a.labels,
      annotations: a.annotations,
      group_key: a.group.key,
    };
    if (a.endsAt) row.ends_at = a.endsAt;
    if (a.generatorUrl) row.generator_url = a.generatorUrl;
    if (Object.keys(a.details).length) row.details = a.details;
    if (a.rule.id) row.rule_id = a.rule.id;
    if (a.suppressedBy) row.suppressed_by = a.suppressedBy;
    if (a.deliveries > 1) row.count = a.deliveries;
    return row;
  });
  const source = alerts[0]?.source ?? 'alertmanager';
  return tx<StoredGroup[]>`
    with input as (
      select ${source}::text as source, fingerprint, starts_at, ends_at, status, alertname, severity, labels,
             annotations, generator_url, ${tx.json(shared as never)}::jsonb || coalesce(details, '{}') as details,
             group_key, rule_id, suppressed_by, coalesce(count, 1) as count
      from jsonb_to_recordset(${tx.json(rows as never)}::jsonb) as x(
        fingerprint text, starts_at timestamptz, ends_at timestamptz, status text, alertname text, severity text,
        labels jsonb, annotations jsonb, generator_url text, details jsonb, group_key text, rule_id uuid,
        suppressed_by uuid, count integer)
    ), delivered_groups as (
      select key, description from jsonb_to_recordset(${tx.json(groups as never)}::jsonb) as g(key text, description text)
    ), seen as (
      insert into alert_groups (key, description) select key, description from delivered_groups
      on conflict (key) do nothing
    ), open as (
      -- From the groups, not from input: input is then read once, so Postgres streams it instead of storing it.
      select g.key, g.incident_id from alert_groups g join incidents i on i.id = g.incident_id
      where g.key in (select key from delivered_groups) and i.status <> 'resolved'
    ), a as (
      insert into alerts (source, fingerprint, starts_at, ends_at, status, alertname, severity, labels, annotations,
                          generator_url, details, group_key, rule_id, suppressed_by, incident_id, count)
      select input.source, fingerprint, starts_at, ends_at, status, alertname, severity, labels, annotations,
             generator_url, details, group_key, rule_id, suppressed_by,
             case when suppressed_by is null then open.incident_id end, count
      from input left join open on open.key = input.group_key
      on conflict (source, fingerprint, starts_at) do update set
        status = case when alerts.status = 'resolved' then 'resolved' else excluded.status end,
        ends_at = case when alerts.status = 'resolved' then alerts.ends_at else coalesce(excluded.ends_at, alerts.ends_at) end,
        annotations = case when alerts.status = 'resolved' then alerts.annotations else excluded.annotations end,
        generator_url = coalesce(excluded.generator_url, alerts.generator_url),
        details = alerts.details || excluded.details,
        suppressed_by = excluded.suppressed_by,
        last_seen_at = date_trunc('milliseconds', now()),
        count = alerts.count + excluded.count,
        status_xact = case when alerts.status = 'firing' and excluded.status = 'resolved' then pg_current_xact_id()
                           else alerts.status_xact end
      -- What the timeline entries, the events and the summary below read, not whole rows: a storm's rows are wide.
      returning alerts.id, alerts.source, alerts.fingerprint, alerts.starts_at, alerts.ends_at, alerts.status,
                alerts.alertname, alerts.severity, alerts.labels, alerts.annotations, alerts.group_key, alerts.rule_id,
                alerts.suppressed_by, alerts.incident_id,
                (xmax = 0) as is_inserted, (status_xact = pg_current_xact_id()) as is_status_changed
    ), tl as (
      insert into timeline_events (incident_id, type, author, source, message, data, occurred_at)
      select ${alertTimelineColumns(tx, actor)} from a cross join ${tx.unsafe(TIMELINE_KINDS)}
      where a.is_status_changed and a.incident_id is not null and a.suppressed_by is null
        and ((k.type = 'alert_fired' and a.is_inserted) or (k.type = 'alert_resolved' and a.status = 'resolved'))
      returning id, incident_id
    ), ev as (
      insert into events (topic, type, payload, actor)
      ${timelineBatchEvents(tx, actor)}
      union all
      select 'alerts', 'alerts.stored', ${alertsEventJson(tx)}, ${actor.name}
      from a where a.is_status_changed having count(*) > 0
      returning seq
    )
    select a.group_key, a.rule_id, a.incident_id, i.number as incident_number,
           (count(*) filter (where a.is_inserted))::int as inserted,
           (count(*) filter (where a.is_status_changed and a.status = 'resolved'))::int as resolved,
           (count(*) filter (where a.suppressed_by is not null))::int as suppressed,
           bool_or(a.is_inserted and a.status = 'firing' and a.incident_id is null and a.suppressed_by is null)
             as is_promotable,
           ${notifyOnce(tx)} as notified
    from a left join incidents i on i.id = a.incident_id
    group by a.group_key, a.rule_id, a.incident_id, i.number`;
}

/**
 * Which of these groups (each with its rule) now meet their rule, and why: one query for all of them, since a
 * delivery grouped by labels may touch hundreds of groups. Counts the group's alerts seen within the rule's window
 * that are neither suppressed nor on an incident.
 */
async function groupsDue(tx: TransactionSql, groups: Map<string, AlertRule>): Promise<Map<string, string>> {
  const keys = [...groups.keys()];
  const stats = await tx<{ groupKey: string; alerts: number; alertnames: number; severities: Severity[] }[]>`
    select a.group_key, count(*)::int as alerts, count(distinct a.alertname)::int as alertnames,
           coalesce(array_agg(distinct a.severity) filter (where a.status = 'firing'), '{}') as severities
    from alerts a join unnest(${keys}::text[], ${keys.map((k) => groups.get(k)!.windowMinutes)}::int[]) as g(key, minutes)
      on a.group_key = g.key
    where a.incident_id is null and a.suppressed_by is null and a.last_seen_at >= now() - make_interval(mins => g.minutes)
    group by a.group_key`;
  const due = new Map<string, string>();
  for (const s of stats) {
    const reason = promotionReason(groups.get(s.groupKey)!, s);
    if (reason) due.set(s.groupKey, reason);
  }
  return due;
}

/**
 * Opens an incident for a group that is due (groupsDue), attaching every alert of the group seen within the rule's
 * window that is neither suppressed nor already on an incident. Returns the incident's id and number.
 */
async function promote(
  tx: TransactionSql,
  group: GroupKey,
  rule: AlertRule,
  reason: string,
  actor: Actor
): Promise<{ id: string; number: number }> {
  const candidates = await tx<
    {
      id: string;
      alertname: string;
      severity: Severity;
      labels: Record<string, string>;
      annotations: Record<string, string>;
      startsAt: Date;
    }[]
  >`
    select id, alertname, severity, labels, annotations, starts_at from alerts
    where group_key = ${group.key} and incident_id is null and suppressed_by is null
      and last_seen_at >= now() - make_interval(mins => ${rule.windowMinutes})
    order by starts_at, first_seen_at, fingerprint`;

  const names = [...new Set(candidates.map((c) => serviceOf(c.labels)).filter((s): s is string => s !== null))];
  const known = names.length ? await tx<{ name: string }[]>`select name from services where name = any(${names})` : [];
  const incident = await insertIncident(
    tx,
    {
      title: incidentTitle(candidates),
      description: `Opened from alerts (${reason}; rule ${rule.name}). Group: ${group.description}`,
      severity: mostSevere(candidates.map((c) => c.severity)),
      labels: commonLabels(candidates.map((c) => c.labels)),
      services: known.map((k) => k.name),
      startedAt: new Date(Math.min(Date.now(), ...candidates.map((c) => c.startsAt.getTime()))),
    },
    SYSTEM_ACTOR
  );
  const ids = candidates.map((c) => c.id);
  await tx`update alerts set incident_id = ${incident.id} where id = any(${ids}::uuid[])`;
  await tx`
    update alert_groups set incident_id = ${incident.id}, updated_at = date_trunc('milliseconds', now())
    where key = ${group.key}`;
  // The entries say what the sender reported; the incident itself is the studio's doing (SYSTEM_ACTOR).
  await recordAttached(tx, ids, actor);
  // Paging starts with the incident: its first step's pages are queued in this transaction.
  await startEscalation(tx, incident.id, SYSTEM_ACTOR);
  return { id: incident.id, number: incident.number };
}

/**
 * After alerts resolved: an incident whose alerts are now all resolved follows them (rule `follow`) or gets a
 * timeline note saying so (`note`, the default), once, in the same transaction.
 */
async function settleIncidents(tx: TransactionSql, incidents: Map<string, AlertRule>): Promise<void> {
  for (const [incidentId, rule] of incidents) {
    const [state] = await tx<{ firing: number; total: number; status: string; version: number; number: number }[]>`
      select (select count(*) filter (where status = 'firing') from alerts where incident_id = i.id)::int as firing,
             (select count(*) from alerts where incident_id = i.id)::int as total,
             i.status, i.version, i.number
      from incidents i where i.id = ${incidentId} for update`;
    if (!state || state.firing > 0 || state.status === 'resolved') continue;
    if (rule.autoResolve === 'follow')
      await changeIncident(tx, incidentId, state.version, { status: 'resolved' }, SYSTEM_ACTOR);
    await insertTimelineEvent(tx, incidentId, SYSTEM_ACTOR, {
      type: 'alerts_resolved',
      message:
        rule.autoResolve === 'follow'
          ? `All ${state.total} alerts resolved: resolved by rule ${rule.name}`
          : `All ${state.total} alerts resolved; ${incidentReference(state.number)} stays ${state.status} (rule ${rule.name} only notes this)`,
      data: { rule: rule.name, alerts: state.total, autoResolve: rule.autoResolve },
    });
  }
}

/**
 * Stores one webhook delivery in one transaction: upserts every alert (idempotent on source + fingerprint +
 * startsAt), attaches new alerts to their group's open incident, promotes groups that meet their rule, follows
 * resolutions, and writes a timeline entry per alert fired or resolved on its incident plus outbox events
 * (topic `alerts` and the incident's), all committed together or not at all. The common case is one round trip
 * (BEGIN, the group locks and the upsert statement are pipelined) plus COMMIT.
 */
export async function ingestAlerts(sql: Sql, notification: IncomingNotification, actor: Actor): Promise<IntakeSummary> {
  const { rules, silences } = await cachedIntakePolicies(sql);
  const alerts = prepareAlerts(notification, rules, silences, new Date());
  const ruleById = new Map(rules.map((r) => [r.id, r]));
  const ruleOf = (id: string | null) => (id && ruleById.get(id)) || DEFAULT_RULE;
  return sql.begin(async (tx) => {
    const groupByKey = new Map(alerts.map((a) => [a.group.key, a.group]));
    const groupKeys = [...groupByKey.keys()].sort();
    // Sent together: Postgres runs them in order, so the upsert's snapshot is taken after the locks are held.
    const [, rows] = await Promise.all([
      lockGroups(tx, groupKeys),
      upsertAlerts(tx, alerts, [...groupByKey.values()], notification.details ?? {}, actor),
    ]);

    const incidents = new Map<string, { number: number; opened: boolean }>();
    const resolvedOn = new Map<string, AlertRule>();
    const toPromote = new Map<string, AlertRule>();
    for (const row of rows) {
      if (row.incidentId) incidents.set(row.incidentId, { number: row.incidentNumber!, opened: false });
      if (row.resolved > 0 && row.incidentId) resolvedOn.set(row.incidentId, ruleOf(row.ruleId));
      // Only a new firing alert can open an incident: one first seen already resolved is history, not a page.
      if (row.isPromotable) toPromote.set(row.groupKey, ruleOf(row.ruleId));
    }
    const due = toPromote.size ? await groupsDue(tx, toPromote) : new Map<string, string>();
    for (const [groupKey, reason] of due) {
      const incident = await promote(tx, groupByKey.get(groupKey)!, toPromote.get(groupKey)!, reason, actor);
      incidents.set(incident.id, { number: incident.number, opened: true });
    }
    await settleIncidents(tx, resolvedOn);
    return {
      received: notification.alerts.length,
      alerts: alerts.length,
      created: rows.reduce((n, r) => n + r.inserted, 0),
      resolved: rows.reduce((n, r) => n + r.resolved, 0),
      suppressed: rows.reduce((n, r) => n + r.suppressed, 0),
      incidents: [...incidents].map(([id, i]) => ({ id, reference: incidentReference(i.number), opened: i.opened })),
    };
  });
}
