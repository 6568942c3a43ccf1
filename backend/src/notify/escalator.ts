/**
 * The escalator every replica runs next to the delivery worker: it claims due escalation step timers (pg-boss
 * jobs on ESCALATION_QUEUE, store/jobQueue.ts) and fires each in one transaction with the pages it writes
 * (store/escalations.ts fireDueStep). A replica killed mid-step rolls that transaction back; the job's expiry (the
 * lease, ESCALATION_LEASE_SECONDS) hands it to another replica, and the escalation's version, bumped by the step
 * that does commit, makes any other copy of the job fire nothing.
 *
 * Polling is enough here: timers fall due minutes apart, and a step due at once ("escalate now", a step that paged
 * nobody) is fired by the transaction that made it due, not through the queue.
 */
import PgBoss from 'pg-boss';
import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { Database } from '../store/db.js';
import { fireDueStep } from '../store/escalations.js';
import { ESCALATION_QUEUE, JOB_SCHEMA, type EscalationJob } from '../store/jobQueue.js';

export interface EscalatorDeps {
  db: Database;
  /** pg-boss keeps its own small pool (node-postgres) for claiming jobs and its maintenance. */
  databaseUrl: string;
  config: Config['escalation'];
  logger: Logger;
}

// Steps of one poll are fired a few at a time: each is a short transaction on the shared pool.
const BATCH_SIZE = 10;

export class Escalator {
  private boss: PgBoss | undefined;
  private isStopping = false;
  private wake = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: EscalatorDeps) {}

  async start(): Promise<void> {
    const { config, logger } = this.deps;
    const boss = new PgBoss({
      connectionString: this.deps.databaseUrl,
      schema: JOB_SCHEMA,
      max: 2,
      application_name: 'reliability-studio-escalator',
      // Expiry of jobs whose replica died runs in maintenance: every replica offers, one at a time does it.
      supervise: true,
      maintenanceIntervalSeconds: config.maintenanceSeconds,
      schedule: false,
      migrate: true,
    });
    boss.on('error', (err) => logger.warn({ err }, 'escalation queue error (retrying)'));
    await boss.start();
    // Queue-level, so timers written by any replica's transactions get them: the lease, and retries of a step
    // whose transaction failed outright (the database was away), soon, since someone is waiting for the page.
    await boss.updateQueue(ESCALATION_QUEUE, {
      name: ESCALATION_QUEUE,
      policy: 'standard',
      expireInSeconds: config.leaseSeconds,
      retryLimit: 50,
      retryDelay: 1,
      retryBackoff: true,
    });
    this.boss = boss;
    this.loop = this.run();
    logger.info({ pollMs: config.pollMs, leaseSeconds: config.leaseSeconds }, 'escalator started');
  }

  /** Stops claiming, lets the steps being fired finish, stops the queue client. */
  async stop(): Promise<void> {
    if (!this.boss) return;
    this.isStopping = true;
    this.wake.abort();
    await this.loop;
    await this.boss.stop({ graceful: false, close: true, wait: true }).catch(() => undefined);
    this.boss = undefined;
  }

  private async run(): Promise<void> {
    const { config, logger } = this.deps;
    let failures = 0;
    while (!this.isStopping) {
      let jobs: PgBoss.Job<EscalationJob>[] = [];
      try {
        jobs = await this.boss!.fetch<EscalationJob>(ESCALATION_QUEUE, { batchSize: BATCH_SIZE });
        failures = 0;
      } catch (err) {
        failures++;
        if (failures === 1 || failures % 30 === 0) logger.warn({ err, failures }, 'could not fetch escalation steps (retrying)');
      }
      await Promise.all(jobs.map((job) => this.fire(job)));
      if (jobs.length < BATCH_SIZE) await this.idle(Math.min(config.pollMs * 2 ** Math.min(failures, 5), 30_000));
    }
  }

  private async fire(job: PgBoss.Job<EscalationJob>): Promise<void> {
    const { db, logger } = this.deps;
    try {
      const outcome = await db.write((sql) => fireDueStep(sql, job.data, job.id));
      logger.info({ incidentId: job.data.incidentId, version: job.data.version, outcome }, 'escalation step timer');
    } catch (err) {
      // pg-boss tries it again after its retry delay; if even that cannot be written, the job's expiry does it.
      logger.warn({ err, incidentId: job.data?.incidentId }, 'escalation step failed; it will be retried');
      await this.boss?.fail(ESCALATION_QUEUE, job.id).catch(() => undefined);
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake.signal.addEventListener('abort', done, { once: true });
    });
  }
}
