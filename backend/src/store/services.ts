import type { Sql, TransactionSql } from 'postgres';
import { AppError } from '../domain/errors.js';
import type { Severity } from '../domain/incidents.js';
import { afterPosition, pageLimit, type Page } from './page.js';

export interface Service {
  id: string;
  name: string;
  team: string | null;
  tier: number;
  description: string;
  labels: Record<string, string>;
  runbookUrl: string | null;
  /** Per-service overrides of the query templates (correlation/queries.ts). */
  queries: Record<string, string>;
  /** The escalation policy its incidents start, and others by severity (domain/escalation.ts choosePolicy). */
  escalationPolicyId: string | null;
  escalationPolicies: Partial<Record<Severity, string>>;
}

export interface NewService {
  name: string;
  team?: string | null;
  tier?: number;
  description?: string;
  labels?: Record<string, string>;
  runbookUrl?: string | null;
  queries?: Record<string, string>;
  escalationPolicyId?: string | null;
  escalationPolicies?: Partial<Record<Severity, string>>;
}

/** PATCH: only the fields given change; `null` clears team and runbook URL. */
export type ServiceChanges = Partial<NewService>;

const COLUMNS = 'id, name, team, tier, description, labels, runbook_url, queries, escalation_policy_id, escalation_policies';

/** Refuses escalation policy ids that do not exist (VALIDATION_FAILED naming the field). */
async function checkPolicies(sql: Sql | TransactionSql, input: Pick<NewService, 'escalationPolicyId' | 'escalationPolicies'>): Promise<void> {
  const named = [
    ...(input.escalationPolicyId ? [{ path: 'escalationPolicyId', id: input.escalationPolicyId }] : []),
    ...Object.entries(input.escalationPolicies ?? {}).map(([severity, id]) => ({ path: `escalationPolicies.${severity}`, id: id! })),
  ];
  if (!named.length) return;
  const rows = await sql<{ id: string }[]>`select id from escalation_policies where id = any(${named.map((n) => n.id)}::uuid[])`;
  const found = new Set(rows.map((r) => r.id));
  const issues = named
    .filter((n) => !found.has(n.id))
    .map((n) => ({ path: n.path, message: `no escalation policy with id ${n.id}`, code: 'custom' }));
  if (issues.length) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      message: `Invalid body: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      details: { issues },
    });
  }
}

/** The catalog by name; a page of it when `page` is given. */
export async function listServices(sql: Sql, page?: Page): Promise<Service[]> {
  return sql<Service[]>`
    select ${sql.unsafe(COLUMNS)} from services where ${afterPosition(sql, page, [['name', 'text']], 'id')}
    order by name, id ${pageLimit(sql, page)}`;
}

export async function createService(sql: Sql | TransactionSql, input: NewService): Promise<Service> {
  await checkPolicies(sql, input);
  try {
    const [row] = await sql<Service[]>`
      insert into services (name, team, tier, description, labels, runbook_url, queries, escalation_policy_id,
                            escalation_policies)
      values (${input.name}, ${input.team ?? null}, ${input.tier ?? 3}, ${input.description ?? ''},
              ${sql.json(input.labels ?? { service: input.name })}, ${input.runbookUrl ?? null},
              ${sql.json(input.queries ?? {})}, ${input.escalationPolicyId ?? null},
              ${sql.json(input.escalationPolicies ?? {})})
      returning ${sql.unsafe(COLUMNS)}`;
    return row!;
  } catch (err) {
    throw asDuplicate(err, input.name);
  }
}

function asDuplicate(err: unknown, name: string | undefined): unknown {
  if ((err as { code?: string }).code === '23505') {
    return new AppError({
      code: 'SERVICE_ALREADY_EXISTS',
      message: `A service named ${name} already exists`,
      details: { name },
    });
  }
  return err;
}

function serviceNotFound(name: string): AppError {
  return new AppError({ code: 'SERVICE_NOT_FOUND', message: `No service named ${name}`, details: { name } });
}

/** One service by name; SERVICE_NOT_FOUND otherwise. */
export async function getServiceByName(sql: Sql | TransactionSql, name: string): Promise<Service> {
  const [row] = await sql<Service[]>`select ${sql.unsafe(COLUMNS)} from services where name = ${name}`;
  if (!row) throw serviceNotFound(name);
  return row;
}

/**
 * Changes the given fields (a new `name` renames; `queries` replaces the whole override set). SERVICE_NOT_FOUND
 * for an unknown name, SERVICE_ALREADY_EXISTS when the new name is taken.
 */
export async function updateService(sql: Sql, name: string, changes: ServiceChanges): Promise<Service> {
  const set: Record<string, unknown> = {};
  if (changes.name !== undefined) set.name = changes.name;
  if (changes.team !== undefined) set.team = changes.team;
  if (changes.tier !== undefined) set.tier = changes.tier;
  if (changes.description !== undefined) set.description = changes.description;
  if (changes.labels !== undefined) set.labels = sql.json(changes.labels);
  if (changes.runbookUrl !== undefined) set.runbook_url = changes.runbookUrl;
  if (changes.queries !== undefined) set.queries = sql.json(changes.queries);
  if (changes.escalationPolicyId !== undefined) set.escalation_policy_id = changes.escalationPolicyId;
  if (changes.escalationPolicies !== undefined) set.escalation_policies = sql.json(changes.escalationPolicies);
  if (Object.keys(set).length === 0) return getServiceByName(sql, name);
  await checkPolicies(sql, changes);
  try {
    const [row] = await sql<Service[]>`
      update services set ${sql(set)} where name = ${name} returning ${sql.unsafe(COLUMNS)}`;
    if (!row) throw serviceNotFound(name);
    return row;
  } catch (err) {
    throw asDuplicate(err, changes.name);
  }
}

/**
 * Ids of the named services, adding to the catalog the ones it does not have yet (with its defaults: tier 3,
 * selector `{service="<name>"}`). `added` lists the names this call added; a name added at the same moment by
 * another transaction is found, not added twice.
 */
export async function ensureServices(
  sql: Sql | TransactionSql,
  names: string[]
): Promise<{ ids: Map<string, string>; added: string[] }> {
  if (names.length === 0) return { ids: new Map(), added: [] };
  const added = await sql<{ name: string }[]>`
    insert into services (name, labels)
    select name, jsonb_build_object('service', name) from unnest(${names}::text[]) as name
    on conflict (name) do nothing
    returning name`;
  return { ids: await serviceIdsByName(sql, names), added: added.map((r) => r.name).sort() };
}

/**
 * Resolves catalog names to ids. Unknown names are a validation failure of the request that named them.
 */
export async function serviceIdsByName(sql: Sql | TransactionSql, names: string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const rows = await sql<{ id: string; name: string }[]>`select id, name from services where name = any(${names})`;
  const ids = new Map(rows.map((r) => [r.name, r.id]));
  const unknown = names.filter((n) => !ids.has(n));
  if (unknown.length > 0) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      message: `Unknown service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
      details: { issues: [{ path: 'services', message: `not in the service catalog: ${unknown.join(', ')}` }] },
    });
  }
  return ids;
}
