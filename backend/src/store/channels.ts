/**
 * Notification channels and their delivery records as the API shows them. Secrets arrive sealed (notify/secretBox.ts
 * encrypts them in the route); the store keeps the ciphertext and the names of the secrets set, and never decrypts.
 */
import type { Sql, TransactionSql } from 'postgres';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import type { Urgency } from '../domain/escalation.js';
import type { ChannelKind, NotificationEvent, Recipient } from '../domain/notifications.js';
import { afterPosition, pageLimit, type Page } from './page.js';

type Db = Sql | TransactionSql;

export interface Channel {
  id: string;
  kind: ChannelKind;
  name: string;
  settings: Record<string, unknown>;
  secretNames: string[];
  muted: boolean;
  lastError: string | null;
  lastErrorAt: Date | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** A channel with its sealed secrets, for the worker and for merging a PATCH. */
export interface SealedChannel extends Channel {
  secrets: Buffer | null;
}

export interface SealedSecrets {
  sealed: Buffer | null;
  names: string[];
}

export interface NewChannel {
  id: string;
  kind: ChannelKind;
  name: string;
  settings: Record<string, unknown>;
  secrets: SealedSecrets;
  muted: boolean;
}

export interface ChannelChanges {
  name?: string;
  settings?: Record<string, unknown>;
  secrets?: SealedSecrets;
  muted?: boolean;
}

export const DELIVERY_STATES = ['pending', 'sending', 'delivered', 'failed', 'dead'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface Delivery {
  id: string;
  incidentId: string | null;
  channelId: string;
  event: NotificationEvent;
  detail: string | null;
  occurredAt: Date;
  idempotencyKey: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  lastStatus: number | null;
  deliveredAt: Date | null;
  createdAt: Date;
  /** A page's person (null: the channel's own audience) and urgency; the escalation step that paged. */
  recipient: Recipient | null;
  urgency: Urgency | null;
  escalationStepId: string | null;
}

const COLUMNS = `id, kind, name, settings, secret_names, muted, last_error, last_error_at, created_by, created_at,
  updated_at, version`;
export const DELIVERY_COLUMNS = `id, incident_id, channel_id, event, detail, occurred_at, idempotency_key, state,
  attempts, next_attempt_at, last_error, last_status, delivered_at, created_at, recipient, urgency, escalation_step_id`;

export function channelNotFound(id: string): AppError {
  return new AppError({ code: 'CHANNEL_NOT_FOUND', message: `No channel with id ${id}`, details: { id } });
}

function nameTaken(err: unknown, name: string | undefined): never {
  if ((err as { code?: string }).code === '23505') {
    throw new AppError({ code: 'CHANNEL_ALREADY_EXISTS', message: `A channel named ${name} already exists`, details: { name } });
  }
  throw err;
}

export async function listChannels(sql: Db, page?: Page): Promise<Channel[]> {
  return sql<Channel[]>`
    select ${sql.unsafe(COLUMNS)} from channels where ${afterPosition(sql, page, [['name', 'text']], 'id')}
    order by name, id ${pageLimit(sql, page)}`;
}

export async function getChannel(sql: Db, id: string): Promise<Channel> {
  const [row] = await sql<Channel[]>`select ${sql.unsafe(COLUMNS)} from channels where id = ${id}`;
  if (!row) throw channelNotFound(id);
  return row;
}

/** The channel with its sealed secrets; `forUpdate` locks it for a read-merge-write. */
export async function getSealedChannel(sql: Db, id: string, forUpdate = false): Promise<SealedChannel> {
  const [row] = await sql<SealedChannel[]>`
    select ${sql.unsafe(COLUMNS)}, secrets from channels where id = ${id} ${forUpdate ? sql`for update` : sql``}`;
  if (!row) throw channelNotFound(id);
  return row;
}

/** The channels with these ids, secrets sealed, in the order asked; undefined where there is none. */
export async function getSealedChannels(sql: Db, ids: readonly string[]): Promise<Array<SealedChannel | undefined>> {
  const rows = await sql<SealedChannel[]>`
    select ${sql.unsafe(COLUMNS)}, secrets from channels where id = any(${[...ids]}::uuid[])`;
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id));
}

export async function createChannel(sql: Db, input: NewChannel, actor: Actor): Promise<Channel> {
  const [row] = await sql<Channel[]>`
    insert into channels (id, kind, name, settings, secrets, secret_names, muted, created_by)
    values (${input.id}, ${input.kind}, ${input.name}, ${sql.json(input.settings as never)}, ${input.secrets.sealed},
            ${input.secrets.names}, ${input.muted}, ${actor.name})
    returning ${sql.unsafe(COLUMNS)}`.catch((err: unknown) => nameTaken(err, input.name));
  return row!;
}

/**
 * Applies changes under optimistic concurrency (a stale `version` is VERSION_CONFLICT; omitted, the last write
 * wins). `change` sees the locked row, secrets sealed, and returns what to write: a PATCH merges secrets there.
 */
export async function updateChannel(
  sql: Sql,
  id: string,
  version: number | undefined,
  change: (current: SealedChannel) => ChannelChanges
): Promise<Channel> {
  return sql.begin(async (tx) => {
    const current = await getSealedChannel(tx, id, true);
    if (version !== undefined && version !== current.version) {
      const { secrets: _sealed, ...shown } = current;
      throw new AppError({
        code: 'VERSION_CONFLICT',
        message: `Channel ${current.name} was changed by someone else (version ${current.version}, you sent ${version})`,
        details: { current: shown },
      });
    }
    const next = change(current);
    const [row] = await tx<Channel[]>`
      update channels set
        name = ${next.name ?? current.name},
        settings = ${tx.json((next.settings ?? current.settings) as never)},
        secrets = ${next.secrets ? next.secrets.sealed : current.secrets},
        secret_names = ${next.secrets ? next.secrets.names : current.secretNames},
        muted = ${next.muted ?? current.muted},
        -- a changed configuration gets a clean slate: the old error was about the old settings
        last_error = ${next.settings || next.secrets ? null : current.lastError},
        last_error_at = ${next.settings || next.secrets ? null : current.lastErrorAt},
        updated_at = date_trunc('milliseconds', now()), version = version + 1
      where id = ${id}
      returning ${tx.unsafe(COLUMNS)}`.catch((err: unknown) => nameTaken(err, next.name));
    return row!;
  });
}

/** Deletes the channel, its deliveries, and its place in every rule. */
export async function deleteChannel(sql: Sql, id: string): Promise<void> {
  await sql.begin(async (tx) => {
    const [row] = await tx`delete from channels where id = ${id} returning id`;
    if (!row) throw channelNotFound(id);
    await tx`update notification_rules set channel_ids = array_remove(channel_ids, ${id}::uuid) where ${id}::uuid = any(channel_ids)`;
  });
}

/** The channel's deliveries, newest first, optionally in one state; a page of them. */
export async function listChannelDeliveries(
  sql: Db,
  channelId: string,
  options: { state?: DeliveryState },
  page: Page
): Promise<Delivery[]> {
  await getChannel(sql, channelId);
  return sql<Delivery[]>`
    select ${sql.unsafe(DELIVERY_COLUMNS)} from deliveries
    where channel_id = ${channelId} ${options.state ? sql`and state = ${options.state}` : sql``}
      and ${afterPosition(sql, page, [['created_at', 'timestamptz']], 'id', 'desc')}
    order by created_at desc, id desc ${pageLimit(sql, page)}`;
}
