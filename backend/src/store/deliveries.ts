/**
 * Deliveries: one row per (incident event, channel), written in the transaction of the change that causes it,
 * with its queue job (store/jobQueue.ts), so a rolled-back change leaves neither. The worker (notify/worker.ts)
 * claims a row per attempt and records each outcome here, with its timeline entry, in one transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Sql, TransactionSql } from 'postgres';
import { SYSTEM_ACTOR } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import type { Severity } from '../domain/incidents.js';
import { matchesFilter, type NotificationEvent, type NotificationFilter } from '../domain/notifications.js';
import { DELIVERY_COLUMNS, type Delivery } from './channels.js';
import { completeJob, DELIVERY_QUEUE, enqueueDelivery, JOB_SCHEMA } from './jobQueue.js';
import { insertTimelineEvent } from './timeline.js';

type Db = Sql | TransactionSql;

/**
 * Writes a delivery (and its job) for every unmuted channel of every unmuted rule that wants this event of this
 * incident, in the caller's transaction; a channel named by several rules gets one. Returns how many.
 */
export async function queueNotifications(
  tx: TransactionSql,
  incidentId: string,
  event: NotificationEvent,
  detail: string | null
): Promise<number> {
  const rules = await tx<Array<Required<NotificationFilter> & { channelIds: string[] }>>`
    select events, severities, services, teams, labels, channel_ids from notification_rules
    where not muted and ${event} = any(events) and cardinality(channel_ids) > 0`;
  if (rules.length === 0) return 0;
  const [subject] = await tx<
    { severity: Severity; labels: Record<string, string>; services: string[]; teams: string[] }[]
  >`
    select i.severity, i.labels,
           coalesce(array_agg(s.name) filter (where s.name is not null), '{}') as services,
           coalesce(array_agg(distinct s.team) filter (where s.team is not null), '{}') as teams
    from incidents i
    left join incident_services x on x.incident_id = i.id
    left join services s on s.id = x.service_id
    where i.id = ${incidentId}
    group by i.id`;
  if (!subject) return 0;
  const channelIds = new Set<string>();
  for (const rule of rules) {
    if (matchesFilter(rule, { event, ...subject })) for (const id of rule.channelIds) channelIds.add(id);
  }
  if (channelIds.size === 0) return 0;
  const channels = await tx<{ id: string }[]>`
    select id from channels where id = any(${[...channelIds]}::uuid[]) and not muted order by id`;
  for (const channel of channels) {
    const id = randomUUID();
    await tx`
      insert into deliveries (id, incident_id, channel_id, event, detail, idempotency_key)
      values (${id}, ${incidentId}, ${channel.id}, ${event}, ${detail}, ${`rs-${id}`})`;
    await enqueueDelivery(tx, id);
  }
  return channels.length;
}

/** The deliveries with these ids, in the order asked; undefined where there is none. */
export async function getDeliveries(sql: Db, ids: readonly string[]): Promise<Array<Delivery | undefined>> {
  const rows = await sql<
    Delivery[]
  >`select ${sql.unsafe(DELIVERY_COLUMNS)} from deliveries where id = any(${[...ids]}::uuid[])`;
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id));
}

export type Claim =
  | { kind: 'claimed'; delivery: Delivery }
  /** Not this job's turn: retry scheduled later, or another worker's lease still runs. */
  | { kind: 'later'; at: Date }
  /** Delivered, dead, or gone (its incident or channel deleted): nothing to do. */
  | { kind: 'finished' };

/**
 * Takes each delivery for one attempt: state `sending`, attempts + 1, leased until `leaseSeconds` from now. A row
 * left `sending` by a worker that died is taken again once its lease ran out (at least once: the receiver drops the
 * repeat by its idempotency key). One statement for all (the worker batches the claims of the jobs in flight); an id
 * asked twice is claimed once, the other asker finds it leased.
 */
export async function claimDeliveries(sql: Db, ids: readonly string[], leaseSeconds: number): Promise<Claim[]> {
  const claimed = await sql<Delivery[]>`
    update deliveries set state = 'sending', attempts = attempts + 1,
      lease_until = now() + ${leaseSeconds} * interval '1 second'
    where id = any(${[...ids]}::uuid[])
      and ((state in ('pending', 'failed') and next_attempt_at <= now()) or (state = 'sending' and lease_until < now()))
    returning ${sql.unsafe(DELIVERY_COLUMNS)}, lease_until`;
  const byId = new Map<string, Delivery & { leaseUntil?: Date }>(claimed.map((row) => [row.id, row]));
  const rest = ids.filter((id) => !byId.has(id));
  const others = rest.length
    ? await sql<{ id: string; state: Delivery['state']; at: Date }[]>`
        select id, state, case when state = 'sending' then lease_until else next_attempt_at end as at
        from deliveries where id = any(${rest}::uuid[])`
    : [];
  const otherById = new Map(others.map((row) => [row.id, row]));
  const given = new Set<string>();
  return ids.map((id): Claim => {
    const row = byId.get(id);
    if (row) {
      if (given.has(id)) return { kind: 'later', at: row.leaseUntil! };
      given.add(id);
      const { leaseUntil: _lease, ...delivery } = row;
      return { kind: 'claimed', delivery };
    }
    const other = otherById.get(id);
    if (!other || other.state === 'delivered' || other.state === 'dead') return { kind: 'finished' };
    return { kind: 'later', at: other.at };
  });
}

/** Moves the job to later without an attempt (channel busy, breaker open, not due), atomically. */
export async function deferDelivery(
  sql: Sql,
  id: string,
  jobId: string,
  at: Date,
  nextAttemptAt?: Date
): Promise<void> {
  await sql.begin(async (tx) => {
    if (nextAttemptAt) {
      await tx`update deliveries set next_attempt_at = ${nextAttemptAt} where id = ${id} and state in ('pending', 'failed')`;
    }
    await enqueueDelivery(tx, id, at);
    await completeJob(tx, jobId);
  });
}

// One replica sweeps at a time (a transaction-scoped advisory lock; the key is arbitrary, unique in the studio).
const SWEEP_LOCK = 7_240_019;

/**
 * Gives a new job to each delivery overdue by more than `overdueSeconds` that has no open job: pg-boss gave up on
 * its job (its retries ran out while the database was away longer than they last) or lost it. Without this, such a
 * notification would never be sent. Returns how many; a few hundred per call, the next call takes the rest.
 */
export async function requeueStranded(sql: Sql, overdueSeconds: number): Promise<number> {
  return sql.begin(async (tx) => {
    const [lock] = await tx<{ isOurs: boolean }[]>`select pg_try_advisory_xact_lock(${SWEEP_LOCK}) as is_ours`;
    if (!lock!.isOurs) return 0;
    const stranded = await tx<{ id: string }[]>`
      select d.id from deliveries d
      where ((d.state in ('pending', 'failed') and d.next_attempt_at < now() - ${overdueSeconds} * interval '1 second')
          or (d.state = 'sending' and d.lease_until < now() - ${overdueSeconds} * interval '1 second'))
        and not exists (
          select 1 from ${tx(JOB_SCHEMA)}.job j
          where j.name = ${DELIVERY_QUEUE} and j.data->>'deliveryId' = d.id::text and j.state < 'completed')
      limit 500`;
    for (const { id } of stranded) await enqueueDelivery(tx, id);
    return stranded.length;
  });
}

/** Completes a job that has nothing left to do. */
export async function finishJob(sql: Sql, jobId: string): Promise<void> {
  await sql.begin((tx) => completeJob(tx, jobId));
}

export type Outcome =
  | { kind: 'delivered' }
  | { kind: 'retrying'; error: string; status: number | null; nextAttemptAt: Date }
  /** refused: the receiver said no for good (4xx); exhausted: the retry budget ran out; muted: never sent. */
  | { kind: 'dead'; error: string; status: number | null; reason: 'refused' | 'exhausted' | 'muted' }
  /** Not sent after all (the channel's breaker opened meanwhile): the attempt is given back, tried at `at`. */
  | { kind: 'postponed'; at: Date };

export interface AttemptRecord {
  delivery: Delivery;
  jobId: string;
  channel: { id: string; name: string; kind: string };
  maxAttempts: number;
  outcome: Outcome;
}

/**
 * Records attempts' outcomes, each fenced on its attempt (still `sending`, same attempt number), with its timeline
 * entry, the channel's last error, the next attempt's job and the end of this one. One transaction for all (the
 * worker batches the outcomes that arrive together: one commit instead of one per delivery); if it fails, each is
 * recorded alone, so one bad record does not take the others with it. Each result is false when the fence failed
 * (the lease had run out and another worker took the delivery over), or the error recording it met.
 */
export async function recordAttempts(sql: Sql, records: readonly AttemptRecord[]): Promise<Array<boolean | Error>> {
  if (records.length > 1) {
    try {
      // Concurrent within the transaction: postgres.js pipelines them on its connection.
      return await sql.begin((tx) => Promise.all(records.map((record) => recordIn(tx, record))));
    } catch {
      // Recorded one by one below.
    }
  }
  return Promise.all(records.map((record) => sql.begin((tx) => recordIn(tx, record)).catch((err: Error) => err)));
}

async function recordIn(tx: TransactionSql, record: AttemptRecord): Promise<boolean> {
  const { delivery, outcome, channel } = record;
  if (outcome.kind === 'postponed') {
    const [row] = await tx`
      update deliveries set state = case when attempts > 1 then 'failed' else 'pending' end,
        attempts = attempts - 1, lease_until = null, next_attempt_at = ${outcome.at}
      where id = ${delivery.id} and state = 'sending' and attempts = ${delivery.attempts}
      returning id`;
    await completeJob(tx, record.jobId);
    if (row) await enqueueDelivery(tx, delivery.id, outcome.at);
    return row !== undefined;
  }
  const error = outcome.kind === 'delivered' ? null : outcome.error;
  const status = outcome.kind === 'delivered' ? null : outcome.status;
  const [row] = await tx`
    update deliveries set
      state = ${outcome.kind === 'retrying' ? 'failed' : outcome.kind},
      lease_until = null, last_error = ${error}, last_status = ${status},
      next_attempt_at = ${outcome.kind === 'retrying' ? outcome.nextAttemptAt : tx`next_attempt_at`},
      delivered_at = ${outcome.kind === 'delivered' ? tx`date_trunc('milliseconds', now())` : null}
    where id = ${delivery.id} and state = 'sending' and attempts = ${delivery.attempts}
    returning id`;
  await completeJob(tx, record.jobId);
  if (!row) return false;
  if (outcome.kind === 'retrying') await enqueueDelivery(tx, delivery.id, outcome.nextAttemptAt);
  if (outcome.kind === 'dead' && outcome.reason !== 'muted') {
    await tx`
      update channels set last_error = ${outcome.error}, last_error_at = date_trunc('milliseconds', now())
      where id = ${channel.id}`;
  }
  if (delivery.incidentId) {
    await insertTimelineEvent(tx, delivery.incidentId, SYSTEM_ACTOR, {
      type: 'notification',
      message: describeOutcome({ ...record, outcome }),
      data: {
        deliveryId: delivery.id,
        channelId: channel.id,
        channel: channel.name,
        kind: channel.kind,
        event: delivery.event,
        outcome: outcome.kind,
        attempt: delivery.attempts,
        error,
        status,
        nextAttemptAt: outcome.kind === 'retrying' ? outcome.nextAttemptAt.toISOString() : null,
        recipient: delivery.recipient,
      },
    });
  }
  return true;
}

function describeOutcome({
  delivery,
  outcome,
  channel,
  maxAttempts,
}: AttemptRecord & { outcome: Exclude<Outcome, { kind: 'postponed' }> }): string {
  // A page names whom it was for: "page to Ana (email ana@example.com) via relay (email)".
  const what = delivery.recipient
    ? `page to ${delivery.recipient.name} (${delivery.recipient.kind} ${delivery.recipient.target}) via ${channel.name} (${channel.kind})`
    : `${delivery.event.replace('_', ' ')} notification to ${channel.name} (${channel.kind})`;
  switch (outcome.kind) {
    case 'delivered':
      return `Sent the ${what}`;
    case 'retrying':
      return `The ${what} failed (attempt ${delivery.attempts} of ${maxAttempts}): ${outcome.error}; trying again at ${outcome.nextAttemptAt.toISOString()}`;
    case 'dead':
      if (outcome.reason === 'muted') return `Did not send the ${what}: the channel was muted`;
      return outcome.reason === 'refused'
        ? `The ${what} was refused: ${outcome.error} (not retried: check the channel's settings)`
        : `Gave up on the ${what} after ${delivery.attempts} attempts: ${outcome.error}`;
  }
}

/**
 * Sends a dead or failed delivery again (an admin's redeliver): attempts from zero, same idempotency key, its job
 * written with it. A delivered or in-flight one is DELIVERY_NOT_REDELIVERABLE.
 */
export async function redeliver(sql: Sql, id: string): Promise<Delivery> {
  return sql.begin(async (tx) => {
    const [row] = await tx<
      Delivery[]
    >`select ${tx.unsafe(DELIVERY_COLUMNS)} from deliveries where id = ${id} for update`;
    if (!row) throw new AppError({ code: 'DELIVERY_NOT_FOUND', message: `No delivery with id ${id}`, details: { id } });
    if (row.state !== 'dead' && row.state !== 'failed') {
      throw new AppError({
        code: 'DELIVERY_NOT_REDELIVERABLE',
        message: `Delivery ${id} is ${row.state}: only a dead or failed delivery is sent again`,
        details: { id, state: row.state },
      });
    }
    const [updated] = await tx<Delivery[]>`
      update deliveries set state = 'pending', attempts = 0, next_attempt_at = date_trunc('milliseconds', now()),
        lease_until = null
      where id = ${id}
      returning ${tx.unsafe(DELIVERY_COLUMNS)}`;
    await enqueueDelivery(tx, id);
    return updated!;
  });
}
