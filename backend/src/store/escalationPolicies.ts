/**
 * Escalation policies (steps as one jsonb array, domain/escalation.ts EscalationStep). A step's target must exist
 * when the policy is saved; one deleted later is reported by the step that finds it gone (store/escalations.ts).
 */
import type { Sql, TransactionSql } from 'postgres';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import type { EscalationStep } from '../domain/escalation.js';
import { appendEvent } from './events.js';
import { afterPosition, pageLimit, type Page } from './page.js';

type Db = Sql | TransactionSql;

export interface EscalationPolicyRecord {
  id: string;
  name: string;
  description: string;
  steps: EscalationStep[];
  repeat: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface EscalationPolicyInput {
  name: string;
  description: string;
  steps: EscalationStep[];
  repeat: number;
}

const COLUMNS = 'id, name, description, steps, repeat, created_by, created_at, updated_at, version';
const TOPIC = 'on-call';

export function policyNotFound(id: string): AppError {
  return new AppError({
    code: 'ESCALATION_POLICY_NOT_FOUND',
    message: `No escalation policy with id ${id}`,
    details: { id },
  });
}

function nameTaken(err: unknown, name: string | undefined): never {
  if ((err as { code?: string }).code === '23505') {
    throw new AppError({
      code: 'ESCALATION_POLICY_ALREADY_EXISTS',
      message: `An escalation policy named ${name} already exists`,
      details: { name },
    });
  }
  throw err;
}

/** Refuses steps whose schedule, person or channel does not exist (VALIDATION_FAILED naming the step). */
async function checkTargets(sql: Db, steps: EscalationStep[]): Promise<void> {
  const wanted = { schedule: new Set<string>(), person: new Set<string>(), channel: new Set<string>() };
  for (const { target } of steps) {
    wanted[target.kind].add(
      target.kind === 'schedule' ? target.scheduleId : target.kind === 'person' ? target.personId : target.channelId
    );
  }
  const found = async (table: string, ids: Set<string>) =>
    ids.size
      ? new Set(
          (await sql<{ id: string }[]>`select id from ${sql(table)} where id = any(${[...ids]}::uuid[])`).map(
            (r) => r.id
          )
        )
      : new Set<string>();
  const [schedules, people, channels] = await Promise.all([
    found('schedules', wanted.schedule),
    found('people', wanted.person),
    found('channels', wanted.channel),
  ]);
  const issues = steps.flatMap(({ target }, i) => {
    const [exists, field, id] =
      target.kind === 'schedule'
        ? [schedules.has(target.scheduleId), 'scheduleId', target.scheduleId]
        : target.kind === 'person'
          ? [people.has(target.personId), 'personId', target.personId]
          : [channels.has(target.channelId), 'channelId', target.channelId];
    return exists
      ? []
      : [{ path: `steps.${i}.target.${field}`, message: `no ${target.kind} with id ${id}`, code: 'custom' }];
  });
  if (issues.length) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      message: `Invalid body: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      details: { issues },
    });
  }
}

/** By name; a page of them when `page` is given (every one without, for the importer's matching). */
export async function listPolicies(sql: Db, page?: Page): Promise<EscalationPolicyRecord[]> {
  return sql<EscalationPolicyRecord[]>`
    select ${sql.unsafe(COLUMNS)} from escalation_policies where ${afterPosition(sql, page, [['name', 'text']], 'id')}
    order by name, id ${pageLimit(sql, page)}`;
}

export async function getPolicy(sql: Db, id: string, forUpdate = false): Promise<EscalationPolicyRecord> {
  const [row] = await sql<EscalationPolicyRecord[]>`
    select ${sql.unsafe(COLUMNS)} from escalation_policies where id = ${id} ${forUpdate ? sql`for update` : sql``}`;
  if (!row) throw policyNotFound(id);
  return row;
}

export async function createPolicy(
  sql: Sql,
  input: EscalationPolicyInput,
  actor: Actor
): Promise<EscalationPolicyRecord> {
  return sql.begin(async (tx) => {
    await checkTargets(tx, input.steps);
    const [row] = await tx<EscalationPolicyRecord[]>`
      insert into escalation_policies (name, description, steps, repeat, created_by)
      values (${input.name}, ${input.description}, ${tx.json(input.steps as never)}, ${input.repeat}, ${actor.name})
      returning ${tx.unsafe(COLUMNS)}`.catch((err: unknown) => nameTaken(err, input.name));
    await appendEvent(tx, { topic: TOPIC, type: 'escalation_policy.created', payload: row, actor: actor.name });
    return row!;
  });
}

/** Changes a policy (steps replaced whole) under optimistic concurrency; escalations under way keep their copy. */
export async function updatePolicy(
  sql: Sql,
  id: string,
  version: number | undefined,
  changes: Partial<EscalationPolicyInput>,
  actor: Actor
): Promise<EscalationPolicyRecord> {
  return sql.begin(async (tx) => {
    const current = await getPolicy(tx, id, true);
    if (version !== undefined && version !== current.version) {
      throw new AppError({
        code: 'VERSION_CONFLICT',
        message: `Escalation policy ${current.name} was changed by someone else (version ${current.version}, you sent ${version})`,
        details: { current },
      });
    }
    if (changes.steps) await checkTargets(tx, changes.steps);
    const [row] = await tx<EscalationPolicyRecord[]>`
      update escalation_policies set
        name = ${changes.name ?? current.name},
        description = ${changes.description ?? current.description},
        steps = ${tx.json((changes.steps ?? current.steps) as never)},
        repeat = ${changes.repeat ?? current.repeat},
        updated_at = date_trunc('milliseconds', now()), version = version + 1
      where id = ${id}
      returning ${tx.unsafe(COLUMNS)}`.catch((err: unknown) => nameTaken(err, changes.name));
    await appendEvent(tx, { topic: TOPIC, type: 'escalation_policy.updated', payload: row, actor: actor.name });
    return row!;
  });
}

/** Deletes a policy; refused (ESCALATION_POLICY_IN_USE) while a service names it, by default or for a severity. */
export async function deletePolicy(sql: Sql, id: string, actor: Actor): Promise<void> {
  await sql.begin(async (tx) => {
    const policy = await getPolicy(tx, id, true);
    const services = await tx<{ name: string }[]>`
      select name from services
      where escalation_policy_id = ${id}
         or exists (select 1 from jsonb_each_text(escalation_policies) e where e.value = ${id})
      order by name`;
    if (services.length) {
      throw new AppError({
        code: 'ESCALATION_POLICY_IN_USE',
        message: `Escalation policy ${policy.name} is named by ${services.map((s) => s.name).join(', ')}: change those services first`,
        details: { services: services.map((s) => s.name) },
      });
    }
    await tx`delete from escalation_policies where id = ${id}`;
    await appendEvent(tx, {
      topic: TOPIC,
      type: 'escalation_policy.deleted',
      payload: { id, name: policy.name },
      actor: actor.name,
    });
  });
}
