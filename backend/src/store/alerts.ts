import type { Sql } from 'postgres';
import type { AlertSource, AlertStatus } from '../domain/alerts.js';
import { AppError } from '../domain/errors.js';
import { incidentReference, type IncidentStatus, type Severity } from '../domain/incidents.js';

export interface Alert {
  id: string;
  source: AlertSource;
  fingerprint: string;
  status: AlertStatus;
  alertname: string;
  severity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  endsAt: Date | null;
  generatorUrl: string | null;
  details: Record<string, unknown>;
  groupKey: string;
  groupDescription: string;
  ruleId: string | null;
  suppressedBy: string | null;
  /** The incident this alert is part of, both ways: GET /api/incidents/:id/alerts lists them. */
  incident: { id: string; reference: string; status: IncidentStatus } | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  count: number;
  /** startsAt with microseconds: the keyset cursor's position (Dates keep only milliseconds). */
  startsKey: string;
}

export interface AlertQuery {
  statuses?: AlertStatus[];
  severities?: Severity[];
  sources?: AlertSource[];
  alertname?: string;
  /** Label equality filters (all must hold). */
  labels?: Record<string, string>;
  incidentId?: string;
  /** true: only alerts on an incident; false: only alerts on none. */
  hasIncident?: boolean;
  isSuppressed?: boolean;
  from?: Date;
  to?: Date;
  limit: number;
  /** Keyset position: alerts strictly after this one in (startsAt desc, id desc) order. */
  after?: { startsKey: string; id: string };
}

type Row = Omit<Alert, 'incident'> & {
  incidentId: string | null;
  incidentNumber: number | null;
  incidentStatus: IncidentStatus | null;
};

const toAlert = ({ incidentId, incidentNumber, incidentStatus, ...row }: Row): Alert => ({
  ...row,
  incident: incidentId
    ? { id: incidentId, reference: incidentReference(incidentNumber!), status: incidentStatus! }
    : null,
});

function selectAlerts(sql: Sql) {
  return sql`
    select a.id, a.source, a.fingerprint, a.status, a.alertname, a.severity, a.labels, a.annotations,
           a.starts_at, to_char(a.starts_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as starts_key, a.ends_at, a.generator_url, a.details,
           a.group_key, coalesce(g.description, '') as group_description, a.rule_id, a.suppressed_by, a.first_seen_at, a.last_seen_at, a.count,
           a.incident_id, i.number as incident_number, i.status as incident_status
    from alerts a left join incidents i on i.id = a.incident_id left join alert_groups g on g.key = a.group_key`;
}

/** Alerts newest first (by startsAt), filtered; `limit` rows from the keyset position. */
export async function listAlerts(sql: Sql, q: AlertQuery): Promise<Alert[]> {
  const conditions = [
    q.statuses?.length ? sql`a.status = any(${q.statuses})` : null,
    q.severities?.length ? sql`a.severity = any(${q.severities})` : null,
    q.sources?.length ? sql`a.source = any(${q.sources})` : null,
    q.alertname ? sql`a.alertname = ${q.alertname}` : null,
    q.labels && Object.keys(q.labels).length ? sql`a.labels @> ${sql.json(q.labels)}` : null,
    q.incidentId ? sql`a.incident_id = ${q.incidentId}` : null,
    q.hasIncident === undefined ? null : q.hasIncident ? sql`a.incident_id is not null` : sql`a.incident_id is null`,
    q.isSuppressed === undefined
      ? null
      : q.isSuppressed
        ? sql`a.suppressed_by is not null`
        : sql`a.suppressed_by is null`,
    q.from ? sql`a.starts_at >= ${q.from}` : null,
    q.to ? sql`a.starts_at < ${q.to}` : null,
    q.after ? sql`(a.starts_at, a.id) < (${q.after.startsKey}::timestamptz, ${q.after.id}::uuid)` : null,
  ].filter((c) => c !== null);
  const where = conditions.reduce((acc, c, n) => (n === 0 ? sql`where ${c}` : sql`${acc} and ${c}`), sql``);
  const rows = await sql<Row[]>`
    ${selectAlerts(sql)} ${where}
    order by a.starts_at desc, a.id desc
    limit ${q.limit}`;
  return rows.map(toAlert);
}

export async function getAlert(sql: Sql, id: string): Promise<Alert> {
  const [row] = await sql<Row[]>`${selectAlerts(sql)} where a.id = ${id}`;
  if (!row) throw new AppError({ code: 'ALERT_NOT_FOUND', message: `No alert with id ${id}`, details: { id } });
  return toAlert(row);
}
