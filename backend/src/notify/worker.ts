/**
 * The delivery worker every replica runs: claims delivery jobs from the queue (pg-boss, store/jobQueue.ts) and sends
 * them. One attempt per job: the outcome, the next attempt's job and the end of this one are written together
 * (store/deliveries.ts recordAttempt), so a replica that dies mid-send leaves a job whose expiry (the lease,
 * NOTIFY_LEASE_SECONDS) hands it to another replica, which sends again with the same idempotency key.
 *
 * Jobs due now are picked up at once: their transaction notifies DELIVERIES_CHANNEL, which every replica's worker
 * LISTENs on, and the notification cuts the worker's idle wait short. Polling (NOTIFY_POLL_MS) stays, for jobs due
 * later and for notifications lost while the LISTEN connection was down. (pg-boss's own `notifyWorker` only wakes
 * workers made with `boss.work`; this one fetches itself, so it wakes itself.)
 *
 * A slow or dead channel never holds up the others or the API: each channel has its own send slots (ChannelGate:
 * a short line waits for them in memory, the rest is moved later at the pace they free up) and its own circuit
 * breaker (while open, its jobs wait without spending attempts).
 */
import PgBoss from 'pg-boss';
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import { JitteredBackoff } from '../resilience/backoff.js';
import DataLoader from 'dataloader';
import { Registry } from 'prom-client';
import { channelNotFound, getSealedChannels, type SealedChannel } from '../store/channels.js';
import { latestFindings, type Finding } from '../store/correlations.js';
import type { Database } from '../store/db.js';
import {
  claimDeliveries,
  deferDelivery,
  requeueStranded,
  finishJob,
  getDeliveries,
  recordAttempts,
  type AttemptRecord,
  type Claim,
  type Outcome,
} from '../store/deliveries.js';
import { findIncidents, type Incident } from '../store/incidents.js';
import { DELIVERIES_CHANNEL, DELIVERY_QUEUE, JOB_SCHEMA, type DeliveryJob } from '../store/jobQueue.js';
import { ListenLink } from '../live/listen.js';
import { DeliveryError } from './channels/channel.js';
import { ChannelGate } from './channelGate.js';
import { buildMessage } from './message.js';
import { createNotifyMetrics, type NotifyMetrics } from './metrics.js';
import { describeError, sendBounded, type Notifier } from './notifier.js';
import type { Delivery } from '../store/channels.js';

export type NotifyConfig = Config['notify'];

export interface WorkerDeps {
  db: Database;
  /** pg-boss keeps its own small pool (node-postgres) for claiming jobs and its maintenance. */
  databaseUrl: string;
  notifier: Notifier;
  config: NotifyConfig;
  logger: Logger;
  /** The app's Prometheus registry, for the worker's series (notify/metrics.ts); a private one when omitted. */
  registry?: Registry;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

// The shortest wait of a job moved later because its channel's breaker is open.
const BUSY_DEFER_MS = 500;
// The longest an admitted job is expected to wait in memory for its channel's send slot (see ChannelGate).
const MAX_SLOT_WAIT_MS = 1000;
// The longest the worker waits for more of its slots to free up before fetching (see run).
const BATCH_WAIT_MS = 100;

export class DeliveryWorker {
  private boss: PgBoss | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly breakers = new Map<string, { policy: CircuitBreakerPolicy; openedAt: number }>();
  private readonly gate: ChannelGate;
  private readonly batches: ReturnType<typeof batchesOf>;
  private readonly metrics: NotifyMetrics;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly stopSends = new AbortController();
  private wake = new AbortController();
  /** Cuts the current idle wait short; replaced for every wait. */
  private nap = new AbortController();
  /** A notification arrived since the last fetch began: that fetch may have missed its job. */
  private isNudged = false;
  private listen: ListenLink | undefined;
  /** The earliest time a job this replica moved later falls due, and the timer that wakes the loop then. */
  private dueAt = Infinity;
  private dueTimer: NodeJS.Timeout | undefined;
  private isStopping = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: WorkerDeps) {
    const { channelConcurrency, maxConcurrent } = deps.config;
    this.gate = new ChannelGate({
      cap: channelConcurrency,
      maxAdmitted: Math.max(channelConcurrency, Math.floor((maxConcurrent * 3) / 4)),
      maxWaitMs: MAX_SLOT_WAIT_MS,
    });
    this.batches = batchesOf(deps);
    this.metrics = createNotifyMetrics(deps.registry ?? new Registry(), () =>
      this.boss ? this.boss.getQueueSize(DELIVERY_QUEUE) : Promise.reject(new Error('not started'))
    );
  }

  async start(): Promise<void> {
    const { config, logger } = this.deps;
    const boss = new PgBoss({
      connectionString: this.deps.databaseUrl,
      schema: JOB_SCHEMA,
      max: 3,
      application_name: 'reliability-studio-notify',
      // Expiry of jobs whose worker died runs in maintenance: every replica offers, one at a time does it.
      supervise: true,
      maintenanceIntervalSeconds: config.maintenanceSeconds,
      schedule: false,
      migrate: true,
    });
    boss.on('error', (err) => logger.warn({ err }, 'delivery queue error (retrying)'));
    await boss.start();
    // Queue-level, so jobs written by any replica's transactions get them: the lease, and pg-boss's own retries of
    // a job whose handling failed outright (the database was away), backing off from 2 s.
    await boss.updateQueue(DELIVERY_QUEUE, {
      name: DELIVERY_QUEUE,
      policy: 'standard',
      expireInSeconds: config.leaseSeconds,
      retryLimit: 10,
      retryDelay: 2,
      retryBackoff: true,
    });
    this.boss = boss;
    this.listen = new ListenLink({
      url: this.deps.databaseUrl,
      channel: DELIVERIES_CHANNEL,
      onNotify: () => this.nudge(),
      // Jobs committed while the connection was down notified nobody.
      onListen: () => this.nudge(),
      onError: (err) => logger.warn({ err }, 'could not listen for new deliveries (polling meanwhile; retrying)'),
    });
    this.listen.start();
    this.loop = this.run();
    this.sweepTimer = setInterval(() => void this.sweep(), config.maintenanceSeconds * 1000);
    this.sweepTimer.unref();
    logger.info(
      { maxConcurrent: config.maxConcurrent, channelConcurrency: config.channelConcurrency },
      'delivery worker started'
    );
  }

  /** Stops claiming, lets sends in flight finish (up to `graceMs`, then aborts them), stops the queue client. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.boss) return;
    this.isStopping = true;
    clearTimeout(this.dueTimer);
    clearInterval(this.sweepTimer);
    this.wake.abort();
    this.nap.abort();
    await this.loop;
    await this.listen?.stop();
    const settled = Promise.allSettled([...this.inFlight]);
    const timer = setTimeout(() => this.stopSends.abort(new Error('shutting down')), graceMs);
    await settled;
    clearTimeout(timer);
    await this.boss.stop({ graceful: false, close: true, wait: true }).catch(() => undefined);
    this.boss = undefined;
  }

  /**
   * Queues again the deliveries left without a job (requeueStranded): overdue by more than a lease, so a job in
   * flight is never mistaken for a lost one.
   */
  private async sweep(): Promise<void> {
    const { db, config, logger } = this.deps;
    try {
      const count = await db.write((sql) => requeueStranded(sql, config.leaseSeconds));
      if (count === 0) return;
      this.metrics.requeued.inc(count);
      logger.warn({ count }, 'queued again deliveries that had lost their job');
      this.nudge();
    } catch (err) {
      logger.warn({ err }, 'could not sweep for deliveries without a job (trying again at the next interval)');
    }
  }

  /** Fetch now: a job due now was committed somewhere. */
  private nudge(): void {
    this.isNudged = true;
    this.nap.abort();
  }

  /**
   * Fetch again when a job this replica moved later (channel busy, breaker open, a retry) falls due: such a job
   * sends no notification, and waiting for the next poll after each one made a backlog on one channel drain at
   * a few deliveries a second.
   */
  private wakeAt(at: Date): void {
    const time = at.getTime();
    if (time >= this.dueAt || this.isStopping) return;
    clearTimeout(this.dueTimer);
    this.dueAt = time;
    this.dueTimer = setTimeout(
      () => {
        this.dueAt = Infinity;
        this.nudge();
      },
      Math.max(0, time - Date.now()) + 5
    );
  }

  /** Waits for the poll interval, a nudge or stop; not at all when a nudge came in meanwhile. */
  private async idle(): Promise<void> {
    if (this.isNudged || this.isStopping) return;
    this.nap = new AbortController();
    await sleep(this.deps.config.pollMs, this.nap.signal);
  }

  private async run(): Promise<void> {
    const { config, logger } = this.deps;
    let failures = 0;
    let batchWaitFrom: number | undefined;
    while (!this.isStopping) {
      const free = config.maxConcurrent - this.inFlight.size;
      if (free <= 0) {
        // Not `idle`: a nudge cannot help while every slot is taken, and would spin; it is kept for when one frees.
        await Promise.race([...this.inFlight, sleep(config.pollMs, this.wake.signal)]);
        continue;
      }
      // While busy, let half the slots free up before fetching, for a short while at most: a fetch is the costliest
      // statement of a delivery (pg-boss's skip-locked scan, 2 ms with a backlog of thousands), and fetching each
      // time one job finished made it one fetch per job. Only briefly, since the jobs held may be waiting on a slow
      // channel, and the next fetch may hold another channel's.
      const batchWaitLeft = BATCH_WAIT_MS - (performance.now() - (batchWaitFrom ??= performance.now()));
      if (free < Math.ceil(config.maxConcurrent / 2) && batchWaitLeft > 0) {
        await Promise.race([...this.inFlight, sleep(batchWaitLeft, this.wake.signal)]);
        continue;
      }
      batchWaitFrom = undefined;
      let jobs: PgBoss.Job<DeliveryJob>[];
      this.isNudged = false;
      try {
        jobs = await this.boss!.fetch<DeliveryJob>(DELIVERY_QUEUE, { batchSize: free });
        failures = 0;
      } catch (err) {
        failures++;
        if (failures === 1 || failures % 30 === 0)
          logger.warn({ err, failures }, 'could not fetch delivery jobs (retrying)');
        await sleep(Math.min(config.pollMs * 2 ** Math.min(failures, 5), 30_000), this.wake.signal);
        continue;
      }
      for (const job of jobs) {
        const handling = this.handle(job).finally(() => this.inFlight.delete(handling));
        this.inFlight.add(handling);
      }
      if (jobs.length < free) await this.idle();
    }
  }

  private breakerFor(channelId: string) {
    let entry = this.breakers.get(channelId);
    if (!entry) {
      const { breakerFailures, breakerHalfOpenMs } = this.deps.config;
      // Only "the receiver is unwell" counts: a refusal (4xx) says nothing about its health.
      const policy = circuitBreaker(
        handleWhen((err) => err instanceof DeliveryError && err.kind === 'retryable'),
        { halfOpenAfter: breakerHalfOpenMs, breaker: new ConsecutiveBreaker(breakerFailures) }
      );
      const created = { policy, openedAt: 0 };
      policy.onBreak(() => (created.openedAt = Date.now()));
      this.breakers.set(channelId, created);
      entry = created;
    }
    return entry;
  }

  private async handle(job: PgBoss.Job<DeliveryJob>): Promise<void> {
    const { db, logger } = this.deps;
    const deliveryId = job.data?.deliveryId;
    try {
      const delivery = deliveryId ? await this.batches.delivery.load(deliveryId) : undefined;
      if (!delivery || delivery.state === 'delivered' || delivery.state === 'dead') {
        await db.write((sql) => finishJob(sql, job.id));
        return;
      }
      const channel = await this.batches.channel.load(delivery.channelId);
      const breaker = this.breakerFor(channel.id);
      // cockatiel reports Open until a call is made after the half-open delay: from then on, let one through.
      const halfOpenAt = breaker.openedAt + this.deps.config.breakerHalfOpenMs;
      const isOpen = breaker.policy.state === CircuitState.Open && Date.now() < halfOpenAt;
      if (isOpen || !this.gate.admit(channel.id)) {
        const wait = isOpen ? Math.max(halfOpenAt - Date.now(), BUSY_DEFER_MS) : this.gate.deferMs(channel.id);
        const at = new Date(Date.now() + wait);
        await db.write((sql) => deferDelivery(sql, delivery.id, job.id, at));
        this.wakeAt(at);
        return;
      }
      try {
        await this.claimAndSend(job, delivery, channel, breaker.policy);
      } finally {
        this.gate.leave(channel.id);
      }
    } catch (err) {
      // The database went away mid-way (or a bug): pg-boss tries the job again later; if even that cannot be
      // written, the job's expiry does it.
      logger.warn({ err, deliveryId }, 'delivery job failed; it will be retried');
      await this.boss?.fail(DELIVERY_QUEUE, job.id).catch(() => undefined);
    }
  }

  private async claimAndSend(
    job: PgBoss.Job<DeliveryJob>,
    delivery: Delivery,
    channel: SealedChannel,
    breaker: CircuitBreakerPolicy
  ): Promise<void> {
    const { db, logger } = this.deps;
    // The claim and the reads the message needs do not wait for each other.
    const [claim, subject] = await Promise.all([
      this.batches.claim.load(delivery.id),
      delivery.incidentId ? this.batches.subject.load(delivery.incidentId) : undefined,
    ]);
    if (claim.kind === 'finished') {
      await db.write((sql) => finishJob(sql, job.id));
      return;
    }
    if (claim.kind === 'later') {
      const at = new Date(Math.max(claim.at.getTime(), Date.now()) + 100);
      await db.write((sql) => deferDelivery(sql, delivery.id, job.id, at));
      this.wakeAt(at);
      return;
    }
    const outcome = await this.attempt(claim.delivery, channel, subject, breaker);
    const isOwn = await this.batches.record.load({
      delivery: claim.delivery,
      jobId: job.id,
      channel,
      maxAttempts: this.deps.config.maxAttempts,
      outcome,
    });
    this.metrics.attempts.inc({ kind: channel.kind, outcome: outcome.kind });
    if (isOwn && outcome.kind === 'retrying') this.wakeAt(outcome.nextAttemptAt);
    if (isOwn && outcome.kind === 'postponed') this.wakeAt(outcome.at);
    const log = {
      deliveryId: delivery.id,
      channel: channel.name,
      event: delivery.event,
      attempt: claim.delivery.attempts,
    };
    if (!isOwn) logger.warn(log, 'delivery outcome not recorded: its lease ran out and another worker took it over');
    else if (outcome.kind === 'delivered') logger.info(log, 'notification delivered');
    else if (outcome.kind !== 'postponed')
      logger.warn({ ...log, outcome: outcome.kind, error: outcome.error }, 'notification not delivered');
  }

  /** One send, in one of the channel's slots, and what it means for the delivery. */
  private async attempt(
    delivery: Delivery,
    channel: SealedChannel,
    subject: Subject | undefined,
    breaker: CircuitBreakerPolicy
  ): Promise<Outcome> {
    const { notifier, config } = this.deps;
    if (channel.muted)
      return { kind: 'dead', error: 'the channel was muted before this was sent', status: null, reason: 'muted' };
    // Claimed again and again without an outcome: the workers sending it keep dying (or losing the database).
    if (delivery.attempts > config.maxAttempts) {
      const error = delivery.lastError ?? `no outcome recorded after ${config.maxAttempts} attempts`;
      return { kind: 'dead', error, status: delivery.lastStatus, reason: 'exhausted' };
    }
    if (!subject)
      return { kind: 'dead', error: 'a delivery without an incident cannot be sent', status: null, reason: 'refused' };
    const { incident, findings } = subject;
    const isOpenForAck = !incident.acknowledgedAt && incident.status !== 'resolved';
    const message = buildMessage({
      event: delivery.event,
      idempotencyKey: delivery.idempotencyKey,
      occurredAt: delivery.occurredAt,
      detail: delivery.detail,
      incident,
      findings,
      warRoomUrl: notifier.warRoomUrl(incident.id),
      // A page's link acknowledges as the person paged; anything else as the channel it went to.
      acknowledgeUrl: isOpenForAck
        ? notifier.ackLinks.url(incident.id, delivery.recipient?.login ?? channel.name)
        : null,
      recipient: delivery.recipient,
      urgency: delivery.urgency,
    });
    const secrets = channel.secrets ? notifier.secretBox.open(channel.id, channel.secrets) : {};
    const target = { id: channel.id, kind: channel.kind, name: channel.name, settings: channel.settings, secrets };
    // A wait past a quarter of the lease would risk another worker taking the delivery over meanwhile.
    const release = await this.gate.acquire(channel.id, Math.min((config.leaseSeconds * 1000) / 4, 5000));
    if (!release) return { kind: 'postponed', at: new Date(Date.now() + this.gate.deferMs(channel.id)) };
    const endTimer = this.metrics.sendDuration.startTimer({ kind: channel.kind });
    try {
      await breaker.execute(() =>
        sendBounded(
          notifier.senders[channel.kind],
          target,
          message,
          config.sendTimeoutMs,
          this.stopSends.signal
        ).finally(endTimer)
      );
      return { kind: 'delivered' };
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        return { kind: 'postponed', at: new Date(Date.now() + Math.max(config.breakerHalfOpenMs, BUSY_DEFER_MS)) };
      }
      const failure =
        err instanceof DeliveryError
          ? err
          : new DeliveryError(`could not send: ${(err as Error).message}`, 'retryable');
      const error = describeError(failure.message, secrets);
      const status = failure.details.status ?? null;
      if (failure.kind === 'permanent') return { kind: 'dead', error, status, reason: 'refused' };
      if (delivery.attempts >= config.maxAttempts) return { kind: 'dead', error, status, reason: 'exhausted' };
      const waitMs = new JitteredBackoff(config.backoff, delivery.attempts - 1).next({
        result: { error: failure.details },
      } as never).duration;
      return { kind: 'retrying', error, status, nextAttemptAt: new Date(Date.now() + waitMs) };
    } finally {
      release();
    }
  }
}

interface Subject {
  incident: Incident;
  findings: Finding[];
}

/**
 * The worker's reads and writes, batched over the jobs in flight: the calls made together (a fetched batch of jobs
 * starts together; outcomes that arrive together are recorded together) become one statement or one transaction.
 * Per job, a delivery took a dozen round trips and two commits, and at a few hundred deliveries a second that work,
 * on both sides of the connection, was what limited the rate, not the receivers.
 */
function batchesOf({ db, config }: WorkerDeps) {
  const options = { cache: false, maxBatchSize: 100 };
  const orMissing = <T>(rows: Array<T | undefined>, missing: (i: number) => Error) =>
    rows.map((row, i) => row ?? missing(i));
  return {
    delivery: new DataLoader((ids: readonly string[]) => db.read((sql) => getDeliveries(sql, ids)), options),
    channel: new DataLoader(
      async (ids: readonly string[]) =>
        orMissing(await db.read((sql) => getSealedChannels(sql, ids)), (i) => channelNotFound(ids[i]!)),
      options
    ),
    claim: new DataLoader<string, Claim>(
      (ids) => db.write((sql) => claimDeliveries(sql, ids, config.leaseSeconds)),
      options
    ),
    subject: new DataLoader<string, Subject>(async (incidentIds) => {
      const [incidents, findings] = await db.read((sql) =>
        Promise.all([findIncidents(sql, incidentIds), latestFindings(sql, incidentIds)])
      );
      return incidentIds.map((id, i) => {
        const incident = incidents[i];
        return incident ? { incident, findings: findings[i]! } : new Error(`No incident with id ${id}`);
      });
    }, options),
    record: new DataLoader<AttemptRecord, boolean>(
      (records) => db.write((sql) => recordAttempts(sql, records)),
      options
    ),
  };
}
