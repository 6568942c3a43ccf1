import type { Sql, TransactionSql } from 'postgres';
import type { Actor } from '../domain/actor.js';
import type { AlertRule, AutoResolve, Matcher, Silence } from '../domain/alertRules.js';
import { AppError } from '../domain/errors.js';
import type { Severity } from '../domain/incidents.js';
import { appendEvent } from './events.js';
import { afterPosition, pageLimit, type Page } from './page.js';

type Db = Sql | TransactionSql;

/** A stored rule (domain AlertRule with its bookkeeping). */
export interface StoredAlertRule extends AlertRule {
  id: string;
  position: number;
  enabled: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface AlertRuleInput {
  name: string;
  position?: number;
  enabled?: boolean;
  matchers?: Matcher[];
  groupBy?: string[] | null;
  promoteSeverities?: Severity[];
  minAlerts?: number | null;
  minAlertnames?: number | null;
  windowMinutes?: number;
  autoResolve?: AutoResolve;
}

export interface StoredSilence extends Silence {
  comment: string;
  createdBy: string;
  createdAt: Date;
}

export interface SilenceInput {
  kind: Silence['kind'];
  matchers: Matcher[];
  startsAt?: Date;
  endsAt?: Date | null;
  comment?: string;
}

const RULE_COLUMNS = `id, name, position, enabled, matchers, group_by, promote_severities, min_alerts, min_alertnames,
  window_minutes, auto_resolve, created_by, created_at, updated_at`;
const SILENCE_COLUMNS = 'id, kind, matchers, starts_at, ends_at, comment, created_by, created_at';

function ruleNotFound(id: string): AppError {
  return new AppError({ code: 'ALERT_RULE_NOT_FOUND', message: `No alert rule with id ${id}`, details: { id } });
}

function nameTaken(err: unknown, name: string): never {
  if ((err as { code?: string }).code === '23505') {
    throw new AppError({
      code: 'ALERT_RULE_ALREADY_EXISTS',
      message: `An alert rule named ${name} already exists`,
      details: { name },
    });
  }
  throw err;
}

/** Every rule, in the order intake tries them. */
export async function listAlertRules(sql: Db, page?: Page): Promise<StoredAlertRule[]> {
  return sql<StoredAlertRule[]>`
    select ${sql.unsafe(RULE_COLUMNS)} from alert_rules
    where ${afterPosition(sql, page, [['position', 'int'], ['created_at', 'timestamptz']], 'id')}
    order by position, created_at, id ${pageLimit(sql, page)}`;
}

export async function getAlertRule(sql: Db, id: string): Promise<StoredAlertRule> {
  const [row] = await sql<StoredAlertRule[]>`select ${sql.unsafe(RULE_COLUMNS)} from alert_rules where id = ${id}`;
  if (!row) throw ruleNotFound(id);
  return row;
}

const ruleValues = (sql: Db, input: AlertRuleInput) => ({
  name: input.name,
  position: input.position ?? 100,
  enabled: input.enabled ?? true,
  matchers: sql.json((input.matchers ?? []) as never),
  group_by: input.groupBy ?? null,
  promote_severities: input.promoteSeverities ?? ['critical'],
  min_alerts: input.minAlerts ?? null,
  min_alertnames: input.minAlertnames ?? null,
  window_minutes: input.windowMinutes ?? 15,
  auto_resolve: input.autoResolve ?? 'note',
});

/** Creates a rule; the change goes to the outbox (topic `alert-rules`) in the same transaction. */
export async function createAlertRule(sql: Sql, input: AlertRuleInput, actor: Actor): Promise<StoredAlertRule> {
  return sql
    .begin(async (tx) => {
      const [row] = await tx<StoredAlertRule[]>`
        insert into alert_rules ${tx({ ...ruleValues(tx, input), created_by: actor.name })}
        returning ${tx.unsafe(RULE_COLUMNS)}`;
      await appendEvent(tx, { topic: 'alert-rules', type: 'alert_rule.created', payload: row, actor: actor.name });
      return row!;
    })
    .catch((err) => nameTaken(err, input.name))
    .finally(() => invalidatePolicies(sql));
}

/** Replaces a rule whole (fields left out take their defaults). */
export async function replaceAlertRule(
  sql: Sql,
  id: string,
  input: AlertRuleInput,
  actor: Actor
): Promise<StoredAlertRule> {
  return sql
    .begin(async (tx) => {
      const [row] = await tx<StoredAlertRule[]>`
        update alert_rules set ${tx(ruleValues(tx, input))}, updated_at = date_trunc('milliseconds', now())
        where id = ${id} returning ${tx.unsafe(RULE_COLUMNS)}`;
      if (!row) throw ruleNotFound(id);
      await appendEvent(tx, { topic: 'alert-rules', type: 'alert_rule.updated', payload: row, actor: actor.name });
      return row;
    })
    .catch((err) => nameTaken(err, input.name))
    .finally(() => invalidatePolicies(sql));
}

/** Deletes a rule; alerts it grouped keep their group (their rule_id becomes null). */
export async function deleteAlertRule(sql: Sql, id: string, actor: Actor): Promise<void> {
  await sql
    .begin(async (tx) => {
      const [row] = await tx<
        { id: string; name: string }[]
      >`delete from alert_rules where id = ${id} returning id, name`;
      if (!row) throw ruleNotFound(id);
      await appendEvent(tx, { topic: 'alert-rules', type: 'alert_rule.deleted', payload: row, actor: actor.name });
    })
    .finally(() => invalidatePolicies(sql));
}

/** Silences and maintenance windows, newest first; `active` keeps those in force now or later. */
export async function listSilences(sql: Db, options: { active?: boolean } = {}, page?: Page): Promise<StoredSilence[]> {
  return sql<StoredSilence[]>`
    select ${sql.unsafe(SILENCE_COLUMNS)} from silences
    where ${options.active ? sql`(ends_at is null or ends_at > now())` : sql`true`}
      and ${afterPosition(sql, page, [['created_at', 'timestamptz']], 'id', 'desc')}
    order by created_at desc, id desc ${pageLimit(sql, page)}`;
}

export async function createSilence(sql: Sql, input: SilenceInput, actor: Actor): Promise<StoredSilence> {
  return sql
    .begin(async (tx) => {
      const [row] = await tx<StoredSilence[]>`
      insert into silences (kind, matchers, starts_at, ends_at, comment, created_by)
      values (${input.kind}, ${tx.json(input.matchers as never)},
              coalesce(${input.startsAt ?? null}::timestamptz, date_trunc('milliseconds', now())),
              ${input.endsAt ?? null}, ${input.comment ?? ''}, ${actor.name})
      returning ${tx.unsafe(SILENCE_COLUMNS)}`;
      await appendEvent(tx, { topic: 'alert-rules', type: 'silence.created', payload: row, actor: actor.name });
      return row!;
    })
    .finally(() => invalidatePolicies(sql));
}

/**
 * Ends a silence now (kept for the audit trail rather than deleted). Ending one that already ended keeps its end.
 */
export async function expireSilence(sql: Sql, id: string, actor: Actor): Promise<StoredSilence> {
  return sql
    .begin(async (tx) => {
      const [row] = await tx<StoredSilence[]>`
      update silences set ends_at = case
          when ends_at is not null and ends_at <= now() then ends_at
          else greatest(date_trunc('milliseconds', now()), starts_at + interval '1 millisecond') end
      where id = ${id} returning ${tx.unsafe(SILENCE_COLUMNS)}`;
      if (!row) throw new AppError({ code: 'SILENCE_NOT_FOUND', message: `No silence with id ${id}`, details: { id } });
      await appendEvent(tx, { topic: 'alert-rules', type: 'silence.expired', payload: row, actor: actor.name });
      return row;
    })
    .finally(() => invalidatePolicies(sql));
}

// Intake reads rules and silences on every delivery; they change rarely. Cached per pool (tests run several
// databases in one process) for POLICY_TTL_MS, and dropped at once when this process changes them, so another
// replica's change is seen within the TTL.
const POLICY_TTL_MS = 2000;
const policyCache = new WeakMap<
  object,
  { expiresAt: number; value: Promise<{ rules: AlertRule[]; silences: Silence[] }> }
>();

/** loadIntakePolicies, cached briefly (see POLICY_TTL_MS). */
export function cachedIntakePolicies(sql: Sql): Promise<{ rules: AlertRule[]; silences: Silence[] }> {
  const cached = policyCache.get(sql);
  if (cached && cached.expiresAt > Date.now()) return cached.value;
  const value = loadIntakePolicies(sql);
  policyCache.set(sql, { expiresAt: Date.now() + POLICY_TTL_MS, value });
  value.catch(() => policyCache.delete(sql));
  return value;
}

function invalidatePolicies(sql: Sql): void {
  policyCache.delete(sql);
}

/**
 * What intake needs to decide, in one round trip: enabled rules in order and silences that have not ended.
 */
export async function loadIntakePolicies(tx: Db): Promise<{ rules: AlertRule[]; silences: Silence[] }> {
  const [row] = await tx<
    {
      rules: StoredAlertRule[] | null;
      silences: Array<Omit<Silence, 'startsAt' | 'endsAt'> & { startsAt: string; endsAt: string | null }> | null;
    }[]
  >`
    select
      (select json_agg(json_build_object(
          'id', id, 'name', name, 'matchers', matchers, 'groupBy', group_by, 'promoteSeverities', promote_severities,
          'minAlerts', min_alerts, 'minAlertnames', min_alertnames, 'windowMinutes', window_minutes,
          'autoResolve', auto_resolve) order by position, created_at, id)
       from alert_rules where enabled) as rules,
      (select json_agg(json_build_object('id', id, 'kind', kind, 'matchers', matchers, 'startsAt', starts_at, 'endsAt', ends_at))
       from silences where ends_at is null or ends_at > now()) as silences`;
  return {
    rules: row?.rules ?? [],
    silences: (row?.silences ?? []).map((s) => ({
      ...s,
      startsAt: new Date(s.startsAt),
      endsAt: s.endsAt === null ? null : new Date(s.endsAt),
    })),
  };
}
