/**
 * People (a Grafana user with a time zone and ordered contact methods). The calendar feed's secret is kept as its
 * sha256 only; the token itself leaves the store once, from createPerson or rotatePersonFeed.
 */
import { randomBytes } from 'node:crypto';
import type { Sql, TransactionSql } from 'postgres';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { appendEvent } from './events.js';
import { hashToken } from './tokens.js';
import { afterPosition, pageLimit, type Page } from './page.js';

type Db = Sql | TransactionSql;

export const CONTACT_KINDS = ['email', 'ntfy', 'slack', 'webhook'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

export interface ContactMethod {
  kind: ContactKind;
  /** An address, an ntfy topic, a Slack/Mattermost mention (`@alice`, `<@U123>`), or a webhook's label. */
  target: string;
  /** The channel that carries it (its server, token or URL); required for slack and webhook. */
  channelId?: string;
}

export interface Person {
  id: string;
  login: string;
  name: string;
  email: string;
  timeZone: string;
  contactMethods: ContactMethod[];
  hasCalendarFeed: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface PersonInput {
  login: string;
  name: string;
  email: string;
  timeZone: string;
  contactMethods: ContactMethod[];
}

const COLUMNS = `id, login, name, email, time_zone, contact_methods, ical_token_hash is not null as has_calendar_feed,
  created_by, created_at, updated_at, version`;
const TOPIC = 'on-call';

/** A new calendar secret: 32 random bytes, prefixed so it is recognisable in a leaked URL. */
export const newFeedToken = (): string => `cal_${randomBytes(32).toString('base64url')}`;

export function personNotFound(id: string): AppError {
  return new AppError({ code: 'PERSON_NOT_FOUND', message: `No person with id ${id}`, details: { id } });
}

function loginTaken(err: unknown, login: string | undefined): never {
  if ((err as { code?: string }).code === '23505') {
    throw new AppError({ code: 'PERSON_ALREADY_EXISTS', message: `A person with login ${login} already exists`, details: { login } });
  }
  throw err;
}

/** Refuses contact methods naming a channel that does not exist, or one of another kind. */
async function checkChannels(sql: Db, methods: ContactMethod[]): Promise<void> {
  const ids = [...new Set(methods.flatMap((m) => (m.channelId ? [m.channelId] : [])))];
  if (!ids.length) return;
  const rows = await sql<{ id: string; kind: string }[]>`select id, kind from channels where id = any(${ids}::uuid[])`;
  const kinds = new Map(rows.map((r) => [r.id, r.kind]));
  const issues = methods.flatMap((m, i) => {
    if (!m.channelId) return [];
    const kind = kinds.get(m.channelId);
    if (!kind) return [{ path: `contactMethods.${i}.channelId`, message: `no channel with id ${m.channelId}`, code: 'custom' }];
    if (kind !== m.kind) return [{ path: `contactMethods.${i}.channelId`, message: `channel is a ${kind} channel, not ${m.kind}`, code: 'custom' }];
    return [];
  });
  if (issues.length) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      message: `Invalid body: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      details: { issues },
    });
  }
}

export async function listPeople(sql: Db, page?: Page): Promise<Person[]> {
  return sql<Person[]>`
    select ${sql.unsafe(COLUMNS)} from people where ${afterPosition(sql, page, [['login', 'text']], 'id')}
    order by login, id ${pageLimit(sql, page)}`;
}

export async function getPerson(sql: Db, id: string, forUpdate = false): Promise<Person> {
  const [row] = await sql<Person[]>`select ${sql.unsafe(COLUMNS)} from people where id = ${id} ${forUpdate ? sql`for update` : sql``}`;
  if (!row) throw personNotFound(id);
  return row;
}

/** People by id (those that exist), for naming who is on call. */
export async function peopleByIds(sql: Db, ids: string[]): Promise<Map<string, Person>> {
  if (!ids.length) return new Map();
  const rows = await sql<Person[]>`select ${sql.unsafe(COLUMNS)} from people where id = any(${ids}::uuid[])`;
  return new Map(rows.map((p) => [p.id, p]));
}

/** Creates a person with a calendar feed, and returns the feed's secret with it (its only plaintext copy). */
export async function createPerson(sql: Sql, input: PersonInput, actor: Actor): Promise<{ person: Person; feedToken: string }> {
  const feedToken = newFeedToken();
  const person = await sql.begin(async (tx) => {
    await checkChannels(tx, input.contactMethods);
    const [row] = await tx<Person[]>`
      insert into people (login, name, email, time_zone, contact_methods, ical_token_hash, created_by)
      values (${input.login}, ${input.name}, ${input.email}, ${input.timeZone}, ${tx.json(input.contactMethods as never)},
              ${hashToken(feedToken)}, ${actor.name})
      returning ${tx.unsafe(COLUMNS)}`.catch((err: unknown) => loginTaken(err, input.login));
    await appendEvent(tx, { topic: TOPIC, type: 'person.created', payload: row, actor: actor.name });
    return row!;
  });
  return { person, feedToken };
}

/** Changes a person under optimistic concurrency (a stale `version` is VERSION_CONFLICT; omitted, last write wins). */
export async function updatePerson(
  sql: Sql,
  id: string,
  version: number | undefined,
  changes: Partial<PersonInput>,
  actor: Actor
): Promise<Person> {
  return sql.begin(async (tx) => {
    const current = await getPerson(tx, id, true);
    if (version !== undefined && version !== current.version) {
      throw new AppError({
        code: 'VERSION_CONFLICT',
        message: `Person ${current.login} was changed by someone else (version ${current.version}, you sent ${version})`,
        details: { current },
      });
    }
    if (changes.contactMethods) await checkChannels(tx, changes.contactMethods);
    const [row] = await tx<Person[]>`
      update people set
        login = ${changes.login ?? current.login},
        name = ${changes.name ?? current.name},
        email = ${changes.email ?? current.email},
        time_zone = ${changes.timeZone ?? current.timeZone},
        contact_methods = ${tx.json((changes.contactMethods ?? current.contactMethods) as never)},
        updated_at = date_trunc('milliseconds', now()), version = version + 1
      where id = ${id}
      returning ${tx.unsafe(COLUMNS)}`.catch((err: unknown) => loginTaken(err, changes.login));
    await appendEvent(tx, { topic: TOPIC, type: 'person.updated', payload: row, actor: actor.name });
    return row!;
  });
}

/** Deletes a person and their overrides; refused (PERSON_ON_SCHEDULE) while a layer still names them. */
export async function deletePerson(sql: Sql, id: string, actor: Actor): Promise<void> {
  await sql.begin(async (tx) => {
    const person = await getPerson(tx, id, true);
    const rotas = await tx<{ id: string; name: string }[]>`
      select id, name from schedules where layers @> ${tx.json([{ participants: [id] }] as never)} order by name`;
    if (rotas.length) {
      throw new AppError({
        code: 'PERSON_ON_SCHEDULE',
        message: `${person.login} is still on the rota of ${rotas.map((r) => r.name).join(', ')}: take them off first`,
        details: { schedules: rotas },
      });
    }
    await tx`delete from people where id = ${id}`;
    await appendEvent(tx, { topic: TOPIC, type: 'person.deleted', payload: { id, login: person.login }, actor: actor.name });
  });
}

/** Replaces the person's calendar secret (the old feed URL stops working) and returns the new one. */
export async function rotatePersonFeed(sql: Sql, id: string, actor: Actor): Promise<string> {
  const feedToken = newFeedToken();
  await sql.begin(async (tx) => {
    const [row] = await tx`update people set ical_token_hash = ${hashToken(feedToken)} where id = ${id} returning id`;
    if (!row) throw personNotFound(id);
    await appendEvent(tx, { topic: TOPIC, type: 'person.feed_rotated', payload: { id }, actor: actor.name });
  });
  return feedToken;
}

/** The person whose calendar secret this is, if any. */
export async function personByFeedToken(sql: Db, token: string): Promise<Person | undefined> {
  const [row] = await sql<Person[]>`select ${sql.unsafe(COLUMNS)} from people where ical_token_hash = ${hashToken(token)}`;
  return row;
}
