/** Notification rules: which incident events, with which filters, go to which channels (domain/notifications.ts). */
import type { Sql, TransactionSql } from 'postgres';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import type { Severity } from '../domain/incidents.js';
import type { NotificationEvent } from '../domain/notifications.js';
import { afterPosition, pageLimit, type Page } from './page.js';

type Db = Sql | TransactionSql;

export interface NotificationRule {
  id: string;
  name: string;
  events: NotificationEvent[];
  severities: Severity[];
  services: string[];
  teams: string[];
  labels: Record<string, string>;
  channelIds: string[];
  muted: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface RuleInput {
  name: string;
  events: NotificationEvent[];
  severities?: Severity[];
  services?: string[];
  teams?: string[];
  labels?: Record<string, string>;
  channelIds: string[];
  muted?: boolean;
}

export type RuleChanges = Partial<RuleInput>;

const COLUMNS = `id, name, events, severities, services, teams, labels, channel_ids, muted, created_by, created_at,
  updated_at, version`;

function ruleNotFound(id: string): AppError {
  return new AppError({ code: 'NOTIFICATION_RULE_NOT_FOUND', message: `No notification rule with id ${id}`, details: { id } });
}

function nameTaken(err: unknown, name: string | undefined): never {
  if ((err as { code?: string }).code === '23505') {
    throw new AppError({
      code: 'NOTIFICATION_RULE_ALREADY_EXISTS',
      message: `A notification rule named ${name} already exists`,
      details: { name },
    });
  }
  throw err;
}

/** Refuses (400, naming the field) channel ids that are not channels. */
async function assertChannelsExist(sql: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const found = await sql<{ id: string }[]>`select id from channels where id = any(${ids}::uuid[])`;
  const missing = ids.filter((id) => !found.some((row) => row.id === id));
  if (missing.length > 0) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      message: `Invalid body: no channel with id ${missing.join(', ')}`,
      details: { issues: [{ path: 'channelIds', message: `unknown channel ${missing.join(', ')}`, code: 'custom' }] },
    });
  }
}

export async function listRules(sql: Db, page?: Page): Promise<NotificationRule[]> {
  return sql<NotificationRule[]>`
    select ${sql.unsafe(COLUMNS)} from notification_rules where ${afterPosition(sql, page, [['name', 'text']], 'id')}
    order by name, id ${pageLimit(sql, page)}`;
}

export async function getRule(sql: Db, id: string): Promise<NotificationRule> {
  const [row] = await sql<NotificationRule[]>`select ${sql.unsafe(COLUMNS)} from notification_rules where id = ${id}`;
  if (!row) throw ruleNotFound(id);
  return row;
}

export async function createRule(sql: Sql, input: RuleInput, actor: Actor): Promise<NotificationRule> {
  return sql.begin(async (tx) => {
    const channelIds = [...new Set(input.channelIds)];
    await assertChannelsExist(tx, channelIds);
    const [row] = await tx<NotificationRule[]>`
      insert into notification_rules (name, events, severities, services, teams, labels, channel_ids, muted, created_by)
      values (${input.name}, ${[...new Set(input.events)]}, ${input.severities ?? []}, ${input.services ?? []},
              ${input.teams ?? []}, ${tx.json(input.labels ?? {})}, ${channelIds}::uuid[], ${input.muted ?? false},
              ${actor.name})
      returning ${tx.unsafe(COLUMNS)}`.catch((err: unknown) => nameTaken(err, input.name));
    return row!;
  });
}

/** Changes a rule under optimistic concurrency: a stale `version` is VERSION_CONFLICT; omitted, the last write wins. */
export async function updateRule(sql: Sql, id: string, version: number | undefined, changes: RuleChanges): Promise<NotificationRule> {
  return sql.begin(async (tx) => {
    const [current] = await tx<NotificationRule[]>`
      select ${tx.unsafe(COLUMNS)} from notification_rules where id = ${id} for update`;
    if (!current) throw ruleNotFound(id);
    if (version !== undefined && version !== current.version) {
      throw new AppError({
        code: 'VERSION_CONFLICT',
        message: `Rule ${current.name} was changed by someone else (version ${current.version}, you sent ${version})`,
        details: { current },
      });
    }
    const next = { ...current, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) };
    next.channelIds = [...new Set(next.channelIds)];
    next.events = [...new Set(next.events)];
    if (changes.channelIds) await assertChannelsExist(tx, next.channelIds);
    const [row] = await tx<NotificationRule[]>`
      update notification_rules set
        name = ${next.name}, events = ${next.events}, severities = ${next.severities}, services = ${next.services},
        teams = ${next.teams}, labels = ${tx.json(next.labels)}, channel_ids = ${next.channelIds}::uuid[],
        muted = ${next.muted}, updated_at = date_trunc('milliseconds', now()), version = version + 1
      where id = ${id}
      returning ${tx.unsafe(COLUMNS)}`.catch((err: unknown) => nameTaken(err, next.name));
    return row!;
  });
}

export async function deleteRule(sql: Db, id: string): Promise<void> {
  const [row] = await sql`delete from notification_rules where id = ${id} returning id`;
  if (!row) throw ruleNotFound(id);
}
