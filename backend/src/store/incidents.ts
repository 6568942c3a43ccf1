import type { Sql, TransactionSql } from 'postgres';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import {
  applyChanges,
  incidentReference,
  type IncidentChanges,
  type IncidentStatus,
  type Severity,
} from '../domain/incidents.js';
import { SEVERITY_ORDER } from '../domain/notifications.js';
import { queueNotifications } from './deliveries.js';
import { appendEvent } from './events.js';
import { startEscalation, stopEscalation } from './escalations.js';
import { ensureServices } from './services.js';
import { insertTimelineEvent } from './timeline.js';

export interface ImpactedService {
  id: string;
  name: string;
  impact: 'major' | 'partial' | 'minor';
}

export interface Incident {
  id: string;
  reference: string;
  number: number;
  title: string;
  description: string;
  severity: Severity;
  status: IncidentStatus;
  commander: string | null;
  labels: Record<string, string>;
  services: ImpactedService[];
  startedAt: Date;
  detectedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface NewIncident {
  title: string;
  description?: string;
  severity: Severity;
  commander?: string | null;
  labels?: Record<string, string>;
  services?: string[];
  startedAt?: Date;
  /** Start the escalation policy its services name (declaring only: alert promotion always starts it). */
  page?: boolean;
}

export interface IncidentQuery {
  statuses?: IncidentStatus[];
  severities?: Severity[];
  service?: string;
  text?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset?: number;
  /** Order of the list (default `newest`). */
  sort?: IncidentSort;
  /** Keyset position: return incidents strictly after this one in the sort's order (a row's `position`). */
  after?: IncidentPosition;
}

/**
 * Orders of the incident list. `severity`: most severe first; `status`: earliest in the lifecycle first (open
 * before resolved); `duration`: ongoing ones first, longest running first, then resolved ones, longest first.
 * Ties go newest first, then by id, so every order is total and keyset pagination never skips or repeats a row.
 */
export const INCIDENT_SORTS = ['newest', 'oldest', 'severity', 'status', 'duration'] as const;
export type IncidentSort = (typeof INCIDENT_SORTS)[number];

/** Where a row sits in its sort: the sort keys as Postgres prints them (exact, microseconds kept), then the id. */
export interface IncidentPosition {
  keys: string[];
  id: string;
}

/** A listed incident and its position, for the next page's cursor. */
export interface ListedIncident {
  incident: Incident;
  position: IncidentPosition;
}

type Db = Sql | TransactionSql;

/** One select used everywhere, so every answer carries the same complete incident. */
function selectIncidents(sql: Db, extraColumns = sql``) {
  return sql`
    select ${extraColumns} i.id, i.number, i.title, i.description, i.severity, i.status, i.commander, i.labels,
           i.started_at, i.detected_at, i.acknowledged_at, i.resolved_at, i.created_by, i.created_at,
           i.updated_at, i.version,
           coalesce((
             select json_agg(json_build_object('id', s.id, 'name', s.name, 'impact', x.impact) order by s.name)
             from incident_services x join services s on s.id = x.service_id
             where x.incident_id = i.id
           ), '[]'::json) as services
    from incidents i`;
}

function withReference(row: Omit<Incident, 'reference'>): Incident {
  return { ...row, reference: incidentReference(row.number) };
}

async function findIncident(sql: Db, id: string, forUpdate = false): Promise<Incident | undefined> {
  const [row] = await sql<Omit<Incident, 'reference'>[]>`
    ${selectIncidents(sql)} where i.id = ${id} ${forUpdate ? sql`for update of i` : sql``}`;
  return row && withReference(row);
}

/** The incidents with these ids, in the order asked; undefined where there is none. */
export async function findIncidents(sql: Db, ids: readonly string[]): Promise<Array<Incident | undefined>> {
  const rows = await sql<Omit<Incident, 'reference'>[]>`${selectIncidents(sql)} where i.id = any(${[...ids]}::uuid[])`;
  const byId = new Map(rows.map((row) => [row.id, withReference(row)]));
  return ids.map((id) => byId.get(id));
}

function notFound(id: string): AppError {
  return new AppError({ code: 'INCIDENT_NOT_FOUND', message: `No incident with id ${id}`, details: { id } });
}

export async function getIncident(sql: Sql, id: string): Promise<Incident> {
  const incident = await findIncident(sql, id);
  if (!incident) throw notFound(id);
  return incident;
}

/** Throws INCIDENT_NOT_FOUND unless the incident exists. */
export async function assertIncidentExists(sql: Db, id: string): Promise<void> {
  const [row] = await sql`select 1 from incidents where id = ${id}`;
  if (!row) throw notFound(id);
}

// LIKE treats % and _ as wildcards; a user searching for "50%" means the characters.
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

interface SortKey {
  expr: ReturnType<Sql['unsafe']>;
  cast: 'timestamptz' | 'int' | 'numeric';
}

// Each sort is one direction over all its keys, so "after this row" is a single row comparison that an index on
// the same expressions can serve (incidents_started_at_id serves newest and oldest).
function sortKeys(sql: Sql, sort: IncidentSort): { keys: SortKey[]; direction: 'asc' | 'desc' } {
  const startedAt: SortKey = { expr: sql.unsafe('i.started_at'), cast: 'timestamptz' };
  switch (sort) {
    case 'newest':
      return { keys: [startedAt], direction: 'desc' };
    case 'oldest':
      return { keys: [startedAt], direction: 'asc' };
    case 'severity':
      return {
        keys: [
          { expr: sql.unsafe(`array_position(array['low','medium','high','critical'], i.severity)`), cast: 'int' },
          startedAt,
        ],
        direction: 'desc',
      };
    case 'status':
      return {
        keys: [
          {
            expr: sql.unsafe(
              `array_position(array['resolved','monitoring','identified','investigating','open'], i.status)`
            ),
            cast: 'int',
          },
          startedAt,
        ],
        direction: 'desc',
      };
    case 'duration':
      // Ongoing first (1), the earliest start first (the larger -epoch); then resolved, the longest first.
      return {
        keys: [
          { expr: sql.unsafe('(i.resolved_at is null)::int'), cast: 'int' },
          {
            expr: sql.unsafe(
              'case when i.resolved_at is null then -extract(epoch from i.started_at) ' +
                'else extract(epoch from i.resolved_at - i.started_at) end'
            ),
            cast: 'numeric',
          },
        ],
        direction: 'desc',
      };
  }
}

const joinWith = (sql: Sql, parts: Array<ReturnType<Sql['unsafe']>>, separator: string) =>
  parts.reduce((acc, part, n) => (n === 0 ? sql`${part}` : sql`${acc}${sql.unsafe(separator)}${part}`), sql``);

/** One page of the list in the requested order, each row with its position (for the next page's cursor). */
export async function listIncidents(sql: Sql, query: IncidentQuery): Promise<ListedIncident[]> {
  const { keys, direction } = sortKeys(sql, query.sort ?? 'newest');
  if (query.after && query.after.keys.length !== keys.length) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      message: 'Invalid query: the cursor belongs to another sort',
      details: { issues: [{ path: 'cursor', message: 'issued for another sort' }] },
    });
  }
  const after = query.after;
  const keyTuple = joinWith(sql, [...keys.map((k) => k.expr), sql.unsafe('i.id')], ', ');
  const conditions = [
    query.statuses?.length ? sql`i.status = any(${query.statuses})` : null,
    query.severities?.length ? sql`i.severity = any(${query.severities})` : null,
    query.service
      ? sql`exists (select 1 from incident_services x join services s on s.id = x.service_id
                    where x.incident_id = i.id and s.name = ${query.service})`
      : null,
    query.text
      ? sql`(i.title ilike ${likePattern(query.text)} or i.description ilike ${likePattern(query.text)})`
      : null,
    query.from ? sql`i.started_at >= ${query.from}` : null,
    query.to ? sql`i.started_at < ${query.to}` : null,
    after
      ? sql`(${keyTuple}) ${sql.unsafe(direction === 'desc' ? '<' : '>')} (${joinWith(
          sql,
          [...keys.map((k, n) => sql`${after.keys[n]!}::${sql.unsafe(k.cast)}`), sql`${after.id}::uuid`],
          ', '
        )})`
      : null,
  ].filter((c) => c !== null);
  const where = conditions.reduce((acc, c, n) => (n === 0 ? sql`where ${c}` : sql`${acc} and ${c}`), sql``);
  const order = joinWith(
    sql,
    [...keys.map((k) => k.expr), sql.unsafe('i.id')].map((e) => sql`${e} ${sql.unsafe(direction)}`),
    ', '
  );
  // The keys are selected as text: Postgres prints timestamps with their microseconds and numerics exactly, so
  // the cursor compares equal to the row it came from.
  const keyText = joinWith(
    sql,
    keys.map((k) => sql`(${k.expr})::text`),
    ', '
  );
  const rows = await sql<Array<Omit<Incident, 'reference'> & { sortKeys: string[] }>>`
    ${selectIncidents(sql, sql`array[${keyText}] as sort_keys,`)} ${where}
    order by ${order}
    limit ${query.limit} offset ${query.offset ?? 0}`;
  return rows.map(({ sortKeys: k, ...row }) => ({ incident: withReference(row), position: { keys: k, id: row.id } }));
}

/** Every unresolved incident, the most severe and then the oldest first: what an on-call engineer triages. */
export async function listActiveIncidents(sql: Sql): Promise<Incident[]> {
  const rows = await sql<Omit<Incident, 'reference'>[]>`
    ${selectIncidents(sql)} where i.status <> 'resolved'
    order by array_position(array['critical','high','medium','low'], i.severity), i.started_at`;
  return rows.map(withReference);
}

/**
 * Creates the incident, its impacted services, the "created" timeline entry and the outbox event, atomically. A
 * service the catalog does not know is added to it (declaring must not wait for catalog upkeep), and the "created"
 * entry says so.
 */
export async function createIncident(sql: Sql, input: NewIncident, actor: Actor): Promise<Incident> {
  return sql.begin(async (tx) => {
    const incident = await insertIncident(tx, input, actor);
    // Asked to page and nobody would be: refused, so the declarer does not wait for an answer that cannot come.
    if (input.page && !(await startEscalation(tx, incident.id, actor))) {
      throw new AppError({
        code: 'VALIDATION_FAILED',
        message: 'Invalid body: page is set but none of the services names an escalation policy with steps',
        details: { issues: [{ path: 'page', message: 'none of the services names an escalation policy with steps', code: 'custom' }] },
      });
    }
    return incident;
  });
}

/** createIncident inside the caller's transaction (alert promotion opens incidents in the intake's transaction). */
export async function insertIncident(tx: TransactionSql, input: NewIncident, actor: Actor): Promise<Incident> {
  const { ids: serviceIds, added } = await ensureServices(tx, input.services ?? []);
  const [row] = await tx<{ id: string }[]>`
    insert into incidents (title, description, severity, commander, labels, created_by, started_at, detected_at)
    values (${input.title}, ${input.description ?? ''}, ${input.severity}, ${input.commander ?? null},
            ${tx.json(input.labels ?? {})}, ${actor.name},
            coalesce(${input.startedAt ?? null}::timestamptz, date_trunc('milliseconds', now())),
            date_trunc('milliseconds', now()))
    returning id`;
  const id = row!.id;
  for (const serviceId of serviceIds.values()) {
    await tx`insert into incident_services (incident_id, service_id) values (${id}, ${serviceId})`;
  }
  const incident = (await findIncident(tx, id))!;
  const addedNote = added.length ? ` (added to the service catalog: ${added.join(', ')})` : '';
  await insertTimelineEvent(tx, id, actor, {
    type: 'created',
    message: `${incident.reference} declared (${incident.severity}): ${incident.title}${addedNote}`,
    data: { severity: incident.severity, services: input.services ?? [], ...(added.length ? { servicesAdded: added } : {}) },
  });
  await appendEvent(tx, { topic: 'incidents', type: 'incident.created', payload: incident, actor: actor.name });
  await queueNotifications(tx, id, 'declared', incident.description || null);
  return incident;
}

/**
 * Applies changes under optimistic concurrency: the caller's version must be the stored one (else 409 with the
 * current incident, so the UI can show what changed); without a version the last write wins. Each real change becomes a timeline entry; the whole
 * update is one outbox event. A request that changes nothing returns the incident untouched.
 */
export async function updateIncident(
  sql: Sql,
  id: string,
  version: number | undefined,
  changes: IncidentChanges,
  actor: Actor
): Promise<Incident> {
  return sql.begin((tx) => changeIncident(tx, id, version, changes, actor));
}

/** updateIncident inside the caller's transaction (alert intake resolves incidents whose rule follows alerts). */
export async function changeIncident(
  tx: TransactionSql,
  id: string,
  version: number | undefined,
  changes: IncidentChanges,
  actor: Actor
): Promise<Incident> {
  const current = await findIncident(tx, id, true);
  if (!current) throw notFound(id);
  if (version !== undefined && current.version !== version) {
    throw new AppError({
      code: 'VERSION_CONFLICT',
      message: `${current.reference} was changed by someone else (version ${current.version}, you sent ${version})`,
      details: { current },
    });
  }
  const [now] = await tx<{ now: Date }[]>`select date_trunc('milliseconds', now()) as now`;
  const { next, events } = applyChanges(current, changes, now!.now);
  if (events.length === 0) return current;

  await tx`
    update incidents set
      title = ${next.title}, description = ${next.description}, severity = ${next.severity},
      status = ${next.status}, commander = ${next.commander},
      acknowledged_at = ${next.acknowledgedAt}, resolved_at = ${next.resolvedAt},
      updated_at = ${now!.now}, version = version + 1
    where id = ${id}`;
  for (const event of events) await insertTimelineEvent(tx, id, actor, event);
  if (next.status === 'resolved' && current.status !== 'resolved') await stopEscalation(tx, id, 'resolved', actor);
  const updated = (await findIncident(tx, id))!;
  await appendEvent(tx, {
    topic: 'incidents',
    type: 'incident.updated',
    payload: { incident: updated, changes: events.map((e) => e.type) },
    actor: actor.name,
  });
  for (const event of events) {
    if (event.type === 'status_changed') {
      await queueNotifications(tx, id, next.status === 'resolved' ? 'resolved' : 'status_changed', event.message);
    } else if (
      event.type === 'severity_changed' &&
      SEVERITY_ORDER.indexOf(next.severity) > SEVERITY_ORDER.indexOf(current.severity)
    ) {
      await queueNotifications(tx, id, 'severity_raised', event.message);
    }
  }
  return updated;
}

export interface Acknowledgement {
  incident: Incident;
  /** False when it was acknowledged already (or resolved): nothing changed. */
  isNew: boolean;
  /** Who acknowledged it, when it was acknowledged already (from its timeline). */
  acknowledgedBy: string | null;
}

/**
 * Acknowledges the incident once: acknowledged_at is set the first time only (MTTA stays exact), with its
 * timeline entry, the outbox event, the `acknowledged` notifications and the end of its escalation, in the
 * caller's transaction. Later calls,
 * and calls on a resolved incident, change nothing.
 */
export async function acknowledgeIncident(
  tx: TransactionSql,
  id: string,
  actor: Actor,
  via: { kind: 'api' | 'link'; recipient?: string }
): Promise<Acknowledgement> {
  const current = await findIncident(tx, id, true);
  if (!current) throw notFound(id);
  if (current.acknowledgedAt || current.status === 'resolved') {
    const [entry] = await tx<{ author: string }[]>`
      select author from timeline_events where incident_id = ${id} and type = 'acknowledged' order by occurred_at limit 1`;
    return { incident: current, isNew: false, acknowledgedBy: entry?.author ?? null };
  }
  await tx`
    update incidents set acknowledged_at = date_trunc('milliseconds', now()),
      updated_at = date_trunc('milliseconds', now()), version = version + 1
    where id = ${id}`;
  await insertTimelineEvent(tx, id, actor, {
    type: 'acknowledged',
    message: `Acknowledged by ${actor.name}${via.kind === 'link' ? ' (from an acknowledge link)' : ''}`,
    data: { via: via.kind, recipient: via.recipient ?? null },
  });
  await stopEscalation(tx, id, 'acknowledged', actor);
  const updated = (await findIncident(tx, id))!;
  await appendEvent(tx, {
    topic: 'incidents',
    type: 'incident.updated',
    payload: { incident: updated, changes: ['acknowledged'] },
    actor: actor.name,
  });
  await queueNotifications(tx, id, 'acknowledged', `Acknowledged by ${actor.name}`);
  return { incident: updated, isNew: true, acknowledgedBy: actor.name };
}
