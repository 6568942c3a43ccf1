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
  /** Only unresolved incidents (GET /api/incidents/active). */
  isActive?: boolean;
  limit: number;
  offset?: number;
  /** Order of the list (default `newest`). */
  sort?: IncidentOrder;
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
/** The sorts, and `triage` (the active list's order: most severe first, then the oldest). */
export type IncidentOrder = IncidentSort | 'triage';

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

// Each order is one direction over all its keys, so "after this row" is a single row comparison, and each has an
// index on the same expressions (migrations 001 and 010), so a first page reads a page of index entries at any size.
const SEVERITY_RANK = `array_position(array['low','medium','high','critical'], i.severity)`;
const STATUS_RANK = `array_position(array['resolved','monitoring','identified','investigating','open'], i.status)`;
const IS_ONGOING = '(i.resolved_at is null)::int';
// Ongoing: the earliest start first (the larger negative epoch); resolved: the longest first. The epoch is taken of
// an interval because extract(epoch from timestamptz) is not immutable, and an index needs immutable expressions.
const DURATION =
  `case when i.resolved_at is null then -extract(epoch from i.started_at - timestamptz '1970-01-01 00:00:00+00') ` +
  'else extract(epoch from i.resolved_at - i.started_at) end';
const TRIAGE_RANK = `array_position(array['critical','high','medium','low'], i.severity)`;

function sortKeys(sql: Sql, sort: IncidentOrder): { keys: SortKey[]; direction: 'asc' | 'desc' } {
  const key = (expr: string, cast: SortKey['cast']): SortKey => ({ expr: sql.unsafe(expr), cast });
  const startedAt = key('i.started_at', 'timestamptz');
  switch (sort) {
    case 'newest':
      return { keys: [startedAt], direction: 'desc' };
    case 'oldest':
      return { keys: [startedAt], direction: 'asc' };
    case 'severity':
      return { keys: [key(SEVERITY_RANK, 'int'), startedAt], direction: 'desc' };
    case 'status':
      return { keys: [key(STATUS_RANK, 'int'), startedAt], direction: 'desc' };
    case 'duration':
      return { keys: [key(IS_ONGOING, 'int'), key(DURATION, 'numeric')], direction: 'desc' };
    case 'triage':
      return { keys: [key(TRIAGE_RANK, 'int'), startedAt], direction: 'asc' };
  }
}

const joinWith = (sql: Sql, parts: Array<ReturnType<Sql['unsafe']>>, separator: string) =>
  parts.reduce((acc, part, n) => (n === 0 ? sql`${part}` : sql`${acc}${sql.unsafe(separator)}${part}`), sql``);

/**
 * What the status filter implies for the duration order's first key (resolved_at is set exactly when the status is
 * resolved): stated in the query, the index skips straight to that half instead of reading past the other.
 */
function ongoingCondition(sql: Sql, query: IncidentQuery) {
  const statuses = query.statuses ?? [];
  if (query.isActive || (statuses.length && !statuses.includes('resolved'))) return sql`${sql.unsafe(IS_ONGOING)} = 1`;
  if (statuses.length && statuses.every((s) => s === 'resolved')) return sql`${sql.unsafe(IS_ONGOING)} = 0`;
  return null;
}

/** The filters of a query, as one `where` (empty when there are none). */
function whereOf(sql: Sql, query: IncidentQuery, extra: Array<SortKey['expr'] | null> = []) {
  const conditions = [
    query.isActive ? sql`i.status <> 'resolved'` : null,
    query.statuses?.length ? sql`i.status = any(${query.statuses})` : null,
    query.severities?.length ? sql`i.severity = any(${query.severities})` : null,
    // service_ids (migration 010) is on the row an order's index walk reads anyway; the id is looked up once.
    query.service
      ? sql`i.service_ids @> array[(select id from services where name = ${query.service})]`
      : null,
    // Served by the trigram indexes (migration 010) for three characters or more.
    query.text
      ? sql`(i.title ilike ${likePattern(query.text)} or i.description ilike ${likePattern(query.text)})`
      : null,
    query.from ? sql`i.started_at >= ${query.from}` : null,
    query.to ? sql`i.started_at < ${query.to}` : null,
    ...extra,
  ].filter((c) => c !== null);
  return conditions.reduce((acc, c, n) => (n === 0 ? sql`where ${c}` : sql`${acc} and ${c}`), sql``);
}

/** One page of the list in the requested order, each row with its position (for the next page's cursor). */
export async function listIncidents(sql: Sql, query: IncidentQuery): Promise<ListedIncident[]> {
  const sort = query.sort ?? 'newest';
  const { keys, direction } = sortKeys(sql, sort);
  if (query.after && query.after.keys.length !== keys.length) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      message: 'Invalid query: the cursor belongs to another sort',
      details: { issues: [{ path: 'cursor', message: 'issued for another sort' }] },
    });
  }
  const after = query.after;
  const keyTuple = joinWith(sql, [...keys.map((k) => k.expr), sql.unsafe('i.id')], ', ');
  const where = whereOf(sql, query, [
    sort === 'duration' ? ongoingCondition(sql, query) : null,
    after
      ? sql`(${keyTuple}) ${sql.unsafe(direction === 'desc' ? '<' : '>')} (${joinWith(
          sql,
          [...keys.map((k, n) => sql`${after.keys[n]!}::${sql.unsafe(k.cast)}`), sql`${after.id}::uuid`],
          ', '
        )})`
      : null,
  ]);
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

/** How many incidents match, counting no further than `cap` (so a count shown to people stays cheap at any size). */
export async function countIncidents(
  sql: Sql,
  query: Omit<IncidentQuery, 'limit' | 'offset' | 'sort' | 'after'>,
  cap: number
): Promise<{ count: number; isExact: boolean }> {
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count from (select 1 from incidents i ${whereOf(sql, { ...query, limit: cap })} limit ${cap + 1}) m`;
  const count = row!.count;
  return count > cap ? { count: cap, isExact: false } : { count, isExact: true };
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
    insert into incidents (title, description, severity, commander, labels, service_ids, created_by, started_at,
                           detected_at)
    values (${input.title}, ${input.description ?? ''}, ${input.severity}, ${input.commander ?? null},
            ${tx.json(input.labels ?? {})}, ${[...serviceIds.values()]}::uuid[], ${actor.name},
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
