import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { DeliveryWorker } from '../src/notify/worker.js';
import { createLogger } from '../src/observability/logger.js';
import { ADMIN_TOKEN, expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';
import { startSidecarProcess } from './support/sidecarProcess.js';
import { startReceiver, type Answer, type Receiver } from './support/notifyReceiver.js';
import { startStoppablePostgres } from './support/stoppablePostgres.js';

/**
 * Delivery when replicas and the database fail: two replicas racing for the same jobs, a replica SIGKILLed while
 * its send is in flight, Postgres restarted between a send and its record. At least once, one idempotency key per
 * delivery on every attempt, and the records show each delivery delivered once. Leases and retries are short.
 */
const ENV = {
  NOTIFY_POLL_MS: '500',
  NOTIFY_RETRY_BASE_MS: '300',
  NOTIFY_RETRY_MAX_MS: '2000',
  NOTIFY_MAX_ATTEMPTS: '5',
  NOTIFY_SEND_TIMEOUT_MS: '1000',
  NOTIFY_LEASE_SECONDS: '3',
  NOTIFY_MAINTENANCE_SECONDS: '1',
  NOTIFY_BREAKER_FAILURES: '50',
};

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function receiver(answer: (n: number) => Answer | 'hang' | Promise<Answer | 'hang'> = () => ({ status: 200 })) {
  let n = 0;
  const r = await startReceiver(() => answer(++n));
  cleanups.push(() => r.close());
  return r;
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve().then(check).catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A webhook channel to `r` and a rule sending every declared incident to it. */
async function channelTo(sidecar: TestSidecar, r: Receiver) {
  const channel = await expectStatus(
    await sidecar.call('/api/channels', {
      method: 'POST',
      json: { kind: 'webhook', name: 'ops', secrets: { url: r.origin, signingSecret: 'signing-secret-0123456789' } },
    }),
    201
  );
  await expectStatus(
    await sidecar.call('/api/notification-rules', { method: 'POST', json: { name: 'all', events: ['declared'], channelIds: [channel.id] } }),
    201
  );
}

const declare = async (sidecar: TestSidecar, title = 'Checkout down') =>
  expectStatus(await sidecar.call('/api/incidents', { method: 'POST', json: { title, severity: 'high' } }), 201);

const records = (sidecar: TestSidecar) =>
  sidecar.sql<{ state: string; attempts: number; idempotencyKey: string }[]>`
    select state, attempts, idempotency_key from deliveries order by created_at`;

const keysSeen = (r: Receiver) => r.requests.map((q) => q.headers['idempotency-key'] as string);

describe('delivery under failures', () => {
  it('sends each delivery once when two replicas race for the jobs', { timeout: 60_000 }, async () => {
    const a = await startSidecar({ worker: true, env: ENV });
    cleanups.push(() => a.close());
    const b = await startSidecar({ worker: true, env: ENV, databaseUrl: a.databaseUrl });
    cleanups.push(() => b.close());
    const r = await receiver();
    await channelTo(a, r);
    const count = 40;
    const started = Date.now();
    await Promise.all(Array.from({ length: count }, (_, i) => declare(i % 2 ? a : b, `Incident ${i}`)));
    await waitFor('every delivery delivered', async () => {
      const rows = await records(a);
      return rows.length === count && rows.every((d) => d.state === 'delivered') ? rows : undefined;
    });
    const tookMs = Date.now() - started;
    const rows = await records(a);
    expect(rows.every((d) => d.attempts === 1)).toBe(true);
    expect(keysSeen(r).sort()).toEqual(rows.map((d) => d.idempotencyKey).sort());
    console.log(`notify: ${count} deliveries across 2 replicas in ${tookMs} ms, each sent once`);
  });

  it('delivers after a replica is SIGKILLed mid-send: another takes the job after its lease, same key', { timeout: 60_000 }, async () => {
    // B serves the API (no worker yet); A, a real sidecar process, is the only worker until it is killed.
    const b = await startSidecar({ env: ENV });
    cleanups.push(() => b.close());
    let killed: Promise<unknown> | undefined;
    let a: Awaited<ReturnType<typeof startSidecarProcess>> | undefined;
    const r = await receiver((n) => {
      if (n === 1 && a) {
        a.kill('SIGKILL');
        killed = a.exited;
        return 'hang';
      }
      return { status: 200 };
    });
    await channelTo(b, r);
    a = await startSidecarProcess(b.databaseUrl, ADMIN_TOKEN, { ...ENV, LOG_LEVEL: 'warn' });
    cleanups.push(() => a!.stop());
    const incident = await declare(b);
    await waitFor('the first send to reach the receiver', () => (killed ? true : undefined));
    await killed;
    const killedAt = Date.now();
    const [midway] = await records(b);
    expect(midway).toMatchObject({ state: 'sending', attempts: 1 });

    const config = loadConfig(ENV).notify;
    const worker = new DeliveryWorker({ db: b.db, databaseUrl: b.databaseUrl, notifier: b.notifier, config, logger: createLogger({ level: 'silent' }) });
    await worker.start();
    cleanups.push(() => worker.stop(1000));
    const delivered = await waitFor('the delivery to be delivered by the survivor', async () => {
      const [row] = await records(b);
      return row?.state === 'delivered' ? row : undefined;
    });
    const tookMs = Date.now() - killedAt;
    expect(delivered.attempts).toBe(2);
    expect(keysSeen(r)).toEqual([delivered.idempotencyKey, delivered.idempotencyKey]);
    expect(await records(b)).toHaveLength(1);
    const timeline = await expectStatus(await b.call(`/api/incidents/${incident.id}/timeline`), 200);
    const outcomes = timeline.items.filter((e: { type: string }) => e.type === 'notification');
    expect(outcomes.map((e: { data: { outcome: string; attempt: number } }) => [e.data.outcome, e.data.attempt])).toEqual([['delivered', 2]]);
    console.log(`notify: replica SIGKILLed mid-send; delivered by the other ${tookMs} ms later (lease ${ENV.NOTIFY_LEASE_SECONDS} s)`);
  });

  it('delivers after Postgres restarts between a send and its record', { timeout: 90_000 }, async () => {
    const pg = await startStoppablePostgres();
    cleanups.push(() => pg.remove());
    const sidecar = await startSidecar({ worker: true, env: ENV, databaseUrl: pg.url });
    cleanups.push(() => sidecar.close());
    let release: (() => void) | undefined;
    const r = await receiver((n) =>
      n === 1 ? new Promise<Answer>((resolve) => (release = () => resolve({ status: 200 }))) : { status: 200 }
    );
    await channelTo(sidecar, r);
    await declare(sidecar);
    await waitFor('the first send', () => (release ? true : undefined));
    await pg.stop();
    // The receiver has it and says so, but the worker cannot record it: the database is gone.
    release!();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await pg.restart();
    const restartedAt = Date.now();
    const delivered = await waitFor('the delivery to be recorded after the restart', async () => {
      const [row] = await records(sidecar);
      return row?.state === 'delivered' ? row : undefined;
    }, 40_000);
    const tookMs = Date.now() - restartedAt;
    expect(await records(sidecar)).toHaveLength(1);
    expect(new Set(keysSeen(r))).toEqual(new Set([delivered.idempotencyKey]));
    expect(r.requests.length).toBeGreaterThanOrEqual(2);
    console.log(`notify: Postgres restarted; delivered ${tookMs} ms after it came back (${r.requests.length} sends, one key)`);
  });
});
