/**
 * An incident's escalation: started from its service's policy, it fires steps until someone acknowledges, the
 * incident resolves, or the policy runs out. Each step is written in one transaction with everything it causes:
 * the step row, a page (a delivery and its queue job) per contact method tried, the timeline entry (and so its
 * live event), the move to the next position, the version bump that fences it, and the next step's timer job.
 * A rolled-back step leaves none of them, and a step whose job finds the version moved on fires nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Sql, TransactionSql } from 'postgres';
import { SYSTEM_ACTOR, type Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import {
  choosePolicy,
  planAfterStep,
  routeContacts,
  type EscalationState,
  type EscalationStep,
  type Position,
  type RoutableChannel,
  type ServicePolicies,
  type Urgency,
} from '../domain/escalation.js';
import type { Severity } from '../domain/incidents.js';
import type { Recipient } from '../domain/notifications.js';
import { onCallAt } from '../domain/rotations.js';
import type { DeliveryState } from './channels.js';
import { completeEscalationJob, enqueueDelivery, enqueueEscalationStep, type EscalationJob } from './jobQueue.js';
import type { Person } from './people.js';
import { loadSchedules } from './schedules.js';
import { insertTimelineEvent } from './timeline.js';

type Db = Sql | TransactionSql;

export interface Escalation {
  incidentId: string;
  policyId: string | null;
  policyName: string;
  steps: EscalationStep[];
  repeat: number;
  /** The step that fires next and its pass over the list. */
  step: number;
  pass: number;
  state: EscalationState;
  nextStepAt: Date | null;
  version: number;
  startedBy: string;
  startedAt: Date;
  stoppedAt: Date | null;
  stoppedBy: string | null;
  updatedAt: Date;
}

export const STEP_TRIGGERS = ['start', 'timer', 'escalate_now'] as const;
export type StepTrigger = (typeof STEP_TRIGGERS)[number];

/** A step's target as it was when the step fired (names kept: the person or schedule may be renamed later). */
export interface FiredTarget {
  kind: 'schedule' | 'person' | 'channel';
  id: string;
  name: string | null;
  /** Who was on call, for a schedule step. */
  personId?: string | null;
  personName?: string | null;
}

export interface FiredStep {
  id: string;
  step: number;
  pass: number;
  trigger: StepTrigger;
  target: FiredTarget;
  urgency: Urgency;
  problem: string | null;
  firedBy: string;
  firedAt: Date;
}

export interface PageRecord {
  deliveryId: string;
  escalationStepId: string;
  channelId: string;
  channelName: string;
  channelKind: string;
  recipient: Recipient | null;
  state: DeliveryState;
  attempts: number;
  lastError: string | null;
  deliveredAt: Date | null;
}

const COLUMNS = `incident_id, policy_id, policy_name, steps, repeat, step, pass, state, next_step_at, version, started_by,
  started_at, stopped_at, stopped_by, updated_at`;

export function escalationNotFound(incidentId: string): AppError {
  return new AppError({
    code: 'ESCALATION_NOT_FOUND',
    message: `Incident ${incidentId} has no escalation`,
    details: { id: incidentId },
  });
}

async function dbNow(tx: Db): Promise<Date> {
  const [row] = await tx<{ now: Date }[]>`select date_trunc('milliseconds', now()) as now`;
  return row!.now;
}

export async function findEscalation(sql: Db, incidentId: string, forUpdate = false): Promise<Escalation | undefined> {
  const [row] = await sql<Escalation[]>`
    select ${sql.unsafe(COLUMNS)} from escalations where incident_id = ${incidentId} ${forUpdate ? sql`for update` : sql``}`;
  return row;
}

/** The policy the incident's services name for its severity (domain/escalation.ts choosePolicy), or null. */
export async function policyForIncident(tx: Db, incidentId: string): Promise<string | null> {
  const rows = await tx<Array<ServicePolicies & { severity: Severity }>>`
    select s.name, s.tier, s.escalation_policy_id, s.escalation_policies, i.severity
    from incidents i
    join incident_services x on x.incident_id = i.id
    join services s on s.id = x.service_id
    where i.id = ${incidentId}`;
  return rows.length ? choosePolicy(rows, rows[0]!.severity) : null;
}

/**
 * Starts the incident's escalation in the caller's transaction and fires its first step there: the first page is
 * queued with the incident itself. Uses `policyId`, else the policy its services name; returns undefined when
 * there is none, or the escalation already running when the incident has one.
 */
export async function startEscalation(
  tx: TransactionSql,
  incidentId: string,
  actor: Actor,
  policyId?: string
): Promise<Escalation | undefined> {
  const chosen = policyId ?? (await policyForIncident(tx, incidentId));
  if (!chosen) return undefined;
  const [policy] = await tx<{ id: string; name: string; steps: EscalationStep[]; repeat: number }[]>`
    select id, name, steps, repeat from escalation_policies where id = ${chosen}`;
  if (!policy || policy.steps.length === 0) return undefined;
  const [row] = await tx<Escalation[]>`
    insert into escalations (incident_id, policy_id, policy_name, steps, repeat, started_by)
    values (${incidentId}, ${policy.id}, ${policy.name}, ${tx.json(policy.steps as never)}, ${policy.repeat}, ${actor.name})
    on conflict (incident_id) do nothing
    returning ${tx.unsafe(COLUMNS)}`;
  if (!row) return findEscalation(tx, incidentId);
  await insertTimelineEvent(tx, incidentId, actor, {
    type: 'escalation',
    message: `Escalation started: policy ${policy.name} (${policy.steps.length} step${policy.steps.length === 1 ? '' : 's'}${
      policy.repeat ? `, repeated ${policy.repeat} time${policy.repeat === 1 ? '' : 's'}` : ''
    })`,
    data: { action: 'started', policyId: policy.id, policyName: policy.name, state: 'active' },
  });
  return fireSteps(tx, row, 'start', actor);
}

/**
 * Stops an active escalation in the caller's transaction (acknowledged or resolved): its pending timer finds the
 * version moved on. Nothing to do when there is none or it already stopped.
 */
export async function stopEscalation(
  tx: TransactionSql,
  incidentId: string,
  state: 'acknowledged' | 'resolved',
  actor: Actor
): Promise<void> {
  const [row] = await tx<Escalation[]>`
    update escalations set state = ${state}, next_step_at = null, version = version + 1,
      stopped_at = date_trunc('milliseconds', now()), stopped_by = ${actor.name},
      updated_at = date_trunc('milliseconds', now())
    where incident_id = ${incidentId} and state = 'active'
    returning ${tx.unsafe(COLUMNS)}`;
  if (!row) return;
  await insertTimelineEvent(tx, incidentId, actor, {
    type: 'escalation',
    message: `Escalation stopped: ${state} by ${actor.name}`,
    data: { action: 'stopped', policyId: row.policyId, policyName: row.policyName, state },
  });
}

/**
 * Locks the incident, then its escalation, the order acknowledging and resolving take them in (they lock the
 * incident to change it, then stop the escalation): the other order deadlocks with them. NO KEY UPDATE, so the
 * foreign-key checks of the step's own inserts (timeline, deliveries) and of alert intake are not held up.
 */
async function lockEscalation(tx: TransactionSql, incidentId: string): Promise<{ hasIncident: boolean; row: Escalation | undefined }> {
  const [incident] = await tx`select 1 from incidents where id = ${incidentId} for no key update`;
  if (!incident) return { hasIncident: false, row: undefined };
  return { hasIncident: true, row: await findEscalation(tx, incidentId, true) };
}

/** "Escalate now": fires the next step at once, in one transaction; the step's timer becomes stale. */
export async function escalateNow(sql: Sql, incidentId: string, actor: Actor): Promise<Escalation> {
  return sql.begin(async (tx) => {
    const { hasIncident, row } = await lockEscalation(tx, incidentId);
    if (!hasIncident) throw new AppError({ code: 'INCIDENT_NOT_FOUND', message: `No incident with id ${incidentId}`, details: { id: incidentId } });
    if (!row) throw escalationNotFound(incidentId);
    if (row.state !== 'active') {
      throw new AppError({
        code: 'ESCALATION_NOT_ACTIVE',
        message: `The escalation of this incident is ${row.state}: there is no next step to fire`,
        details: { state: row.state },
      });
    }
    return fireSteps(tx, row, 'escalate_now', actor);
  });
}

/**
 * Fires the step a timer job was scheduled for, unless the escalation moved on since (the fence: same version,
 * still active), and completes the job in the same transaction. Two workers holding copies of one job fire it
 * once: the second waits on the row lock and then finds the version bumped.
 */
export async function fireDueStep(sql: Sql, job: EscalationJob, jobId: string): Promise<'fired' | 'stale'> {
  return sql.begin(async (tx) => {
    const { row } = await lockEscalation(tx, job.incidentId);
    const isDue = row !== undefined && row.version === job.version && row.state === 'active';
    if (isDue) await fireSteps(tx, row, 'timer', SYSTEM_ACTOR);
    await completeEscalationJob(tx, jobId);
    return isDue ? 'fired' : 'stale';
  });
}

/**
 * Fires the step at the row's position, then moves on: to the next step's timer, to exhausted, or, when the next
 * step is due already (nobody was paged, or a zero wait), straight into it. Bounded: every pass of the loop moves
 * the position forward and the policy has finitely many.
 */
async function fireSteps(tx: TransactionSql, start: Escalation, trigger: StepTrigger, actor: Actor): Promise<Escalation> {
  let row = start;
  for (;;) {
    const now = await dbNow(tx);
    const hasPaged = await fireStep(tx, row, trigger, actor);
    const plan = planAfterStep(row, { step: row.step, pass: row.pass }, now.getTime(), hasPaged);
    if (!plan) return exhaust(tx, row);
    const dueAt = new Date(plan.dueAt);
    row = await moveTo(tx, row, plan.position, dueAt);
    if (dueAt > now) {
      await enqueueEscalationStep(tx, { incidentId: row.incidentId, version: row.version }, dueAt);
      return row;
    }
  }
}

async function moveTo(tx: TransactionSql, row: Escalation, position: Position, dueAt: Date): Promise<Escalation> {
  const [moved] = await tx<Escalation[]>`
    update escalations set step = ${position.step}, pass = ${position.pass}, next_step_at = ${dueAt},
      version = version + 1, updated_at = date_trunc('milliseconds', now())
    where incident_id = ${row.incidentId}
    returning ${tx.unsafe(COLUMNS)}`;
  return moved!;
}

async function exhaust(tx: TransactionSql, row: Escalation): Promise<Escalation> {
  const [done] = await tx<Escalation[]>`
    update escalations set state = 'exhausted', next_step_at = null, version = version + 1,
      updated_at = date_trunc('milliseconds', now())
    where incident_id = ${row.incidentId}
    returning ${tx.unsafe(COLUMNS)}`;
  await insertTimelineEvent(tx, row.incidentId, SYSTEM_ACTOR, {
    type: 'escalation',
    message: `Escalation exhausted: policy ${row.policyName} ran out of steps and nobody acknowledged`,
    data: { action: 'exhausted', policyId: row.policyId, policyName: row.policyName, state: 'exhausted' },
  });
  return done!;
}

interface Resolved {
  target: FiredTarget;
  person: Person | null;
  channel: RoutableChannel | null;
  problem: string | null;
}

/** Who or what the step pages right now: the schedule's on-call person, the person, or the channel. */
async function resolveTarget(tx: TransactionSql, step: EscalationStep, now: Date): Promise<Resolved> {
  const { target } = step;
  if (target.kind === 'channel') {
    const [channel] = await tx<RoutableChannel[]>`select id, kind, name, muted from channels where id = ${target.channelId}`;
    const fired: FiredTarget = { kind: 'channel', id: target.channelId, name: channel?.name ?? null };
    if (!channel) return { target: fired, person: null, channel: null, problem: 'the channel no longer exists' };
    if (channel.muted) return { target: fired, person: null, channel: null, problem: `channel ${channel.name} is muted` };
    return { target: fired, person: null, channel, problem: null };
  }
  let personId: string | null;
  let fired: FiredTarget;
  if (target.kind === 'schedule') {
    const [loaded] = await loadSchedules(tx, now, new Date(now.getTime() + 1), [target.scheduleId]);
    if (!loaded) {
      return { target: { kind: 'schedule', id: target.scheduleId, name: null }, person: null, channel: null, problem: 'the schedule no longer exists' };
    }
    personId = onCallAt(loaded.schedule, now.getTime()).personId;
    fired = { kind: 'schedule', id: target.scheduleId, name: loaded.record.name, personId, personName: null };
    if (!personId) return { target: fired, person: null, channel: null, problem: `nobody is on call in ${loaded.record.name}` };
  } else {
    personId = target.personId;
    fired = { kind: 'person', id: personId, name: null };
  }
  const [person] = await tx<Person[]>`select id, login, name, email, contact_methods from people where id = ${personId}`;
  if (!person) return { target: fired, person: null, channel: null, problem: 'the person no longer exists' };
  fired = target.kind === 'schedule' ? { ...fired, personName: person.name } : { ...fired, name: person.name };
  return { target: fired, person, channel: null, problem: null };
}

/** One page: a `paged` delivery and its job, in the step's transaction. */
async function writePage(
  tx: TransactionSql,
  incidentId: string,
  stepId: string,
  channelId: string,
  detail: string,
  urgency: Urgency,
  recipient: Recipient | null
): Promise<string> {
  const id = randomUUID();
  await tx`
    insert into deliveries (id, incident_id, channel_id, event, detail, idempotency_key, recipient, urgency, escalation_step_id)
    values (${id}, ${incidentId}, ${channelId}, 'paged', ${detail}, ${`rs-${id}`},
            ${recipient ? tx.json(recipient as never) : null}, ${urgency}, ${stepId})`;
  await enqueueDelivery(tx, id);
  return id;
}

/** Fires the step at the row's position: its row, its pages and its timeline entry. True when someone was paged. */
async function fireStep(tx: TransactionSql, row: Escalation, trigger: StepTrigger, actor: Actor): Promise<boolean> {
  const step = row.steps[row.step]!;
  const now = await dbNow(tx);
  const resolved = await resolveTarget(tx, step, now);
  const stepId = randomUUID();
  const where = `step ${row.step + 1} of ${row.steps.length}${row.repeat ? `, pass ${row.pass + 1} of ${row.repeat + 1}` : ''}`;
  const detail =
    `Escalation policy ${row.policyName}, ${where}` +
    (resolved.target.kind === 'schedule' && resolved.target.name ? `: on call in ${resolved.target.name}` : '');
  const pages: Array<{ deliveryId: string; channelId: string; channel: string; kind: string; contact: string | null }> = [];
  const skipped: string[] = [];
  let problem = resolved.problem;
  // The step's row goes first: its pages name it.
  await tx`
    insert into escalation_steps (id, incident_id, step, pass, trigger, target, urgency, problem, fired_by, fired_at)
    values (${stepId}, ${row.incidentId}, ${row.step}, ${row.pass}, ${trigger}, ${tx.json(resolved.target as never)},
            ${step.urgency}, ${problem}, ${actor.name}, ${now})`;
  if (resolved.channel) {
    const { channel } = resolved;
    const deliveryId = await writePage(tx, row.incidentId, stepId, channel.id, detail, step.urgency, null);
    pages.push({ deliveryId, channelId: channel.id, channel: channel.name, kind: channel.kind, contact: null });
  } else if (resolved.person) {
    const { person } = resolved;
    const channels = await tx<RoutableChannel[]>`select id, kind, name, muted from channels`;
    for (const route of routeContacts(person.contactMethods, channels)) {
      if (!route.channel) {
        skipped.push(`${route.method.kind} ${route.method.target} (${route.problem})`);
        continue;
      }
      const recipient: Recipient = {
        personId: person.id,
        login: person.login,
        name: person.name,
        kind: route.method.kind,
        target: route.method.target,
      };
      const deliveryId = await writePage(tx, row.incidentId, stepId, route.channel.id, detail, step.urgency, recipient);
      pages.push({ deliveryId, channelId: route.channel.id, channel: route.channel.name, kind: route.channel.kind, contact: route.method.kind });
    }
    if (!pages.length) {
      problem = person.contactMethods.length
        ? `${person.name} has no reachable contact method: ${skipped.join('; ')}`
        : `${person.name} has no contact methods`;
    }
  }
  await tx`
    update escalation_steps set problem = ${problem}, delivery_ids = ${pages.map((p) => p.deliveryId)}::uuid[]
    where id = ${stepId}`;
  await insertTimelineEvent(tx, row.incidentId, actor, {
    type: 'escalation',
    message: describeStep(row, resolved.target, pages, problem, trigger, where),
    data: {
      action: 'step',
      policyId: row.policyId,
      policyName: row.policyName,
      state: 'active',
      stepId,
      step: row.step,
      pass: row.pass,
      trigger,
      target: resolved.target,
      urgency: step.urgency,
      pages,
      problem,
      skipped,
    },
  });
  return pages.length > 0;
}

function describeStep(
  row: Escalation,
  target: FiredTarget,
  pages: Array<{ channel: string; contact: string | null }>,
  problem: string | null,
  trigger: StepTrigger,
  where: string
): string {
  const why = trigger === 'escalate_now' ? ' (escalated now)' : '';
  const Where = where.charAt(0).toUpperCase() + where.slice(1);
  if (problem) return `${Where}${why}: nobody paged, ${problem}; moving on`;
  const whom =
    target.kind === 'schedule'
      ? `${target.personName} (on call in ${target.name})`
      : target.kind === 'person'
        ? `${target.name}`
        : `channel ${target.name}`;
  const how = pages.map((p) => (p.contact ? `${p.contact} via ${p.channel}` : p.channel)).join(', ');
  return `${Where}${why}: paged ${whom} by ${how}`;
}

/** The escalation with every step it fired, oldest first, and every page of those steps and how it went. */
export async function getEscalationView(
  sql: Db,
  incidentId: string
): Promise<{ escalation: Escalation; steps: FiredStep[]; pages: PageRecord[] }> {
  const escalation = await findEscalation(sql, incidentId);
  if (!escalation) throw escalationNotFound(incidentId);
  const [steps, pages] = await Promise.all([
    sql<FiredStep[]>`
      select id, step, pass, trigger, target, urgency, problem, fired_by, fired_at from escalation_steps
      where incident_id = ${incidentId} order by fired_at, pass, step`,
    sql<PageRecord[]>`
      select d.id as delivery_id, d.escalation_step_id, d.channel_id, c.name as channel_name, c.kind as channel_kind,
             d.recipient, d.state, d.attempts, d.last_error, d.delivered_at
      from deliveries d
      join channels c on c.id = d.channel_id
      join escalation_steps s on s.id = d.escalation_step_id
      where d.incident_id = ${incidentId}
      order by s.fired_at, array_position(s.delivery_ids, d.id)`,
  ]);
  return { escalation, steps, pages };
}
