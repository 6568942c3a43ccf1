import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/store/tokens.js';
import { startReceiver, type Receiver } from './support/notifyReceiver.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

/**
 * "Send me a test page" (POST /api/people/{id}/test-page) against real receivers: every contact method tried in
 * order through the channel an escalation step would use, each with its outcome, nothing stored.
 */
let sidecar: TestSidecar;
let phone: Receiver;
let gone: Receiver;
let viewer: string;

beforeAll(async () => {
  sidecar = await startSidecar();
  phone = await startReceiver();
  gone = await startReceiver(() => ({ status: 410, body: 'this hook was deleted' }));
  viewer = (await createApiToken(sidecar.sql, 'wall', 'viewer')).token;
});
afterAll(async () => {
  await Promise.all([phone.close(), gone.close()]);
  await sidecar.close();
});

const post = async (path: string, json: unknown) =>
  expectStatus(await sidecar.call(path, { method: 'POST', json }), 201);
const hook = (name: string, url: string) =>
  post('/api/channels', { kind: 'webhook', name, secrets: { url, signingSecret: 'signing-secret-0123456789' } });

describe('send me a test page', () => {
  it('tries each contact method in order and answers each outcome; a method no channel carries says why', async () => {
    const phoneHook = await hook('bo-phone', `${phone.origin}/bo`);
    const oldHook = await hook('bo-old-phone', `${gone.origin}/old`);
    const bo = await post('/api/people', {
      login: 'bo',
      name: 'Bo',
      email: 'bo@example.com',
      timeZone: 'Europe/Berlin',
      contactMethods: [
        { kind: 'webhook', target: 'bo-phone', channelId: phoneHook.id },
        { kind: 'email', target: 'bo@example.com' },
        { kind: 'webhook', target: 'bo-old-phone', channelId: oldHook.id },
      ],
    });
    const deliveriesBefore = await sidecar.sql`select count(*)::int as n from deliveries`;
    const answer = await expectStatus(await sidecar.call(`/api/people/${bo.id}/test-page`, { method: 'POST' }), 200);
    expect(
      answer.items.map((i: { kind: string; target: string; channel: string | null; delivered: boolean }) => [
        i.kind,
        i.target,
        i.channel,
        i.delivered,
      ])
    ).toEqual([
      ['webhook', 'bo-phone', 'bo-phone', true],
      ['email', 'bo@example.com', null, false],
      ['webhook', 'bo-old-phone', 'bo-old-phone', false],
    ]);
    expect(answer.items[1].error).toBe('there is no email channel to carry it');
    expect(answer.items[2].error).toContain('410');
    // The page as an escalation would send it: for the person, high urgency, a test that acknowledges nothing.
    const body = JSON.parse(phone.requests[0]!.body);
    expect(body).toMatchObject({
      event: 'test',
      recipient: { login: 'bo', kind: 'webhook', target: 'bo-phone' },
      urgency: 'high',
    });
    expect(body.headline).toContain('Test page for Bo');
    expect(body.links.acknowledge).toBeNull();
    expect(await sidecar.sql`select count(*)::int as n from deliveries`).toEqual(deliveriesBefore);
  });

  it('answers 404 for an unknown person and 403 to a viewer', async () => {
    const unknown = await sidecar.call('/api/people/00000000-0000-4000-8000-000000000000/test-page', {
      method: 'POST',
    });
    expect((await expectStatus(unknown, 404)).error.code).toBe('PERSON_NOT_FOUND');
    const bo = await post('/api/people', { login: 'cy', name: 'Cy', email: 'cy@example.com', timeZone: 'UTC' });
    const refused = await sidecar.call(`/api/people/${bo.id}/test-page`, { method: 'POST', token: viewer });
    expect((await expectStatus(refused, 403)).error.code).toBe('FORBIDDEN');
    // No contact methods: nothing to try.
    expect(await expectStatus(await sidecar.call(`/api/people/${bo.id}/test-page`, { method: 'POST' }), 200)).toEqual({
      items: [],
    });
  });
});
