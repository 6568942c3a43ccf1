/**
 * Schedules (layers as one jsonb array, domain/rotations.ts `Layer`) and their overrides. Reads for evaluation
 * load a schedule with only the overrides that touch the range asked about.
 */
import type { Sql, TransactionSql } from 'postgres';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import type { Layer, Override, Schedule } from '../domain/rotations.js';
import { appendEvent } from './events.js';
import { newFeedToken } from './people.js';
import { hashToken } from './tokens.js';
import { afterPosition, pageLimit, type Page } from './page.js';

type Db = Sql | TransactionSql;

export interface ScheduleRecord {
  id: string;
  name: string;
  description: string;
  timeZone: string;
  layers: Layer[];
  hasCalendarFeed: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface ScheduleInput {
  name: string;
  description: string;
  timeZone: string;
  layers: Layer[];
}

export interface OverrideRecord {
  id: string;
  scheduleId: string;
  personId: string;
  startsAt: Date;
  endsAt: Date;
  note: string;
  createdBy: string;
  createdAt: Date;
}

export interface NewOverride {
  personId: string;
  startsAt: Date;
  endsAt: Date;
  note: string;
}

const COLUMNS = `id, name, description, time_zone, layers, ical_token_hash is not null as has_calendar_feed, created_by,
  created_at, updated_at, version`;
const OVERRIDE_COLUMNS = 'id, schedule_id, person_id, starts_at, ends_at, note, created_by, created_at';
const TOPIC = 'on-call';

export function scheduleNotFound(id: string): AppError {
  return new AppError({ code: 'SCHEDULE_NOT_FOUND', message: `No schedule with id ${id}`, details: { id } });
}

function nameTaken(err: unknown, name: string | undefined): never {
  if ((err as { code?: string }).code === '23505') {
    throw new AppError({
      code: 'SCHEDULE_ALREADY_EXISTS',
      message: `A schedule named ${name} already exists`,
      details: { name },
    });
  }
  throw err;
}

/** Refuses people who do not exist, naming where each was given (`field` is the path's first part). */
export async function checkPeople(sql: Db, refs: Array<{ path: string; personId: string }>): Promise<void> {
  const ids = [...new Set(refs.map((r) => r.personId))];
  if (!ids.length) return;
  const rows = await sql<{ id: string }[]>`select id from people where id = any(${ids}::uuid[])`;
  const known = new Set(rows.map((r) => r.id));
  const issues = refs
    .filter((r) => !known.has(r.personId))
    .map((r) => ({ path: r.path, message: `no person with id ${r.personId}`, code: 'custom' }));
  if (issues.length) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      message: `Invalid body: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      details: { issues },
    });
  }
}

const participantsOf = (layers: Layer[]) =>
  layers.flatMap((l, i) => l.participants.map((personId, j) => ({ path: `layers.${i}.participants.${j}`, personId })));

export async function listSchedules(sql: Db, page?: Page): Promise<ScheduleRecord[]> {
  return sql<ScheduleRecord[]>`
    select ${sql.unsafe(COLUMNS)} from schedules where ${afterPosition(sql, page, [['name', 'text']], 'id')}
    order by name, id ${pageLimit(sql, page)}`;
}

export async function getSchedule(sql: Db, id: string, forUpdate = false): Promise<ScheduleRecord> {
  const [row] = await sql<ScheduleRecord[]>`
    select ${sql.unsafe(COLUMNS)} from schedules where id = ${id} ${forUpdate ? sql`for update` : sql``}`;
  if (!row) throw scheduleNotFound(id);
  return row;
}

/** Creates a schedule and returns its calendar secret with it (the only plaintext copy). */
export async function createSchedule(
  sql: Sql,
  input: ScheduleInput,
  actor: Actor,
  overrides: NewOverride[] = []
): Promise<{ schedule: ScheduleRecord; feedToken: string; overrides: OverrideRecord[] }> {
  const feedToken = newFeedToken();
  return sql.begin(async (tx) => {
    await checkPeople(tx, participantsOf(input.layers));
    const [row] = await tx<ScheduleRecord[]>`
      insert into schedules (name, description, time_zone, layers, ical_token_hash, created_by)
      values (${input.name}, ${input.description}, ${input.timeZone}, ${tx.json(input.layers as never)},
              ${hashToken(feedToken)}, ${actor.name})
      returning ${tx.unsafe(COLUMNS)}`.catch((err: unknown) => nameTaken(err, input.name));
    await appendEvent(tx, { topic: TOPIC, type: 'schedule.created', payload: row, actor: actor.name });
    const created: OverrideRecord[] = [];
    for (const o of overrides) created.push(await insertOverride(tx, row!.id, o, actor));
    return { schedule: row!, feedToken, overrides: created };
  });
}

/** Changes a schedule (layers replaced whole) under optimistic concurrency. */
export async function updateSchedule(
  sql: Sql,
  id: string,
  version: number | undefined,
  changes: Partial<ScheduleInput>,
  actor: Actor
): Promise<ScheduleRecord> {
  return sql.begin(async (tx) => {
    const current = await getSchedule(tx, id, true);
    if (version !== undefined && version !== current.version) {
      throw new AppError({
        code: 'VERSION_CONFLICT',
        message: `Schedule ${current.name} was changed by someone else (version ${current.version}, you sent ${version})`,
        details: { current },
      });
    }
    if (changes.layers) await checkPeople(tx, participantsOf(changes.layers));
    const [row] = await tx<ScheduleRecord[]>`
      update schedules set
        name = ${changes.name ?? current.name},
        description = ${changes.description ?? current.description},
        time_zone = ${changes.timeZone ?? current.timeZone},
        layers = ${tx.json((changes.layers ?? current.layers) as never)},
        updated_at = date_trunc('milliseconds', now()), version = version + 1
      where id = ${id}
      returning ${tx.unsafe(COLUMNS)}`.catch((err: unknown) => nameTaken(err, changes.name));
    await appendEvent(tx, { topic: TOPIC, type: 'schedule.updated', payload: row, actor: actor.name });
    return row!;
  });
}

export async function deleteSchedule(sql: Sql, id: string, actor: Actor): Promise<void> {
  await sql.begin(async (tx) => {
    const [row] = await tx<{ id: string; name: string }[]>`delete from schedules where id = ${id} returning id, name`;
    if (!row) throw scheduleNotFound(id);
    await appendEvent(tx, { topic: TOPIC, type: 'schedule.deleted', payload: row, actor: actor.name });
  });
}

/** Replaces the schedule's calendar secret and returns the new one. */
export async function rotateScheduleFeed(sql: Sql, id: string, actor: Actor): Promise<string> {
  const feedToken = newFeedToken();
  await sql.begin(async (tx) => {
    const [row] =
      await tx`update schedules set ical_token_hash = ${hashToken(feedToken)} where id = ${id} returning id`;
    if (!row) throw scheduleNotFound(id);
    await appendEvent(tx, { topic: TOPIC, type: 'schedule.feed_rotated', payload: { id }, actor: actor.name });
  });
  return feedToken;
}

export async function scheduleByFeedToken(sql: Db, token: string): Promise<ScheduleRecord | undefined> {
  const [row] = await sql<
    ScheduleRecord[]
  >`select ${sql.unsafe(COLUMNS)} from schedules where ical_token_hash = ${hashToken(token)}`;
  return row;
}

async function insertOverride(
  tx: TransactionSql,
  scheduleId: string,
  o: NewOverride,
  actor: Actor
): Promise<OverrideRecord> {
  const [row] = await tx<OverrideRecord[]>`
    insert into schedule_overrides (schedule_id, person_id, starts_at, ends_at, note, created_by)
    values (${scheduleId}, ${o.personId}, ${o.startsAt}, ${o.endsAt}, ${o.note}, ${actor.name})
    returning ${tx.unsafe(OVERRIDE_COLUMNS)}`;
  await appendEvent(tx, { topic: TOPIC, type: 'override.created', payload: row, actor: actor.name });
  return row!;
}

/** Adds overrides to a schedule in one transaction (a swap is two); `field` names the body field for an unknown person. */
export async function createOverrides(
  sql: Sql,
  scheduleId: string,
  overrides: Array<NewOverride & { path: string }>,
  actor: Actor
): Promise<OverrideRecord[]> {
  return sql.begin(async (tx) => {
    await getSchedule(tx, scheduleId, true);
    await checkPeople(tx, overrides);
    const created: OverrideRecord[] = [];
    for (const { path: _path, ...o } of overrides) created.push(await insertOverride(tx, scheduleId, o, actor));
    return created;
  });
}

export async function deleteOverride(sql: Sql, scheduleId: string, overrideId: string, actor: Actor): Promise<void> {
  await sql.begin(async (tx) => {
    await getSchedule(tx, scheduleId);
    const [row] = await tx<OverrideRecord[]>`
      delete from schedule_overrides where id = ${overrideId} and schedule_id = ${scheduleId}
      returning ${tx.unsafe(OVERRIDE_COLUMNS)}`;
    if (!row) {
      throw new AppError({
        code: 'OVERRIDE_NOT_FOUND',
        message: `No override ${overrideId} on schedule ${scheduleId}`,
        details: { id: overrideId },
      });
    }
    await appendEvent(tx, { topic: TOPIC, type: 'override.deleted', payload: row, actor: actor.name });
  });
}

const CREATED_MS = "date_trunc('milliseconds', created_at)";

/**
 * The schedule's overrides that end after `from` and start before `to`, oldest created first; a page of them when
 * `page` is given. created_at has microseconds and a cursor a Date's milliseconds: both order and cursor use those.
 */
export async function listOverrides(
  sql: Db,
  scheduleId: string,
  from: Date,
  to: Date,
  page?: Page
): Promise<OverrideRecord[]> {
  return sql<OverrideRecord[]>`
    select ${sql.unsafe(OVERRIDE_COLUMNS)} from schedule_overrides
    where schedule_id = ${scheduleId} and ends_at > ${from} and starts_at < ${to}
      and ${afterPosition(sql, page, [[CREATED_MS, 'timestamptz']], 'id')}
    order by ${sql.unsafe(CREATED_MS)}, id ${pageLimit(sql, page)}`;
}

/** A stored override as the rotation maths takes it. */
export const toOverride = (o: OverrideRecord): Override => ({
  id: o.id,
  personId: o.personId,
  start: o.startsAt.getTime(),
  end: o.endsAt.getTime(),
});

/**
 * Schedules ready to evaluate over [from, to): every schedule (or those in `ids`), each with the overrides that
 * touch the range, in two queries whatever their number.
 */
export async function loadSchedules(
  sql: Db,
  from: Date,
  to: Date,
  ids?: string[]
): Promise<Array<{ record: ScheduleRecord; schedule: Schedule }>> {
  const records = ids
    ? await sql<
        ScheduleRecord[]
      >`select ${sql.unsafe(COLUMNS)} from schedules where id = any(${ids}::uuid[]) order by name`
    : await listSchedules(sql);
  return withOverrides(sql, records, from, to);
}

/** Schedules already read, each with the overrides that touch [from, to), in one query. */
export async function withOverrides(
  sql: Db,
  records: ScheduleRecord[],
  from: Date,
  to: Date
): Promise<Array<{ record: ScheduleRecord; schedule: Schedule }>> {
  if (!records.length) return [];
  const overrides = await sql<OverrideRecord[]>`
    select ${sql.unsafe(OVERRIDE_COLUMNS)} from schedule_overrides
    where schedule_id = any(${records.map((r) => r.id)}::uuid[]) and ends_at > ${from} and starts_at < ${to}
    order by created_at, id`;
  const bySchedule = new Map<string, Override[]>();
  for (const o of overrides) {
    const list = bySchedule.get(o.scheduleId) ?? [];
    list.push(toOverride(o));
    bySchedule.set(o.scheduleId, list);
  }
  return records.map((record) => ({
    record,
    schedule: { layers: record.layers, overrides: bySchedule.get(record.id) ?? [] },
  }));
}
