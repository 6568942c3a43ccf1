import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../src/notify/channels/webhook.js';
import { Escalator } from '../src/notify/escalator.js';
import { createLogger } from '../src/observability/logger.js';
import { loadConfig } from '../src/config.js';
import { fireDueStep } from '../src/store/escalations.js';
import { enqueueEscalationStep, ESCALATION_QUEUE, JOB_SCHEMA, type EscalationJob } from '../src/store/jobQueue.js';
import { createApiToken } from '../src/store/tokens.js';
import { alertmanagerPayload } from './support/alerting.js';
import { startReceiver, type Receiver } from './support/notifyReceiver.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

/**
 * Escalation in real time: alerts open an incident whose service's policy pages the on-call person's webhook;
 * acknowledging through the link in that page stops the next step. And the fence: copies of one due step's timer
 * fired by racing escalators page once, and a step claimed by a replica that died is fired once by another after
 * the lease. Steps wait seconds here (waitMinutes takes fractions).
 */
const SIGNING_SECRET = 'signing-secret-0123456789';
const STEP_WAIT_MINUTES = 0.05; // 3 s

let sidecar: TestSidecar;
let receiver: Receiver;
let intakeToken: string;

beforeAll(async () => {
  receiver = await startReceiver();
  sidecar = await startSidecar({ worker: true, env: { NOTIFY_POLL_MS: '500', ESCALATION_POLL_MS: '200' } });
  intakeToken = (await createApiToken(sidecar.sql, 'alertmanager', 'integration')).token;
  const channel = async (name: string, path: string) =>
    post('/api/channels', { kind: 'webhook', name, secrets: { url: `${receiver.origin}${path}`, signingSecret: SIGNING_SECRET } });
  const anaHook = await channel('ana-phone', '/ana');
  const team = await channel('payments-room', '/team');
  const ana = await post('/api/people', {
    login: 'ana',
    name: 'Ana',
    email: 'ana@example.com',
    timeZone: 'Europe/Berlin',
    contactMethods: [{ kind: 'webhook', target: 'ana-phone', channelId: anaHook.id }],
  });
  const schedule = await post('/api/schedules', {
    name: 'payments-primary',
    timeZone: 'Europe/Berlin',
    layers: [{ name: 'week', participants: [ana.id], shiftLength: { unit: 'weeks', count: 1 }, handOffTime: '09:00', startDate: '2026-01-05' }],
  });
  const policy = await post('/api/escalation-policies', {
    name: 'payments',
    steps: [
      { target: { kind: 'schedule', scheduleId: schedule.id }, waitMinutes: STEP_WAIT_MINUTES, urgency: 'high' },
      { target: { kind: 'channel', channelId: team.id }, waitMinutes: STEP_WAIT_MINUTES, urgency: 'high' },
    ],
  });
  await post('/api/services', { name: 'payments', escalationPolicyId: policy.id });
});
afterAll(async () => {
  await sidecar.close();
  await receiver.close();
});

async function post(path: string, json: unknown) {
  return expectStatus(await sidecar.call(path, { method: 'POST', json }), 201);
}

async function openIncident(alertname: string): Promise<string> {
  const summary = await expectStatus(
    await sidecar.call('/api/integrations/alertmanager', {
      method: 'POST',
      token: intakeToken,
      json: alertmanagerPayload([{ labels: { alertname, severity: 'critical', service: 'payments' } }], { groupKey: `{}:{alertname="${alertname}"}` }),
    }),
    200
  );
  expect(summary.incidents).toHaveLength(1);
  return summary.incidents[0].id;
}

interface Page {
  path: string;
  body: { event: string; incident: { id: string }; recipient: { login: string; target: string } | null; urgency: string; links: { acknowledge: string | null } };
}

const pagesOf = (incidentId: string): Page[] =>
  receiver.requests
    .map((r) => ({ path: r.path, body: JSON.parse(r.body) as Page['body'], raw: r }))
    .filter((p) => p.body.incident.id === incidentId && p.body.event === 'paged');

async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('escalation end to end', () => {
  it('pages the on-call person from an alert, stops when they acknowledge through the link, and goes on when nobody does', async () => {
    const acked = await openIncident('PaymentsDown');
    const ignored = await openIncident('PaymentsSlow');

    const first = await waitFor('the first page', () => pagesOf(acked)[0]);
    expect(first.path).toBe('/ana');
    expect(first.body).toMatchObject({ recipient: { login: 'ana', target: 'ana-phone' }, urgency: 'high' });
    const signed = receiver.requests.find((r) => JSON.parse(r.body).incident.id === acked)!;
    expect(verifyWebhookSignature(signed.body, signed.headers['x-studio-signature'] as string, SIGNING_SECRET, 300, new Date()).valid).toBe(true);

    const ack = await fetch(`${sidecar.url}${new URL(first.body.links.acknowledge!).pathname}`, { method: 'POST' });
    expect(ack.status).toBe(200);
    expect(await ack.text()).toContain('as ana');

    // The unacknowledged one reaches its second step (the team's room) one wait after its first page.
    const second = await waitFor('the second step of the ignored incident', () => pagesOf(ignored).find((p) => p.path === '/team'));
    expect(second.body.recipient).toBeNull();
    // Well past the acknowledged incident's second step: nothing more was sent for it.
    await new Promise((resolve) => setTimeout(resolve, STEP_WAIT_MINUTES * 60_000 + 1500));
    expect(pagesOf(acked).map((p) => p.path)).toEqual(['/ana']);

    const escalation = await expectStatus(await sidecar.call(`/api/incidents/${acked}/escalation`), 200);
    expect(escalation).toMatchObject({ state: 'acknowledged', stoppedBy: 'ana' });
    expect(escalation.steps).toHaveLength(1);
    expect(escalation.steps[0].pages).toMatchObject([{ state: 'delivered', recipient: { login: 'ana' } }]);
    const timeline = await expectStatus(await sidecar.call(`/api/incidents/${acked}/timeline`), 200);
    const kinds = timeline.items.map((e: { type: string; data: { action?: string } }) => (e.type === 'escalation' ? `escalation:${e.data.action}` : e.type));
    expect(kinds).toEqual(expect.arrayContaining(['escalation:started', 'escalation:step', 'acknowledged', 'escalation:stopped']));
    const outcome = timeline.items.find((e: { type: string }) => e.type === 'notification');
    expect(outcome).toMatchObject({ data: { event: 'paged', outcome: 'delivered', recipient: { login: 'ana' } } });
    expect(outcome.message).toBe('Sent the page to Ana (webhook ana-phone) via ana-phone (webhook)');
    const events = await sidecar.sql<{ count: number }[]>`
      select count(*)::int as count from events where topic = ${`incident:${acked}`} and type = 'timeline.added'
        and payload->>'type' = 'escalation'`;
    expect(events[0]!.count).toBe(3);

    const ignoredEscalation = await expectStatus(await sidecar.call(`/api/incidents/${ignored}/escalation`), 200);
    expect(ignoredEscalation.steps.map((s: { trigger: string }) => s.trigger)).toEqual(['start', 'timer']);
    expect(ignoredEscalation.state).toBe('exhausted');
  }, 30_000);
});

describe('the fence', () => {
  let quiet: TestSidecar;
  beforeAll(async () => {
    // No worker of its own: the racing escalators below are the only ones.
    quiet = await startSidecar();
  });
  afterAll(() => quiet.close());

  async function dueEscalation(name: string) {
    const call = async (path: string, json: unknown) => expectStatus(await quiet.call(path, { method: 'POST', json }), 201);
    const room = await call('/api/channels', { kind: 'webhook', name: `${name}-room`, secrets: { url: `${receiver.origin}/fence`, signingSecret: SIGNING_SECRET } });
    const steps = [0, 1].map(() => ({ target: { kind: 'channel', channelId: room.id }, waitMinutes: 0.01, urgency: 'low' }));
    const policy = await call('/api/escalation-policies', { name, steps });
    await call('/api/services', { name, escalationPolicyId: policy.id });
    const incident = await call('/api/incidents', { title: `${name} down`, severity: 'high', service: name, page: true });
    const [row] = await quiet.sql<{ version: number; nextStepAt: Date }[]>`
      select version, next_step_at from escalations where incident_id = ${incident.id}`;
    return { incidentId: incident.id as string, version: row!.version, dueAt: row!.nextStepAt };
  }

  const timerSteps = async (incidentId: string) =>
    quiet.sql<{ id: string }[]>`select id from escalation_steps where incident_id = ${incidentId} and trigger = 'timer'`;

  it('fires a step once when two escalators hold copies of its timer', async () => {
    const due = await dueEscalation('fence-workers');
    // A second copy of the job, as a lease handed over while the first holder still runs would make.
    await quiet.sql.begin((tx) => enqueueEscalationStep(tx, { incidentId: due.incidentId, version: due.version }, due.dueAt));
    const config = loadConfig({ ESCALATION_POLL_MS: '100' }).escalation;
    const escalators = [0, 1].map(
      () => new Escalator({ db: quiet.db, databaseUrl: quiet.databaseUrl, config, logger: createLogger({ level: 'silent' }) })
    );
    await Promise.all(escalators.map((e) => e.start()));
    try {
      const deadline = Date.now() + 10_000;
      let pending = 2;
      while (pending > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const [row] = await quiet.sql<{ pending: number }[]>`
          select count(*)::int as pending from pgboss.job
          where name = 'escalation-steps' and data->>'incidentId' = ${due.incidentId} and state <> 'completed'`;
        pending = row!.pending;
      }
      expect(pending).toBe(0);
    } finally {
      await Promise.all(escalators.map((e) => e.stop()));
    }
    expect(await timerSteps(due.incidentId)).toHaveLength(1);
    const pages = await quiet.sql`select 1 from deliveries where incident_id = ${due.incidentId}`;
    expect(pages).toHaveLength(2); // the start's page and the one timer step's
  });

  it('hands a step claimed by a replica that died to another one after the lease, which fires it once', async () => {
    const config = loadConfig({ ESCALATION_POLL_MS: '100', ESCALATION_LEASE_SECONDS: '1', NOTIFY_MAINTENANCE_SECONDS: '1' }).escalation;
    const escalator = () => new Escalator({ db: quiet.db, databaseUrl: quiet.databaseUrl, config, logger: createLogger({ level: 'silent' }) });
    // An escalator's start gives the queue its lease; then the doomed replica claims the due step and dies
    // (its pg-boss stops without completing the job, as a SIGKILL mid-step leaves it).
    const first = escalator();
    await first.start();
    await first.stop();
    const due = await dueEscalation('fence-lease');
    const doomed = new PgBoss({ connectionString: quiet.databaseUrl, schema: JOB_SCHEMA, supervise: false, schedule: false, migrate: false });
    await doomed.start();
    let claimed: PgBoss.Job<EscalationJob> | undefined;
    while (!claimed) {
      [claimed] = await doomed.fetch<EscalationJob>(ESCALATION_QUEUE);
      if (!claimed) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const claimedAt = Date.now();
    expect(claimed.data.incidentId).toBe(due.incidentId);
    await doomed.stop({ graceful: false, close: true, wait: true });

    const survivor = escalator();
    await survivor.start();
    try {
      const deadline = Date.now() + 15_000;
      let steps: Array<{ id: string }> = [];
      while (steps.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        steps = await timerSteps(due.incidentId);
      }
      expect(steps).toHaveLength(1);
      // Within the lease and a maintenance round or two (and the retry's 1 s delay) of the claim.
      expect(Date.now() - claimedAt).toBeLessThan(8_000);
    } finally {
      await survivor.stop();
    }
    expect(await timerSteps(due.incidentId)).toHaveLength(1);
  }, 30_000);

  it('fires once when two transactions race for the same due step', async () => {
    const due = await dueEscalation('fence-race');
    const job = { incidentId: due.incidentId, version: due.version };
    const outcomes = await Promise.all([
      fireDueStep(quiet.sql, job, '00000000-0000-4000-8000-000000000001'),
      fireDueStep(quiet.sql, job, '00000000-0000-4000-8000-000000000002'),
    ]);
    expect(outcomes.sort()).toEqual(['fired', 'stale']);
    expect(await timerSteps(due.incidentId)).toHaveLength(1);
    // A late copy after the race changes nothing either.
    expect(await fireDueStep(quiet.sql, job, '00000000-0000-4000-8000-000000000003')).toBe('stale');
  });
});
