import type { Sql, TransactionSql } from 'postgres';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { incidentReference } from '../domain/incidents.js';
import type { BurnRateAlert, Sli, SloWindow } from '../domain/slo.js';
import { appendEvent } from './events.js';
import { serviceIdsByName } from './services.js';
import { afterPosition, pageLimit, type Page } from './page.js';

export interface Slo {
  id: string;
  service: string;
  name: string;
  description: string;
  sli: Sli;
  objective: number;
  window: SloWindow;
  /** null: the SRE workbook's defaults (domain/slo.ts DEFAULT_BURN_RATE_ALERTS). */
  burnRateAlerts: BurnRateAlert[] | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface SloInput {
  service: string;
  name: string;
  description?: string;
  sli: Sli;
  objective: number;
  window: SloWindow;
  burnRateAlerts?: BurnRateAlert[] | null;
}

interface Row {
  id: string;
  service: string;
  name: string;
  description: string;
  sliType: Sli['type'];
  goodQuery: string | null;
  errorsQuery: string | null;
  totalQuery: string;
  objective: number;
  windowType: SloWindow['type'];
  windowDays: number | null;
  burnRateAlerts: BurnRateAlert[] | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

const toSlo = (r: Row): Slo => ({
  id: r.id,
  service: r.service,
  name: r.name,
  description: r.description,
  sli:
    r.sliType === 'ratio'
      ? { type: 'ratio', good: r.goodQuery!, total: r.totalQuery }
      : { type: 'errors', errors: r.errorsQuery!, total: r.totalQuery },
  objective: r.objective,
  window: r.windowType === 'rolling' ? { type: 'rolling', days: r.windowDays! } : { type: 'calendar_month' },
  burnRateAlerts: r.burnRateAlerts,
  createdBy: r.createdBy,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
  version: r.version,
});

const SELECT = `select o.id, s.name as service, o.name, o.description, o.sli_type, o.good_query, o.errors_query,
  o.total_query, o.objective, o.window_type, o.window_days, o.burn_rate_alerts, o.created_by, o.created_at,
  o.updated_at, o.version from slos o join services s on s.id = o.service_id`;

const notFound = (id: string) =>
  new AppError({ code: 'SLO_NOT_FOUND', message: `No SLO with id ${id}`, details: { id } });

function columns(sql: Sql | TransactionSql, input: SloInput) {
  return {
    name: input.name,
    description: input.description ?? '',
    sli_type: input.sli.type,
    good_query: input.sli.type === 'ratio' ? input.sli.good : null,
    errors_query: input.sli.type === 'errors' ? input.sli.errors : null,
    total_query: input.sli.total,
    objective: input.objective,
    window_type: input.window.type,
    window_days: input.window.type === 'rolling' ? input.window.days : null,
    burn_rate_alerts: input.burnRateAlerts ? sql.json(input.burnRateAlerts as never) : null,
  };
}

function alreadyExists(err: unknown, input: SloInput): never {
  if ((err as { code?: string }).code === '23505') {
    throw new AppError({
      code: 'SLO_ALREADY_EXISTS',
      message: `Service ${input.service} already has an SLO named ${input.name}`,
      details: { service: input.service, name: input.name },
    });
  }
  throw err;
}

export async function listSlos(sql: Sql, filter: { service?: string } = {}, page?: Page): Promise<Slo[]> {
  const rows = await sql<Row[]>`
    ${sql.unsafe(SELECT)} where ${filter.service ? sql`s.name = ${filter.service}` : sql`true`}
      and ${afterPosition(sql, page, [['s.name', 'text'], ['o.name', 'text']], 'o.id')}
    order by s.name, o.name, o.id ${pageLimit(sql, page)}`;
  return rows.map(toSlo);
}

export async function getSlo(sql: Sql, id: string): Promise<Slo> {
  const [row] = await sql<Row[]>`${sql.unsafe(SELECT)} where o.id = ${id}`;
  if (!row) throw notFound(id);
  return toSlo(row);
}

/** Creates an SLO on a catalog service (unknown service: VALIDATION_FAILED), with its outbox event. */
export async function createSlo(sql: Sql, input: SloInput, actor: Actor): Promise<Slo> {
  const id = await sql
    .begin(async (tx) => {
      const serviceId = (await serviceIdsByName(tx, [input.service])).get(input.service)!;
      const [row] = await tx<{ id: string }[]>`
        insert into slos ${tx({ ...columns(tx, input), service_id: serviceId, created_by: actor.name })}
        returning id`;
      await appendEvent(tx, {
        topic: 'slos',
        type: 'slo.created',
        payload: { id: row!.id, ...input },
        actor: actor.name,
      });
      return row!.id;
    })
    .catch((err) => alreadyExists(err, input));
  return getSlo(sql, id);
}

/**
 * Replaces an SLO under optimistic concurrency (a stale version is VERSION_CONFLICT, as for incidents).
 */
export async function replaceSlo(sql: Sql, id: string, version: number, input: SloInput, actor: Actor): Promise<Slo> {
  await sql
    .begin(async (tx) => {
      const serviceId = (await serviceIdsByName(tx, [input.service])).get(input.service)!;
      const [current] = await tx<{ version: number }[]>`select version from slos where id = ${id} for update`;
      if (!current) throw notFound(id);
      if (current.version !== version) {
        throw new AppError({
          code: 'VERSION_CONFLICT',
          message: `The SLO was changed by someone else (version ${current.version}, you sent ${version})`,
          details: { version: current.version },
        });
      }
      await tx`
        update slos set ${tx({ ...columns(tx, input), service_id: serviceId })},
          updated_at = date_trunc('milliseconds', now()), version = version + 1
        where id = ${id}`;
      await appendEvent(tx, { topic: 'slos', type: 'slo.updated', payload: { id, ...input }, actor: actor.name });
    })
    .catch((err) => alreadyExists(err, input));
  return getSlo(sql, id);
}

export async function deleteSlo(sql: Sql, id: string, actor: Actor): Promise<void> {
  await sql.begin(async (tx) => {
    const [row] = await tx<{ id: string; name: string }[]>`delete from slos where id = ${id} returning id, name`;
    if (!row) throw notFound(id);
    await appendEvent(tx, { topic: 'slos', type: 'slo.deleted', payload: row, actor: actor.name });
  });
}

export interface ServiceIncident {
  id: string;
  reference: string;
  title: string;
  startedAt: Date;
  resolvedAt: Date | null;
}

/** Incidents of a service overlapping [from, to), newest first: the ones that may have spent its budget. */
export async function incidentsOfService(
  sql: Sql,
  service: string,
  from: Date,
  to: Date,
  limit: number
): Promise<ServiceIncident[]> {
  const rows = await sql<(Omit<ServiceIncident, 'reference'> & { number: number })[]>`
    select i.id, i.number, i.title, i.started_at, i.resolved_at
    from incidents i
    join incident_services x on x.incident_id = i.id join services s on s.id = x.service_id
    where s.name = ${service} and i.started_at < ${to} and (i.resolved_at is null or i.resolved_at > ${from})
    order by i.started_at desc limit ${limit}`;
  return rows.map(({ number, ...r }) => ({ ...r, reference: incidentReference(number) }));
}

/** SLOs of the services an incident impacts (for its budget cost). */
export async function slosOfIncident(sql: Sql, incidentId: string, page?: Page): Promise<Slo[]> {
  const rows = await sql<Row[]>`
    ${sql.unsafe(SELECT)}
    where o.service_id in (select service_id from incident_services where incident_id = ${incidentId})
      and ${afterPosition(sql, page, [['s.name', 'text'], ['o.name', 'text']], 'o.id')}
    order by s.name, o.name, o.id ${pageLimit(sql, page)}`;
  return rows.map(toSlo);
}
