import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/store/tokens.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

/**
 * Escalation policies, a service naming its policy, and escalations (start on declare with `page`, escalate now,
 * stopped by acknowledge and resolve) through the real HTTP API on a real Postgres. No worker runs here: pages stay
 * pending deliveries (escalation-e2e.test.ts sends them and fires timers).
 */
let sidecar: TestSidecar;
let viewer: string;
let editor: string;
const UNKNOWN = '00000000-0000-4000-8000-00000000abcd';
let hook: { id: string };
let mail: { id: string };
let ana: { id: string };
let primary: { id: string };

beforeAll(async () => {
  sidecar = await startSidecar();
  viewer = (await createApiToken(sidecar.sql, 'wall', 'viewer')).token;
  editor = (await createApiToken(sidecar.sql, 'responder', 'editor')).token;
  hook = await post('/api/channels', {
    kind: 'webhook',
    name: 'ana-hook',
    secrets: { url: 'http://127.0.0.1:9/hook', signingSecret: 'signing-secret-0123456789' },
  });
  mail = await post('/api/channels', {
    kind: 'email',
    name: 'relay',
    settings: { host: '127.0.0.1', port: 2525, security: 'none', from: 'studio@example.com', to: ['team@example.com'] },
  });
  ana = await post('/api/people', {
    login: 'ana',
    name: 'Ana',
    email: 'ana@example.com',
    timeZone: 'Europe/Berlin',
    contactMethods: [
      { kind: 'email', target: 'ana@example.com' },
      { kind: 'webhook', target: 'ana-phone', channelId: hook.id },
      { kind: 'ntfy', target: 'ana-pages' },
    ],
  });
  primary = await post('/api/schedules', {
    name: 'primary',
    timeZone: 'Europe/Berlin',
    layers: [{ name: 'all week', participants: [ana.id], shiftLength: { unit: 'weeks', count: 1 }, handOffTime: '09:00', startDate: '2026-01-05' }],
  });
});
afterAll(() => sidecar.close());

async function post(path: string, json: unknown, status = 201) {
  return expectStatus(await sidecar.call(path, { method: 'POST', json }), status);
}

const policyBody = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  steps: [
    { target: { kind: 'schedule', scheduleId: primary.id }, waitMinutes: 5, urgency: 'high' },
    { target: { kind: 'channel', channelId: hook.id }, waitMinutes: 10, urgency: 'low' },
  ],
  ...extra,
});

const timelineOf = async (incidentId: string) =>
  (await expectStatus(await sidecar.call(`/api/incidents/${incidentId}/timeline`), 200)).items as Array<{
    type: string;
    message: string;
    data: Record<string, unknown>;
  }>;

async function pagedService(name: string) {
  const policy = await post('/api/escalation-policies', policyBody(`${name}-policy`));
  await post('/api/services', { name, escalationPolicyId: policy.id });
  return policy;
}

describe('escalation policies', () => {
  it('creates, lists, changes and deletes a policy, with an outbox event for each change', async () => {
    const created = await post('/api/escalation-policies', policyBody('crud', { repeat: 2, description: 'day team' }));
    expect(created).toMatchObject({ name: 'crud', repeat: 2, version: 1, description: 'day team' });
    expect(created.steps[1]).toEqual({ target: { kind: 'channel', channelId: hook.id }, waitMinutes: 10, urgency: 'low' });
    const listed = await expectStatus(await sidecar.call('/api/escalation-policies', { token: viewer }), 200);
    expect(listed.items.map((p: { name: string }) => p.name)).toContain('crud');
    const changed = await expectStatus(
      await sidecar.call(`/api/escalation-policies/${created.id}`, { method: 'PATCH', json: { version: 1, repeat: 0, name: 'crud-2' } }),
      200
    );
    expect(changed).toMatchObject({ name: 'crud-2', repeat: 0, version: 2 });
    const stale = await sidecar.call(`/api/escalation-policies/${created.id}`, { method: 'PATCH', json: { version: 1, repeat: 1 } });
    expect((await expectStatus(stale, 409)).error.code).toBe('VERSION_CONFLICT');
    await expectStatus(await sidecar.call(`/api/escalation-policies/${created.id}`, { method: 'DELETE' }), 204);
    const gone = await sidecar.call(`/api/escalation-policies/${created.id}`);
    expect((await expectStatus(gone, 404)).error.code).toBe('ESCALATION_POLICY_NOT_FOUND');
    const events = await sidecar.sql<{ type: string }[]>`
      select type from events where type like 'escalation_policy.%' and payload->>'id' = ${created.id} order by seq`;
    expect(events.map((e) => e.type)).toEqual(['escalation_policy.created', 'escalation_policy.updated', 'escalation_policy.deleted']);
  });

  it('refuses bad input naming the field, an unknown target, a taken name, and wrong roles', async () => {
    const issue = async (json: unknown) => (await expectStatus(await sidecar.call('/api/escalation-policies', { method: 'POST', json }), 400)).error;
    expect((await issue({ name: 'x', steps: [] })).details.issues[0].path).toBe('steps');
    expect((await issue({ name: 'x', steps: [{ target: { kind: 'pager' }, waitMinutes: 1, urgency: 'high' }] })).code).toBe('VALIDATION_FAILED');
    expect((await issue(policyBody('x', { steps: [{ target: { kind: 'person', personId: ana.id }, waitMinutes: -1, urgency: 'high' }] }))).details.issues[0].path).toBe(
      'steps.0.waitMinutes'
    );
    expect((await issue(policyBody('x', { steps: [{ target: { kind: 'person', personId: ana.id }, waitMinutes: 1, urgency: 'loud' }] }))).details.issues[0].path).toBe(
      'steps.0.urgency'
    );
    const zeroWaits = await issue({ name: 'x', repeat: 2, steps: [{ target: { kind: 'person', personId: ana.id }, waitMinutes: 0, urgency: 'high' }] });
    expect(zeroWaits.details.issues[0].path).toBe('repeat');
    const unknown = await issue({ name: 'x', steps: [{ target: { kind: 'person', personId: UNKNOWN }, waitMinutes: 1, urgency: 'high' }] });
    expect(unknown.details.issues[0].path).toBe('steps.0.target.personId');
    await post('/api/escalation-policies', policyBody('taken'));
    const taken = await sidecar.call('/api/escalation-policies', { method: 'POST', json: policyBody('taken') });
    expect((await expectStatus(taken, 409)).error.code).toBe('ESCALATION_POLICY_ALREADY_EXISTS');
    const asEditor = await sidecar.call('/api/escalation-policies', { method: 'POST', json: policyBody('y'), token: editor });
    expect((await expectStatus(asEditor, 403)).error.code).toBe('FORBIDDEN');
    expect((await expectStatus(await sidecar.call('/api/escalation-policies', { token: null }), 401)).error.code).toBe('AUTH_REQUIRED');
    expect((await expectStatus(await sidecar.call('/api/escalation-policies/not-a-uuid'), 400)).error.code).toBe('VALIDATION_FAILED');
  });

  it('is named by a service (by default and per severity), which keeps it from being deleted', async () => {
    const policy = await post('/api/escalation-policies', policyBody('named'));
    const critical = await post('/api/escalation-policies', policyBody('named-critical'));
    const service = await post('/api/services', { name: 'ledger', escalationPolicyId: policy.id, escalationPolicies: { critical: critical.id } });
    expect(service).toMatchObject({ escalationPolicyId: policy.id, escalationPolicies: { critical: critical.id } });
    const inUse = await sidecar.call(`/api/escalation-policies/${critical.id}`, { method: 'DELETE' });
    expect(await expectStatus(inUse, 409)).toMatchObject({ error: { code: 'ESCALATION_POLICY_IN_USE', details: { services: ['ledger'] } } });
    const unknown = await sidecar.call('/api/services/ledger', { method: 'PATCH', json: { escalationPolicies: { high: UNKNOWN } } });
    expect((await expectStatus(unknown, 400)).error.details.issues[0].path).toBe('escalationPolicies.high');
    const badSeverity = await sidecar.call('/api/services/ledger', { method: 'PATCH', json: { escalationPolicies: { urgent: policy.id } } });
    expect((await expectStatus(badSeverity, 400)).error.code).toBe('VALIDATION_FAILED');
    await expectStatus(await sidecar.call('/api/services/ledger', { method: 'PATCH', json: { escalationPolicyId: null, escalationPolicies: {} } }), 200);
    await expectStatus(await sidecar.call(`/api/escalation-policies/${critical.id}`, { method: 'DELETE' }), 204);
  });
});

describe('escalations', () => {
  it('pages the on-call person through each contact method when a declarer asks, on the timeline', async () => {
    const policy = await pagedService('checkout');
    const incident = await post('/api/incidents', { title: 'Checkout down', severity: 'critical', service: 'checkout', page: true });
    const escalation = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/escalation`, { token: viewer }), 200);
    expect(escalation).toMatchObject({ policyId: policy.id, state: 'active', step: 1, pass: 0, totalSteps: 2 });
    expect(Date.parse(escalation.nextStepAt) - Date.parse(escalation.steps[0].firedAt)).toBe(5 * 60_000);
    const [first] = escalation.steps;
    expect(first).toMatchObject({ step: 0, trigger: 'start', urgency: 'high', problem: null });
    expect(first.target).toMatchObject({ kind: 'schedule', id: primary.id, name: 'primary', personId: ana.id, personName: 'Ana' });
    // Email through the relay to her address, her own webhook; no ntfy channel exists, so that method is skipped.
    expect(first.pages.map((p: { channelId: string; recipient: { kind: string; target: string } }) => [p.channelId, p.recipient.kind, p.recipient.target])).toEqual([
      [mail.id, 'email', 'ana@example.com'],
      [hook.id, 'webhook', 'ana-phone'],
    ]);
    expect(first.pages.every((p: { state: string }) => p.state === 'pending')).toBe(true);
    const deliveries = await sidecar.sql`select event, urgency, recipient->>'login' as login from deliveries where incident_id = ${incident.id}`;
    expect(deliveries).toEqual([
      { event: 'paged', urgency: 'high', login: 'ana' },
      { event: 'paged', urgency: 'high', login: 'ana' },
    ]);
    const entries = (await timelineOf(incident.id)).filter((e) => e.type === 'escalation');
    expect(entries.map((e) => e.data.action)).toEqual(['started', 'step']);
    expect(entries[1]!.message).toContain('paged Ana (on call in primary) by email via relay, webhook via ana-hook');
    expect(entries[1]!.data.skipped).toEqual(['ntfy ana-pages (there is no ntfy channel to carry it)']);
    const [job] = await sidecar.sql<{ startAfter: Date; data: { version: number } }[]>`
      select start_after, data from pgboss.job where name = 'escalation-steps' and data->>'incidentId' = ${incident.id}`;
    expect(job!.data.version).toBe(escalation.version);
    expect(job!.startAfter.toISOString()).toBe(escalation.nextStepAt);
  });

  it('escalates now to the next step, and stops on acknowledge; escalating a stopped one is 409', async () => {
    await pagedService('payments');
    const incident = await post('/api/incidents', { title: 'Payments slow', severity: 'high', service: 'payments', page: true });
    const moved = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/escalate`, { method: 'POST', token: editor }), 200);
    expect(moved.steps.map((s: { step: number; trigger: string }) => [s.step, s.trigger])).toEqual([
      [0, 'start'],
      [1, 'escalate_now'],
    ]);
    expect(moved.steps[1].pages).toMatchObject([{ channelId: hook.id, recipient: null }]);
    // The last step of the only pass fired: nobody is left.
    expect(moved).toMatchObject({ state: 'exhausted', nextStepAt: null });
    const again = await sidecar.call(`/api/incidents/${incident.id}/escalate`, { method: 'POST' });
    expect(await expectStatus(again, 409)).toMatchObject({ error: { code: 'ESCALATION_NOT_ACTIVE', details: { state: 'exhausted' } } });

    const second = await post('/api/incidents', { title: 'Payments slow again', severity: 'high', service: 'payments', page: true });
    await expectStatus(await sidecar.call(`/api/incidents/${second.id}/acknowledge`, { method: 'POST', token: editor }), 200);
    const stopped = await expectStatus(await sidecar.call(`/api/incidents/${second.id}/escalation`), 200);
    expect(stopped).toMatchObject({ state: 'acknowledged', stoppedBy: 'responder', nextStepAt: null });
    expect((await timelineOf(second.id)).some((e) => e.message === 'Escalation stopped: acknowledged by responder')).toBe(true);
    const afterAck = await sidecar.call(`/api/incidents/${second.id}/escalate`, { method: 'POST' });
    expect((await expectStatus(afterAck, 409)).error.code).toBe('ESCALATION_NOT_ACTIVE');
  });

  it('stops when the incident resolves', async () => {
    await pagedService('search');
    const incident = await post('/api/incidents', { title: 'Search empty', severity: 'medium', service: 'search', page: true });
    await expectStatus(await sidecar.call(`/api/incidents/${incident.id}`, { method: 'PATCH', json: { status: 'resolved' } }), 200);
    expect(await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/escalation`), 200)).toMatchObject({ state: 'resolved' });
  });

  it('moves on at once when a step can page nobody, saying why', async () => {
    const nobody = await post('/api/people', { login: 'quiet', name: 'Quiet', email: 'quiet@example.com', timeZone: 'UTC' });
    const policy = await post('/api/escalation-policies', {
      name: 'quiet-first',
      steps: [
        { target: { kind: 'person', personId: nobody.id }, waitMinutes: 30, urgency: 'high' },
        { target: { kind: 'person', personId: ana.id }, waitMinutes: 5, urgency: 'low' },
        { target: { kind: 'channel', channelId: hook.id }, waitMinutes: 5, urgency: 'high' },
      ],
    });
    await post('/api/services', { name: 'inventory', escalationPolicyId: policy.id });
    const incident = await post('/api/incidents', { title: 'Stock wrong', severity: 'low', service: 'inventory', page: true });
    const escalation = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/escalation`), 200);
    expect(escalation.steps.map((s: { step: number; problem: string | null }) => [s.step, s.problem])).toEqual([
      [0, 'Quiet has no contact methods'],
      [1, null],
    ]);
    expect(escalation).toMatchObject({ step: 2, state: 'active' });
    expect(escalation.steps[1].pages.map((p: { recipient: { kind: string } }) => p.recipient.kind)).toEqual(['email', 'webhook']);
  });

  it('refuses page: true when no service names a policy, and answers 404 for no escalation or no incident', async () => {
    const refused = await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'Nobody to page', severity: 'high', page: true } });
    expect((await expectStatus(refused, 400)).error.details.issues[0].path).toBe('page');
    expect((await sidecar.sql`select 1 from incidents where title = 'Nobody to page'`).length).toBe(0);
    const quiet = await post('/api/incidents', { title: 'Not paged', severity: 'high' });
    expect((await expectStatus(await sidecar.call(`/api/incidents/${quiet.id}/escalation`), 404)).error.code).toBe('ESCALATION_NOT_FOUND');
    expect((await expectStatus(await sidecar.call(`/api/incidents/${quiet.id}/escalate`, { method: 'POST' }), 404)).error.code).toBe(
      'ESCALATION_NOT_FOUND'
    );
    expect((await expectStatus(await sidecar.call(`/api/incidents/${UNKNOWN}/escalation`), 404)).error.code).toBe('INCIDENT_NOT_FOUND');
    expect((await expectStatus(await sidecar.call(`/api/incidents/${UNKNOWN}/escalate`, { method: 'POST' }), 404)).error.code).toBe('INCIDENT_NOT_FOUND');
    expect((await expectStatus(await sidecar.call(`/api/incidents/${quiet.id}/escalate`, { method: 'POST', token: viewer }), 403)).error.code).toBe(
      'FORBIDDEN'
    );
  });
});
