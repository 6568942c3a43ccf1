/**
 * The durable job queue behind notification deliveries and escalation timers: pg-boss 10 (its own schema, `pgboss`, in the studio's
 * database). Jobs are written with postgres.js on the caller's transaction, so a delivery's job exists exactly when
 * its row and the event causing it do; the worker (notify/worker.ts) runs its own pg-boss instance to claim them.
 */
import PgBoss from 'pg-boss';
import type { Sql, TransactionSql } from 'postgres';

export const JOB_SCHEMA = 'pgboss';
export const DELIVERY_QUEUE = 'notify-deliveries';
/**
 * Every replica's worker LISTENs here (notify/worker.ts): a job due now wakes them at commit instead of at their
 * next poll. Postgres folds identical notifications of one transaction into one, so a burst costs one wake-up.
 */
export const DELIVERIES_CHANNEL = 'studio_deliveries';

export interface DeliveryJob {
  deliveryId: string;
}

/** Escalation step timers (notify/escalator.ts): one job per scheduled step, due when the step is. */
export const ESCALATION_QUEUE = 'escalation-steps';

/** The step of this incident's escalation scheduled at `version`: stale once the version moved on (the fence). */
export interface EscalationJob {
  incidentId: string;
  version: number;
}

type Db = Sql | TransactionSql;

// pg-boss hands node-postgres-style values. postgres.js learns each parameter's type from Postgres and serialises
// by it (a jsonb parameter gets JSON.stringify, a uuid[] an array literal), so objects and arrays go as they are;
// only undefined needs to become null.
const toParameter = (value: unknown): unknown => (value === undefined ? null : value);

/**
 * pg-boss's database interface over a postgres.js client or transaction. Prepared: pg-boss sends the same few
 * statements (send, complete) with each job, and an unprepared `unsafe` with parameters costs an extra round trip
 * to learn their types every time; prepared, each connection learns them once.
 */
export function onDatabase(sql: Db): PgBoss.Db {
  return {
    executeSql: async (text, values = []) => ({
      rows: await sql.unsafe(text, values.map(toParameter) as never[], { prepare: true }),
    }),
  };
}

// Sends only with an explicit `db` (the caller's transaction); this instance never opens a connection of its own.
const producer = new PgBoss({
  schema: JOB_SCHEMA,
  db: { executeSql: () => Promise.reject(new Error('delivery jobs are written on the caller transaction only')) },
});

/**
 * Queues a delivery's next attempt in the caller's transaction, to start at `startAfter` (now when omitted). A job
 * due now also notifies the workers, heard only after commit (pg_notify is transactional); a later one is found by
 * their polling, which is the fallback for a lost notification too.
 */
export async function enqueueDelivery(tx: Db, deliveryId: string, startAfter?: Date): Promise<void> {
  await producer.send(DELIVERY_QUEUE, { deliveryId } satisfies DeliveryJob, {
    db: onDatabase(tx),
    ...(startAfter ? { startAfter } : {}),
  });
  if (!startAfter) await tx`select pg_notify(${DELIVERIES_CHANNEL}, '')`;
}

/** Marks a claimed job done in the caller's transaction (with the outcome it recorded). */
export async function completeJob(tx: Db, jobId: string): Promise<void> {
  await producer.complete(DELIVERY_QUEUE, jobId, undefined as never, { db: onDatabase(tx) });
}

/** Schedules an escalation's next step in the caller's transaction, due at `startAfter`. */
export async function enqueueEscalationStep(tx: Db, job: EscalationJob, startAfter: Date): Promise<void> {
  await producer.send(ESCALATION_QUEUE, job, { db: onDatabase(tx), startAfter });
}

/** Marks an escalation step's job done in the caller's transaction (with the step it fired, or found stale). */
export async function completeEscalationJob(tx: Db, jobId: string): Promise<void> {
  await producer.complete(ESCALATION_QUEUE, jobId, undefined as never, { db: onDatabase(tx) });
}

/**
 * Installs pg-boss's schema and the delivery and escalation queues when missing, inside the migration transaction (so a test's
 * fresh database can enqueue before any worker started). pg-boss's own migrations (run by the worker's start) take
 * it from there on upgrades.
 */
export async function installJobQueue(tx: TransactionSql): Promise<void> {
  const [row] = await tx<{ installed: boolean }[]>`select to_regclass(${`${JOB_SCHEMA}.version`}) is not null as installed`;
  if (!row!.installed) {
    // The plans are one script with its own BEGIN/COMMIT; here they run inside the migration's transaction.
    const plans = PgBoss.getConstructionPlans(JOB_SCHEMA).replace(/^\s*BEGIN;/, '').replace(/COMMIT;\s*$/, '');
    await tx.unsafe(plans);
  }
  for (const name of [DELIVERY_QUEUE, ESCALATION_QUEUE]) {
    const [queue] = await tx`select 1 from ${tx(JOB_SCHEMA)}.queue where name = ${name}`;
    if (!queue) await tx`select ${tx(JOB_SCHEMA)}.create_queue(${name}, ${JSON.stringify({ policy: 'standard' })}::json)`;
  }
}
