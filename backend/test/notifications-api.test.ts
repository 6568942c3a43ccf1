import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/store/tokens.js';
import { createIncident } from '../src/store/incidents.js';
import { SYSTEM_ACTOR } from '../src/domain/actor.js';
import { queueNotifications } from '../src/store/deliveries.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';
import { startReceiver, type Receiver } from './support/notifyReceiver.js';

/**
 * Channels, notification rules, deliveries written with the incident events that cause them, and acknowledging
 * (by API and by signed link), through the real HTTP API on a real Postgres. No worker runs here: deliveries stay
 * pending (notifications-delivery.test.ts sends them).
 */
let sidecar: TestSidecar;
let receiver: Receiver;
let viewer: string;
let editor: string;

const WEBHOOK_URL_SECRET = 'hook-token-4f1e9a';

beforeAll(async () => {
  sidecar = await startSidecar();
  receiver = await startReceiver();
  viewer = (await createApiToken(sidecar.sql, 'wall', 'viewer')).token;
  editor = (await createApiToken(sidecar.sql, 'bot', 'editor')).token;
});
afterAll(async () => {
  await receiver.close();
  await sidecar.close();
});

const webhook = (name: string, extra: Record<string, unknown> = {}) => ({
  kind: 'webhook',
  name,
  secrets: { url: `${receiver.origin}/hook/${WEBHOOK_URL_SECRET}`, signingSecret: 'signing-secret-0123456789' },
  ...extra,
});

async function createChannel(name: string, extra: Record<string, unknown> = {}) {
  return expectStatus(await sidecar.call('/api/channels', { method: 'POST', json: webhook(name, extra) }), 201);
}

async function createRule(name: string, channelIds: string[], extra: Record<string, unknown> = {}) {
  return expectStatus(
    await sidecar.call('/api/notification-rules', {
      method: 'POST',
      json: { name, events: ['declared', 'resolved', 'acknowledged'], channelIds, ...extra },
    }),
    201
  );
}

const declare = async (json: Record<string, unknown> = {}) =>
  expectStatus(await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'Checkout down', severity: 'high', ...json } }), 201);

const deliveriesOf = (incidentId: string) =>
  sidecar.sql<{ channelId: string; event: string; state: string; idempotencyKey: string }[]>`
    select channel_id, event, state, idempotency_key from deliveries where incident_id = ${incidentId} order by created_at`;

describe('channels', () => {
  it('creates a channel whose secrets are stored encrypted and never returned', async () => {
    const channel = await createChannel('ops-hook');
    expect(channel).toMatchObject({ kind: 'webhook', name: 'ops-hook', muted: false, secretsSet: ['signingSecret', 'url'], version: 1 });
    const text = JSON.stringify(await expectStatus(await sidecar.call(`/api/channels/${channel.id}`), 200));
    expect(text).not.toContain(WEBHOOK_URL_SECRET);
    const listed = JSON.stringify(await expectStatus(await sidecar.call('/api/channels', { token: viewer }), 200));
    expect(listed).toContain('ops-hook');
    expect(listed).not.toContain(WEBHOOK_URL_SECRET);
    const [row] = await sidecar.sql<{ secrets: Buffer }[]>`select secrets from channels where id = ${channel.id}`;
    expect(row!.secrets.toString('latin1')).not.toContain(WEBHOOK_URL_SECRET);
    expect(sidecar.notifier.secretBox.open(channel.id, row!.secrets)).toMatchObject({ url: expect.stringContaining(WEBHOOK_URL_SECRET) });
  });

  it("refuses settings and secrets the kind's schemas do not accept, naming the field", async () => {
    const noUrl = await sidecar.call('/api/channels', { method: 'POST', json: { kind: 'webhook', name: 'x', secrets: { signingSecret: 'signing-secret-0123456789' } } });
    const body = await expectStatus(noUrl, 400);
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details.issues[0].path).toBe('secrets.url');
    const badSetting = await sidecar.call('/api/channels', { method: 'POST', json: webhook('y', { settings: { colour: 'red' } }) });
    expect((await expectStatus(badSetting, 400)).error.details.issues[0].path).toMatch(/^settings/);
    const badKind = await sidecar.call('/api/channels', { method: 'POST', json: { kind: 'pager', name: 'z' } });
    expect((await expectStatus(badKind, 400)).error.code).toBe('VALIDATION_FAILED');
  });

  it('refuses a second channel of the same name (409)', async () => {
    await createChannel('dup-hook');
    const again = await sidecar.call('/api/channels', { method: 'POST', json: webhook('dup-hook') });
    expect((await expectStatus(again, 409)).error.code).toBe('CHANNEL_ALREADY_EXISTS');
  });

  it('PATCH keeps the secrets not sent, replaces the ones sent, and refuses a stale version', async () => {
    const channel = await createChannel('patch-hook');
    const patched = await expectStatus(
      await sidecar.call(`/api/channels/${channel.id}`, { method: 'PATCH', json: { version: 1, secrets: { signingSecret: 'another-secret-0123456789' }, muted: true } }),
      200
    );
    expect(patched).toMatchObject({ muted: true, version: 2, secretsSet: ['signingSecret', 'url'] });
    const [row] = await sidecar.sql<{ secrets: Buffer }[]>`select secrets from channels where id = ${channel.id}`;
    expect(sidecar.notifier.secretBox.open(channel.id, row!.secrets)).toEqual({
      url: `${receiver.origin}/hook/${WEBHOOK_URL_SECRET}`,
      signingSecret: 'another-secret-0123456789',
    });
    const stale = await sidecar.call(`/api/channels/${channel.id}`, { method: 'PATCH', json: { version: 1, muted: false } });
    const conflict = await expectStatus(stale, 409);
    expect(conflict.error.code).toBe('VERSION_CONFLICT');
    expect(JSON.stringify(conflict)).not.toContain(WEBHOOK_URL_SECRET);
    const removed = await sidecar.call(`/api/channels/${channel.id}`, { method: 'PATCH', json: { secrets: { url: null } } });
    expect((await expectStatus(removed, 400)).error.details.issues[0].path).toBe('secrets.url');
  });

  it('answers 404 for an unknown channel and 403 to viewers and editors changing one', async () => {
    const unknown = '00000000-0000-4000-8000-00000000abcd';
    expect((await expectStatus(await sidecar.call(`/api/channels/${unknown}`), 404)).error.code).toBe('CHANNEL_NOT_FOUND');
    expect((await expectStatus(await sidecar.call(`/api/channels/${unknown}`, { method: 'DELETE' }), 404)).error.code).toBe('CHANNEL_NOT_FOUND');
    for (const token of [viewer, editor]) {
      const res = await sidecar.call('/api/channels', { method: 'POST', json: webhook('nope'), token });
      expect((await expectStatus(res, 403)).error.code).toBe('FORBIDDEN');
    }
    expect((await expectStatus(await sidecar.call('/api/channels', { token: null }), 401)).error.code).toBe('AUTH_REQUIRED');
  });

  it('sends a test message and answers with what the receiver did', async () => {
    const channel = await createChannel('test-hook');
    receiver.handle(() => ({ status: 204 }));
    const ok = await expectStatus(await sidecar.call(`/api/channels/${channel.id}/test`, { method: 'POST' }), 200);
    expect(ok).toMatchObject({ delivered: true, error: null });
    const sent = receiver.requests.at(-1)!;
    expect(JSON.parse(sent.body)).toMatchObject({ event: 'test' });
    expect(sent.headers['x-studio-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    receiver.handle(() => ({ status: 410, body: 'gone' }));
    const refused = await expectStatus(await sidecar.call(`/api/channels/${channel.id}/test`, { method: 'POST' }), 200);
    expect(refused).toMatchObject({ delivered: false, status: 410, isPermanent: true });
    expect(refused.error).not.toContain(WEBHOOK_URL_SECRET);
    receiver.handle(() => ({ status: 200 }));
    expect((await expectStatus(await sidecar.call(`/api/channels/${channel.id}/test`, { method: 'POST', token: editor }), 403)).error.code).toBe('FORBIDDEN');
  });

  it('deletes a channel and takes it out of every rule', async () => {
    const channel = await createChannel('gone-hook');
    const other = await createChannel('stay-hook');
    const rule = await createRule('both', [channel.id, other.id]);
    await expectStatus(await sidecar.call(`/api/channels/${channel.id}`, { method: 'DELETE' }), 204);
    const after = await expectStatus(await sidecar.call(`/api/notification-rules/${rule.id}`), 200);
    expect(after.channelIds).toEqual([other.id]);
    await expectStatus(await sidecar.call(`/api/notification-rules/${rule.id}`, { method: 'DELETE' }), 204);
  });
});

describe('notification rules', () => {
  it('creates, changes under version, mutes and deletes a rule', async () => {
    const channel = await createChannel('rules-hook');
    const rule = await createRule('crit', [channel.id], { severities: ['critical'], labels: { env: 'prod' } });
    expect(rule).toMatchObject({ name: 'crit', severities: ['critical'], labels: { env: 'prod' }, muted: false, version: 1 });
    const muted = await expectStatus(
      await sidecar.call(`/api/notification-rules/${rule.id}`, { method: 'PATCH', json: { version: 1, muted: true } }),
      200
    );
    expect(muted).toMatchObject({ muted: true, version: 2 });
    const stale = await sidecar.call(`/api/notification-rules/${rule.id}`, { method: 'PATCH', json: { version: 1, name: 'x' } });
    expect((await expectStatus(stale, 409)).error.code).toBe('VERSION_CONFLICT');
    const listed = await expectStatus(await sidecar.call('/api/notification-rules', { token: viewer }), 200);
    expect(listed.items.map((r: { name: string }) => r.name)).toContain('crit');
    await expectStatus(await sidecar.call(`/api/notification-rules/${rule.id}`, { method: 'DELETE' }), 204);
    expect((await expectStatus(await sidecar.call(`/api/notification-rules/${rule.id}`), 404)).error.code).toBe('NOTIFICATION_RULE_NOT_FOUND');
  });

  it('refuses unknown channels, unknown events, a duplicate name, and callers below admin', async () => {
    const unknown = await sidecar.call('/api/notification-rules', {
      method: 'POST',
      json: { name: 'r', events: ['declared'], channelIds: ['00000000-0000-4000-8000-00000000abcd'] },
    });
    expect((await expectStatus(unknown, 400)).error.details.issues[0].path).toBe('channelIds');
    const badEvent = await sidecar.call('/api/notification-rules', { method: 'POST', json: { name: 'r', events: ['exploded'], channelIds: [] } });
    expect((await expectStatus(badEvent, 400)).error.code).toBe('VALIDATION_FAILED');
    const channel = await createChannel('dup-rule-hook');
    await createRule('same', [channel.id]);
    const again = await sidecar.call('/api/notification-rules', { method: 'POST', json: { name: 'same', events: ['declared'], channelIds: [channel.id] } });
    expect((await expectStatus(again, 409)).error.code).toBe('NOTIFICATION_RULE_ALREADY_EXISTS');
    const asEditor = await sidecar.call('/api/notification-rules', { method: 'POST', token: editor, json: { name: 'e', events: ['declared'], channelIds: [channel.id] } });
    expect((await expectStatus(asEditor, 403)).error.code).toBe('FORBIDDEN');
    await sidecar.sql`delete from notification_rules`;
  });
});

describe('deliveries written with their cause', () => {
  it('writes one delivery per matching unmuted channel, with its job, for declared, resolved and updates', async () => {
    await sidecar.sql`delete from notification_rules`;
    const a = await createChannel('cause-a');
    const b = await createChannel('cause-b');
    const muted = await createChannel('cause-muted', { muted: true });
    await createRule('all', [a.id, b.id, muted.id]);
    await createRule('overlap', [a.id], { events: ['declared'] });
    await createRule('critical-only', [b.id], { events: ['update_posted'], severities: ['critical'] });
    await createRule('silenced', [a.id], { events: ['status_changed'], muted: true });

    const incident = await declare();
    let rows = await deliveriesOf(incident.id);
    expect(rows.map((r) => [r.channelId, r.event]).sort()).toEqual([[a.id, 'declared'], [b.id, 'declared']].sort());
    expect(new Set(rows.map((r) => r.idempotencyKey)).size).toBe(2);
    const [jobs] = await sidecar.sql`select count(*)::int as n from pgboss.job where data->>'deliveryId' in (select id::text from deliveries where incident_id = ${incident.id})`;
    expect(jobs!.n).toBe(2);

    // An update on a high incident: the critical-only rule does not match; status_changed's rule is muted.
    await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/timeline`, { method: 'POST', json: { message: 'Rolled back', isUpdate: true } }), 201);
    await expectStatus(await sidecar.call(`/api/incidents/${incident.id}`, { method: 'PATCH', json: { status: 'investigating' } }), 200);
    expect(await deliveriesOf(incident.id)).toHaveLength(2);

    await expectStatus(await sidecar.call(`/api/incidents/${incident.id}`, { method: 'PATCH', json: { severity: 'critical' } }), 200);
    await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/timeline`, { method: 'POST', json: { message: 'Still down', isUpdate: true } }), 201);
    await expectStatus(await sidecar.call(`/api/incidents/${incident.id}`, { method: 'PATCH', json: { status: 'resolved' } }), 200);
    rows = await deliveriesOf(incident.id);
    expect(rows.map((r) => `${r.event}:${r.channelId === a.id ? 'a' : 'b'}`).sort()).toEqual(
      ['declared:a', 'declared:b', 'resolved:a', 'resolved:b', 'update_posted:b'].sort()
    );
    expect(rows.every((r) => r.state === 'pending')).toBe(true);
    const timeline = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/timeline`), 200);
    expect(timeline.items.filter((e: { type: string; data: { isUpdate?: boolean } }) => e.type === 'note' && e.data.isUpdate)).toHaveLength(2);
  });

  it('leaves no delivery and no job when the write that caused it rolls back', async () => {
    const before = await sidecar.sql`select (select count(*)::int from deliveries) as d, (select count(*)::int from pgboss.job) as j`;
    await expect(
      sidecar.sql.begin(async (tx) => {
        const [row] = await tx<{ id: string }[]>`insert into incidents (title, severity, created_by) values ('Doomed', 'high', 'test') returning id`;
        expect(await queueNotifications(tx, row!.id, 'declared', null)).toBeGreaterThan(0);
        throw new Error('the request failed after the event was written');
      })
    ).rejects.toThrow('after the event');
    const after = await sidecar.sql`select (select count(*)::int from deliveries) as d, (select count(*)::int from pgboss.job) as j`;
    expect(after).toEqual(before);
    // And the normal path writes them, to show the check above could fail.
    await createIncident(sidecar.sql, { title: 'Kept', severity: 'high' }, SYSTEM_ACTOR);
    const kept = await sidecar.sql`select (select count(*)::int from deliveries) as d, (select count(*)::int from pgboss.job) as j`;
    expect(kept[0]!.d).toBeGreaterThan(before[0]!.d);
    expect(kept[0]!.j).toBeGreaterThan(before[0]!.j);
  });
});

describe('acknowledge', () => {
  it('sets acknowledged_at once, with the timeline entry, the outbox event and the notification', async () => {
    const incident = await declare();
    const first = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/acknowledge`, { method: 'POST', headers: { 'x-grafana-user': 'alice' } }), 200);
    expect(first.acknowledgedAt).not.toBeNull();
    expect(first.status).toBe('open');
    const second = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/acknowledge`, { method: 'POST', token: editor }), 200);
    expect(second.acknowledgedAt).toBe(first.acknowledgedAt);
    expect(second.version).toBe(first.version);
    const timeline = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/timeline`), 200);
    const acks = timeline.items.filter((e: { type: string }) => e.type === 'acknowledged');
    expect(acks).toHaveLength(1);
    expect(acks[0]).toMatchObject({ author: 'alice', message: 'Acknowledged by alice', data: { via: 'api', recipient: null } });
    const events = await sidecar.sql`select type, payload from events where type = 'incident.updated' and payload->'incident'->>'id' = ${incident.id}`;
    expect(events).toHaveLength(1);
    expect(events[0]!.payload.changes).toEqual(['acknowledged']);
    expect((await deliveriesOf(incident.id)).filter((d) => d.event === 'acknowledged').length).toBeGreaterThan(0);
  });

  it('refuses viewers (403), unknown incidents (404) and malformed ids (400)', async () => {
    const incident = await declare();
    expect((await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/acknowledge`, { method: 'POST', token: viewer }), 403)).error.code).toBe('FORBIDDEN');
    expect((await expectStatus(await sidecar.call('/api/incidents/00000000-0000-4000-8000-00000000abcd/acknowledge', { method: 'POST' }), 404)).error.code).toBe('INCIDENT_NOT_FOUND');
    expect((await expectStatus(await sidecar.call('/api/incidents/x/acknowledge', { method: 'POST' }), 400)).error.code).toBe('VALIDATION_FAILED');
  });
});

describe('acknowledge links', () => {
  const open = (path: string, init: RequestInit = {}) => fetch(sidecar.url + path, init);

  it('shows a confirmation on GET without acting, and acknowledges on POST', async () => {
    const incident = await declare({ title: 'Payments <script>alert(1)</script>' });
    const link = sidecar.notifier.ackLinks.url(incident.id, 'ops-hook');
    const path = new URL(link).pathname;
    const page = await open(path);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).toContain('<form method="post">');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).not.toMatch(/(src|href)="https?:\/\/(?!localhost:3000)/);
    expect((await expectStatus(await sidecar.call(`/api/incidents/${incident.id}`), 200)).acknowledgedAt).toBeNull();

    const done = await open(path, { method: 'POST' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('is acknowledged, as ops-hook');
    const acknowledged = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}`), 200);
    expect(acknowledged.acknowledgedAt).not.toBeNull();
    const timeline = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/timeline`), 200);
    expect(timeline.items.find((e: { type: string }) => e.type === 'acknowledged')).toMatchObject({
      author: 'ops-hook',
      data: { via: 'link', recipient: 'ops-hook' },
    });

    // Reuse: says who acknowledged and when, changes nothing.
    for (const method of ['GET', 'POST']) {
      const again = await open(path, { method });
      expect(again.status).toBe(200);
      expect(await again.text()).toMatch(/already acknowledged by ops-hook at \d{4}-/);
    }
    expect((await expectStatus(await sidecar.call(`/api/incidents/${incident.id}`), 200)).acknowledgedAt).toBe(acknowledged.acknowledgedAt);
  });

  it('says so after resolution and after expiry, and answers 404 to a tampered token', async () => {
    const resolved = await declare();
    const resolvedPath = new URL(sidecar.notifier.ackLinks.url(resolved.id, 'ops')).pathname;
    await expectStatus(await sidecar.call(`/api/incidents/${resolved.id}`, { method: 'PATCH', json: { status: 'resolved' } }), 200);
    const afterResolve = await open(resolvedPath, { method: 'POST' });
    expect(await afterResolve.text()).toContain('was resolved');

    const incident = await declare();
    const expired = sidecar.notifier.ackLinks.token(incident.id, 'ops', new Date(Date.now() - 25 * 3_600_000));
    const late = await open(`/ack/${expired}`, { method: 'POST' });
    expect(late.status).toBe(200);
    expect(await late.text()).toContain('expired at');
    expect((await expectStatus(await sidecar.call(`/api/incidents/${incident.id}`), 200)).acknowledgedAt).toBeNull();

    const token = sidecar.notifier.ackLinks.token(incident.id, 'ops');
    const [payload, signature] = token.split('.');
    const other = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), r: 'mallory' })).toString('base64url');
    for (const bad of [`${other}.${signature}`, `${payload}.${signature!.slice(0, -2)}AA`, 'nonsense', `${payload}`]) {
      const res = await open(`/ack/${bad}`, { method: 'POST', headers: { accept: 'text/html' } });
      expect(res.status, bad).toBe(404);
      expect(await res.text()).toContain('not valid');
    }
    const scripted = await open(`/ack/${payload}.${signature!.slice(0, -2)}AA`);
    expect((await expectStatus(scripted, 404)).error.code).toBe('NOT_FOUND');
    expect((await expectStatus(await sidecar.call(`/api/incidents/${incident.id}`), 200)).acknowledgedAt).toBeNull();
  });
});

describe('redeliver', () => {
  it('refuses unknown and not-yet-failed deliveries, and admits only admins', async () => {
    const unknown = '00000000-0000-4000-8000-00000000abcd';
    expect((await expectStatus(await sidecar.call(`/api/deliveries/${unknown}/redeliver`, { method: 'POST' }), 404)).error.code).toBe('DELIVERY_NOT_FOUND');
    const [pending] = await sidecar.sql<{ id: string }[]>`select id from deliveries where state = 'pending' limit 1`;
    expect((await expectStatus(await sidecar.call(`/api/deliveries/${pending!.id}/redeliver`, { method: 'POST' }), 409)).error.code).toBe('DELIVERY_NOT_REDELIVERABLE');
    expect((await expectStatus(await sidecar.call(`/api/deliveries/${pending!.id}/redeliver`, { method: 'POST', token: editor }), 403)).error.code).toBe('FORBIDDEN');
  });
});

describe('acknowledge links under a flood', () => {
  it('rate-limits the pages per address like other unauthenticated requests', async () => {
    const limited = await startSidecar({ env: { RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '3' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${limited.url}/ack/made.up${i}`, { headers: { accept: 'text/html' } })).status);
      expect(statuses).toEqual([404, 404, 404, 429, 429]);
      const refused = await fetch(`${limited.url}/ack/made.up`);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await expectStatus(refused, 429)).error.code).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });
});
