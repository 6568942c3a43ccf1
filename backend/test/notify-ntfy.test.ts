/**
 * The ntfy channel against a receiver on loopback that takes a publish the way ntfy's server does (publish as
 * JSON at the root: topic rules, priority 1-5, at most three actions each with a label and a URL, the 8,192-byte
 * JSON limit and the 4,096-byte message limit past which ntfy turns the text into an attachment, Bearer tokens
 * on a protected topic), answering with ntfy's error codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationMessage } from '../src/domain/notifications.js';
import { NtfySettingsSchema, ntfySender, sequenceIdOf, type NtfyPublish } from '../src/notify/channels/ntfy.js';
import {
  context,
  deliveryError,
  itMapsHttpFaults,
  sampleMessage,
  startReceiver,
  type Answer,
  type Handler,
  type Receiver,
} from './support/notifyReceiver.js';

const TOKEN = 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2';
const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;

let receiver: Receiver;
let published: NtfyPublish[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

function ntfyError(http: number, code: number, error: string): Answer {
  return { status: http, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, http, error }) };
}

/** ntfy's publish-as-JSON, as its server checks it; `root` is where the server is mounted. */
function ntfyServer({ root = '/', token }: { root?: string; token?: string } = {}): Handler {
  return (req) => {
    if (req.method !== 'POST' && req.method !== 'PUT') return ntfyError(405, 40501, 'method not allowed');
    if (req.path !== root) return ntfyError(404, 40401, 'page not found');
    if (Buffer.byteLength(req.body) > 8192) return ntfyError(413, 41303, 'JSON body too large');
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return ntfyError(400, 40024, 'invalid request: request body must be valid JSON');
    }
    if (typeof m.topic !== 'string' || !TOPIC.test(m.topic))
      return ntfyError(400, 40009, 'invalid request: topic invalid');
    const auth = req.headers.authorization;
    if (token && !auth) return ntfyError(403, 40301, 'forbidden');
    if (token && auth !== `Bearer ${token}`) return ntfyError(401, 40101, 'unauthorized');
    if (m.priority !== undefined && ![0, 1, 2, 3, 4, 5].includes(m.priority as number)) {
      return ntfyError(400, 40007, 'invalid priority parameter');
    }
    const actions = (m.actions ?? []) as Array<Record<string, unknown>>;
    const actionsValid =
      Array.isArray(actions) &&
      actions.length <= 3 &&
      actions.every(
        (a) =>
          ['view', 'broadcast', 'http'].includes(a.action as string) &&
          typeof a.label === 'string' &&
          a.label !== '' &&
          (a.action === 'broadcast' || (typeof a.url === 'string' && a.url !== ''))
      );
    if (!actionsValid) return ntfyError(400, 40018, 'invalid request: actions invalid');
    if (m.tags !== undefined && !(Array.isArray(m.tags) && m.tags.every((t) => typeof t === 'string'))) {
      return ntfyError(400, 40024, 'invalid request: request body must be valid JSON');
    }
    published.push(m as unknown as NtfyPublish);
    const answer = { id: 'hwQ2YpKdmg', time: Math.floor(Date.now() / 1000), event: 'message', ...m };
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer) };
  };
}

function target(url: string, token?: string) {
  return { id: 'c-ntfy', kind: 'ntfy' as const, name: 'phones', settings: { url }, secrets: token ? { token } : {} };
}

async function publish(message: NotificationMessage, opts: { root?: string; url?: string; token?: string } = {}) {
  published = [];
  receiver.handle(ntfyServer({ root: opts.root, token: TOKEN }));
  await ntfySender.send(target(opts.url ?? `${receiver.origin}/oncall`, opts.token ?? TOKEN), message, context());
  expect(published).toHaveLength(1);
  return published[0]!;
}

describe('ntfy channel', () => {
  it('publishes title, body, urgent priority, tags, click and view actions to the topic, with the token', async () => {
    const message = sampleMessage();
    const m = await publish(message);
    const req = receiver.requests.at(-1)!;
    expect(req.path).toBe('/');
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(m).toEqual({
      topic: 'oncall',
      title: message.headline,
      message: [
        'Severity: Critical    Status: Investigating',
        'Services: checkout, payments',
        'Commander: alice',
        '',
        'Severity raised from high to critical.',
        '',
        'Top findings:',
        '- p99 latency up 4x after deploy (checkout, prometheus, score 0.82)',
        '- New error pattern: timeout talking to bank (payments, loki, score 0.64)',
      ].join('\n'),
      priority: 5,
      tags: ['rotating_light', 'INC-42', 'severity_raised'],
      click: message.links.warRoom,
      actions: [
        { action: 'view', label: 'Open war room', url: message.links.warRoom, clear: false },
        { action: 'view', label: 'Acknowledge', url: message.links.acknowledge, clear: true },
      ],
      sequence_id: message.idempotencyKey,
    });
  });

  it('maps severity to priority (high 4, medium 3, low 2) and a resolved incident to 2', async () => {
    const priorityOf = async (
      severity: NotificationMessage['incident']['severity'],
      event: NotificationMessage['event']
    ) => (await publish(sampleMessage({ event, incident: { ...sampleMessage().incident, severity } }))).priority;
    expect(await priorityOf('high', 'declared')).toBe(4);
    expect(await priorityOf('medium', 'declared')).toBe(3);
    expect(await priorityOf('low', 'declared')).toBe(2);
    const resolved = await publish(
      sampleMessage({ event: 'resolved', links: { warRoom: sampleMessage().links.warRoom, acknowledge: null } })
    );
    expect(resolved.priority).toBe(2);
    expect(resolved.tags[0]).toBe('white_check_mark');
    expect(resolved.actions.map((a) => a.label)).toEqual(['Open war room']);
  });

  it('publishes to the root of a server mounted under a path prefix', async () => {
    await publish(sampleMessage(), { root: '/ntfy/', url: `${receiver.origin}/ntfy/oncall` });
    expect(receiver.requests.at(-1)!.path).toBe('/ntfy/');
  });

  it('keeps a huge incident within ntfy limits (no attachment, no 413), cut on a UTF-8 boundary', async () => {
    const big = 'ü😀'.repeat(5000);
    const m = await publish(
      sampleMessage({
        headline: big,
        detail: big,
        findings: [1, 2, 3].map(() => ({ source: 'loki', service: big, summary: big, score: 0.3 })),
      })
    );
    expect(Buffer.byteLength(m.message)).toBeLessThanOrEqual(4096);
    expect(m.message.endsWith('…')).toBe(true);
    expect(m.message).not.toContain('\uFFFD');
    expect(Buffer.byteLength(receiver.requests.at(-1)!.body)).toBeLessThanOrEqual(8192);
  });

  it('fails a wrong token (401) and a missing one (403) as permanent, never showing the token', async () => {
    receiver.handle(ntfyServer({ token: TOKEN }));
    const wrong = await deliveryError(
      ntfySender.send(target(`${receiver.origin}/oncall`, 'tk_wrong-token-123'), sampleMessage(), context())
    );
    expect(wrong).toMatchObject({ kind: 'permanent', details: { status: 401 } });
    expect(wrong.message).not.toContain('tk_wrong-token-123');
    const missing = await deliveryError(
      ntfySender.send(target(`${receiver.origin}/oncall`), sampleMessage(), context())
    );
    expect(missing).toMatchObject({ kind: 'permanent', details: { status: 403 } });
  });

  it('uses the idempotency key as the sequence id, hashed into ntfy’s alphabet when it does not fit', () => {
    expect(sequenceIdOf('d7c1f0a2-5b2e-4d8e-9a43-1f2e3d4c5b6a')).toBe('d7c1f0a2-5b2e-4d8e-9a43-1f2e3d4c5b6a');
    const hashed = sequenceIdOf('delivery:42/channel:7');
    expect(hashed).toMatch(TOPIC);
    expect(sequenceIdOf('delivery:42/channel:7')).toBe(hashed);
    expect(sequenceIdOf('delivery:43/channel:7')).not.toBe(hashed);
  });

  it('needs a URL that ends in a topic', () => {
    expect(NtfySettingsSchema.safeParse({ url: 'https://ntfy.example/oncall' }).success).toBe(true);
    expect(NtfySettingsSchema.safeParse({ url: 'https://ntfy.example/' }).success).toBe(false);
    expect(NtfySettingsSchema.safeParse({ url: 'https://ntfy.example/on call!' }).success).toBe(false);
    expect(NtfySettingsSchema.safeParse({ url: 'ntfy.example/oncall' }).success).toBe(false);
  });

  describe('receiver faults', () => {
    itMapsHttpFaults(
      ntfySender,
      (origin) => ({ settings: { url: `${origin}/oncall` }, secrets: { token: TOKEN }, secret: TOKEN }),
      () => receiver
    );
  });
});
