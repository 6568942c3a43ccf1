import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../src/notify/channels/webhook.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';
import { refusedOrigin, startReceiver, type Answer, type Receiver } from './support/notifyReceiver.js';

/**
 * The delivery worker against real HTTP receivers on 127.0.0.1 and a real Postgres: what is sent, retries with
 * backoff, Retry-After, timeouts, refusals, giving up and redelivering, and channels isolated from each other.
 * Retry and lease settings are short so each case takes seconds.
 */
const SIGNING_SECRET = 'signing-secret-0123456789';
const ENV = {
  NOTIFY_POLL_MS: '500',
  NOTIFY_RETRY_BASE_MS: '300',
  NOTIFY_RETRY_MAX_MS: '3000',
  NOTIFY_MAX_ATTEMPTS: '3',
  NOTIFY_SEND_TIMEOUT_MS: '1000',
  NOTIFY_LEASE_SECONDS: '3',
  NOTIFY_MAINTENANCE_SECONDS: '1',
  NOTIFY_CHANNEL_CONCURRENCY: '2',
  NOTIFY_BREAKER_FAILURES: '50',
  STUDIO_PUBLIC_URL: 'https://studio.example.com',
  GRAFANA_URL: 'https://grafana.example.com/',
};

let sidecar: TestSidecar;
const receivers: Receiver[] = [];

beforeAll(async () => {
  sidecar = await startSidecar({ worker: true, env: ENV });
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await sidecar.close();
});

async function receiver(answer?: (n: number) => Answer | 'hang'): Promise<Receiver> {
  let n = 0;
  const r = await startReceiver(answer ? () => answer(++n) : undefined);
  receivers.push(r);
  return r;
}

let cases = 0;
/** A channel to `url` and a rule sending `events` of incidents labelled with this case's label to it. */
async function setUp(url: string, events = ['declared']) {
  const label = `case-${++cases}`;
  const channel = await expectStatus(
    await sidecar.call('/api/channels', {
      method: 'POST',
      json: { kind: 'webhook', name: label, secrets: { url, signingSecret: SIGNING_SECRET } },
    }),
    201
  );
  await expectStatus(
    await sidecar.call('/api/notification-rules', {
      method: 'POST',
      json: { name: label, events, labels: { case: label }, channelIds: [channel.id] },
    }),
    201
  );
  const declare = async (title = 'Checkout down') =>
    expectStatus(
      await sidecar.call('/api/incidents', {
        method: 'POST',
        json: { title, severity: 'critical', labels: { case: label } },
      }),
      201
    );
  return { channel, declare };
}

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const deliveryOf = async (incidentId: string) =>
  (
    await sidecar.sql<
      {
        id: string;
        state: string;
        attempts: number;
        idempotencyKey: string;
        lastError: string | null;
        lastStatus: number | null;
      }[]
    >`select id, state, attempts, idempotency_key, last_error, last_status from deliveries where incident_id = ${incidentId}`
  )[0];

const settled = (incidentId: string, state: 'delivered' | 'dead', timeoutMs?: number) =>
  waitFor(
    `a ${state} delivery`,
    async () => {
      const d = await deliveryOf(incidentId);
      return d?.state === state ? d : undefined;
    },
    timeoutMs
  );

const notificationEntries = async (incidentId: string) =>
  (await expectStatus(await sidecar.call(`/api/incidents/${incidentId}/timeline`), 200)).items.filter(
    (e: { type: string }) => e.type === 'notification'
  );

describe('delivery', () => {
  it('sends the signed message with the incident, its links and the same idempotency key, and records it', async () => {
    const r = await receiver();
    const { channel, declare } = await setUp(`${r.origin}/hooks/secret-path-token`);
    const started = Date.now();
    const incident = await declare();
    const delivery = await settled(incident.id, 'delivered');
    const latencyMs = Date.now() - started;
    expect(r.requests).toHaveLength(1);
    const request = r.requests[0]!;
    expect(request.path).toBe('/hooks/secret-path-token');
    expect(request.headers['idempotency-key']).toBe(delivery.idempotencyKey);
    expect(
      verifyWebhookSignature(
        request.body,
        request.headers['x-studio-signature'] as string,
        SIGNING_SECRET,
        300,
        new Date()
      )
    ).toMatchObject({ valid: true });
    const body = JSON.parse(request.body);
    expect(body).toMatchObject({
      event: 'declared',
      idempotencyKey: delivery.idempotencyKey,
      incident: {
        id: incident.id,
        reference: incident.reference,
        severity: 'critical',
        status: 'open',
        acknowledgedAt: null,
      },
      headline: `${incident.reference} declared (critical): Checkout down`,
      links: { warRoom: `https://grafana.example.com/a/reliability-studio-app/incidents/${incident.id}` },
    });
    expect(body.links.acknowledge).toMatch(/^https:\/\/studio\.example\.com\/ack\/[\w-]+\.[\w-]+$/);
    expect(sidecar.notifier.ackLinks.verify(body.links.acknowledge.split('/ack/')[1])).toMatchObject({
      incidentId: incident.id,
      recipient: channel.name,
    });
    const [entry] = await notificationEntries(incident.id);
    expect(entry).toMatchObject({
      author: 'reliability-studio',
      data: {
        channel: channel.name,
        kind: 'webhook',
        event: 'declared',
        outcome: 'delivered',
        attempt: 1,
        error: null,
      },
    });
    expect(entry.message).toContain(channel.name);
    console.log(`notify: declared → delivered in ${latencyMs} ms (poll ${ENV.NOTIFY_POLL_MS} ms)`);
  });

  it('sends no acknowledge link once the incident is acknowledged', async () => {
    const r = await receiver();
    const { declare } = await setUp(r.origin, ['acknowledged']);
    const incident = await declare();
    await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/acknowledge`, { method: 'POST' }), 200);
    await settled(incident.id, 'delivered');
    expect(JSON.parse(r.requests[0]!.body)).toMatchObject({ event: 'acknowledged', links: { acknowledge: null } });
  });

  it('tries again after a 500, with backoff, and records both outcomes', async () => {
    const r = await receiver((n) => (n === 1 ? { status: 500, body: 'boom' } : { status: 200 }));
    const { declare } = await setUp(r.origin);
    const incident = await declare();
    const delivery = await settled(incident.id, 'delivered');
    expect(delivery.attempts).toBe(2);
    expect(r.requests.map((q) => q.headers['idempotency-key'])).toEqual([
      delivery.idempotencyKey,
      delivery.idempotencyKey,
    ]);
    const entries = await notificationEntries(incident.id);
    expect(entries.map((e: { data: { outcome: string } }) => e.data.outcome)).toEqual(['retrying', 'delivered']);
    expect(entries[0].data).toMatchObject({ status: 500, attempt: 1 });
    expect(entries[0].data.nextAttemptAt).not.toBeNull();
  });

  it("honours a 429's Retry-After: the next attempt is not before it", async () => {
    const times: number[] = [];
    const r = await receiver((n) => {
      times.push(Date.now());
      return n === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 };
    });
    const { declare } = await setUp(r.origin);
    const incident = await declare();
    await settled(incident.id, 'delivered');
    expect(times).toHaveLength(2);
    const waitedMs = times[1]! - times[0]!;
    expect(waitedMs).toBeGreaterThanOrEqual(2000);
    console.log(`notify: Retry-After 2 s → next attempt after ${waitedMs} ms`);
  });

  it('gives up on a receiver that hangs past the send timeout, and succeeds when it answers again', async () => {
    const r = await receiver((n) => (n === 1 ? 'hang' : { status: 204 }));
    const { declare } = await setUp(r.origin);
    const incident = await declare();
    const delivery = await settled(incident.id, 'delivered');
    expect(delivery.attempts).toBe(2);
    const [first] = await notificationEntries(incident.id);
    expect(first.data).toMatchObject({
      outcome: 'retrying',
      error: expect.stringContaining('no answer within 1000 ms'),
    });
  });

  it('marks a delivery dead after the retry budget when the receiver refuses connections; an admin redelivers it', async () => {
    const { channel, declare } = await setUp(await refusedOrigin());
    const incident = await declare();
    const dead = await settled(incident.id, 'dead', 15_000);
    expect(dead.attempts).toBe(3);
    const listed = await expectStatus(await sidecar.call(`/api/channels/${channel.id}/deliveries?state=dead`), 200);
    expect(listed.items.map((d: { id: string }) => d.id)).toEqual([dead.id]);
    const shown = await expectStatus(await sidecar.call(`/api/channels/${channel.id}`), 200);
    expect(shown.lastError).toMatch(/ECONNREFUSED|could not|connect/i);
    const entries = await notificationEntries(incident.id);
    expect(entries.map((e: { data: { outcome: string } }) => e.data.outcome)).toEqual(['retrying', 'retrying', 'dead']);

    // The receiver comes back at a new address: fix the channel, redeliver with the same key.
    const r = await receiver();
    await expectStatus(
      await sidecar.call(`/api/channels/${channel.id}`, { method: 'PATCH', json: { secrets: { url: r.origin } } }),
      200
    );
    const again = await expectStatus(
      await sidecar.call(`/api/deliveries/${dead.id}/redeliver`, { method: 'POST' }),
      200
    );
    expect(again).toMatchObject({ state: 'pending', attempts: 0, idempotencyKey: dead.idempotencyKey });
    const delivered = await settled(incident.id, 'delivered');
    expect(r.requests.map((q) => q.headers['idempotency-key'])).toEqual([dead.idempotencyKey]);
    expect(delivered.idempotencyKey).toBe(dead.idempotencyKey);
    expect(
      (await expectStatus(await sidecar.call(`/api/deliveries/${dead.id}/redeliver`, { method: 'POST' }), 409)).error
        .code
    ).toBe('DELIVERY_NOT_REDELIVERABLE');
  });

  it('marks a delivery dead at once on a 410, without retrying, and shows the error on the channel', async () => {
    const r = await receiver(() => ({ status: 410, body: 'webhook deleted' }));
    const { channel, declare } = await setUp(`${r.origin}/hooks/secret-path-token`);
    const incident = await declare();
    const dead = await settled(incident.id, 'dead');
    expect(dead).toMatchObject({ attempts: 1, lastStatus: 410 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(r.requests).toHaveLength(1);
    const shown = await expectStatus(await sidecar.call(`/api/channels/${channel.id}`), 200);
    expect(shown.lastError).toContain('410');
    expect(shown.lastError).not.toContain('secret-path-token');
    const [entry] = await notificationEntries(incident.id);
    expect(entry.data).toMatchObject({ outcome: 'dead', status: 410 });
    expect(entry.message).toContain('not retried');
  });

  it('keeps a hanging channel from delaying another channel', async () => {
    const slow = await receiver(() => 'hang');
    const fast = await receiver();
    const stuck = await setUp(slow.origin);
    const quick = await setUp(fast.origin);
    for (let i = 0; i < 6; i++) await stuck.declare(`Slow ${i}`);
    await waitFor('the slow channel to be busy', () => (slow.requests.length >= 2 ? true : undefined));
    const started = Date.now();
    const incident = await quick.declare('Fast');
    await settled(incident.id, 'delivered');
    const tookMs = Date.now() - started;
    // One poll interval and a send, not the slow channel's timeouts.
    expect(tookMs).toBeLessThan(1500);
    // The slow channel never had more sends in flight than its cap.
    expect(slow.requests.length).toBeLessThanOrEqual(2 + 2 * Math.ceil((Date.now() - started) / 1000) + 2);
    console.log(`notify: fast channel delivered in ${tookMs} ms while the other hung`);
  });
});

describe('a delivery whose queue job was lost', () => {
  it('is found by the sweep, queued again and sent with its key; /metrics counts it', async () => {
    const r = await receiver();
    const { declare } = await setUp(r.origin);
    const incident = await declare();
    const first = await settled(incident.id, 'delivered');
    // As pg-boss leaves it when a job's retries ran out: the row still owed, no open job for it.
    await sidecar.sql`
      update deliveries set state = 'pending', attempts = 0, delivered_at = null, next_attempt_at = now() - interval '10 minutes'
      where id = ${first.id}`;
    const again = await settled(incident.id, 'delivered', 15_000);
    expect(again.attempts).toBe(1);
    expect(r.requests.map((q) => q.headers['idempotency-key'])).toEqual([first.idempotencyKey, first.idempotencyKey]);
    const metrics = await (await sidecar.call('/metrics', { token: null })).text();
    expect(metrics).toMatch(/^notification_deliveries_requeued_total [1-9]/m);
    expect(metrics).toMatch(/^notification_attempts_total\{kind="webhook",outcome="delivered"\} [1-9]/m);
    expect(metrics).toMatch(/^notification_send_seconds_count\{kind="webhook"\} [1-9]/m);
    expect(metrics).toMatch(/^notification_jobs_waiting \d+/m);
  });
});

describe('secrets stay out of the logs', () => {
  it('logs no channel secret through create, test, delivery and refusal', { timeout: 30_000 }, async () => {
    const { createLogger } = await import('../src/observability/logger.js');
    let lines = '';
    const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void (lines += line) } });
    const logged = await startSidecar({ worker: true, env: ENV, logger });
    try {
      const r = await receiver((n) =>
        n === 1 ? { status: 500, body: 'try again' } : { status: 404, body: 'no such hook' }
      );
      const url = `${r.origin}/hooks/T0KEN-in-the-path-77f1`;
      const secret = 'signing-secret-in-the-logs-never';
      const channel = await expectStatus(
        await logged.call('/api/channels', {
          method: 'POST',
          json: { kind: 'webhook', name: 'logged', secrets: { url, signingSecret: secret } },
        }),
        201
      );
      await expectStatus(
        await logged.call('/api/notification-rules', {
          method: 'POST',
          json: { name: 'logged', events: ['declared'], channelIds: [channel.id] },
        }),
        201
      );
      const incident = await expectStatus(
        await logged.call('/api/incidents', { method: 'POST', json: { title: 'Logged', severity: 'low' } }),
        201
      );
      await waitFor('a dead delivery', async () => {
        const [row] = await logged.sql<
          { state: string }[]
        >`select state from deliveries where incident_id = ${incident.id}`;
        return row?.state === 'dead' ? row : undefined;
      });
      await expectStatus(await logged.call(`/api/channels/${channel.id}/test`, { method: 'POST' }), 200);
      expect(lines).toContain('notification not delivered');
      expect(lines).not.toContain('T0KEN-in-the-path-77f1');
      expect(lines).not.toContain(secret);
      const timeline = JSON.stringify(
        await expectStatus(await logged.call(`/api/incidents/${incident.id}/timeline`), 200)
      );
      expect(timeline).not.toContain('T0KEN-in-the-path-77f1');
    } finally {
      await logged.close();
    }
  });
});

describe("a channel's circuit breaker", () => {
  it(
    'stops sending to a failing receiver while open, probes after the half-open delay, and delivers once it recovers',
    { timeout: 40_000 },
    async () => {
      const breaking = await startSidecar({
        worker: true,
        env: {
          ...ENV,
          NOTIFY_BREAKER_FAILURES: '2',
          NOTIFY_BREAKER_HALF_OPEN_MS: '1500',
          NOTIFY_MAX_ATTEMPTS: '10',
          NOTIFY_RETRY_BASE_MS: '100',
        },
      });
      try {
        const times: number[] = [];
        const r = await receiver((n) => {
          times.push(Date.now());
          return n <= 3 ? { status: 503 } : { status: 200 };
        });
        const channel = await expectStatus(
          await breaking.call('/api/channels', {
            method: 'POST',
            json: { kind: 'webhook', name: 'flaky', secrets: { url: r.origin, signingSecret: SIGNING_SECRET } },
          }),
          201
        );
        await expectStatus(
          await breaking.call('/api/notification-rules', {
            method: 'POST',
            json: { name: 'flaky', events: ['declared'], channelIds: [channel.id] },
          }),
          201
        );
        const incident = await expectStatus(
          await breaking.call('/api/incidents', { method: 'POST', json: { title: 'Flaky', severity: 'low' } }),
          201
        );
        const delivered = await waitFor(
          'the delivery',
          async () => {
            const [row] = await breaking.sql<
              { state: string; attempts: number }[]
            >`select state, attempts from deliveries where incident_id = ${incident.id}`;
            return row?.state === 'delivered' ? row : undefined;
          },
          20_000
        );
        expect(times).toHaveLength(4);
        // Opened after the second failure: the third send (the probe) waited for the half-open delay, and the
        // fourth for the next one after the probe failed; attempts the open breaker postponed were given back.
        expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(1400);
        expect(times[3]! - times[2]!).toBeGreaterThanOrEqual(1400);
        expect(delivered.attempts).toBe(4);
      } finally {
        await breaking.close();
      }
    }
  );
});
