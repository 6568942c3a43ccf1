import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recipient } from '../src/domain/notifications.js';
import { emailSender } from '../src/notify/channels/email.js';
import { ntfySender } from '../src/notify/channels/ntfy.js';
import { buildSlackMessage } from '../src/notify/channels/slack.js';
import { webhookBody } from '../src/notify/channels/webhook.js';
import { context, deliveryError, sampleMessage, startReceiver, type Receiver } from './support/notifyReceiver.js';

/**
 * A page for a person through each kind of channel: the person's own address, topic or mention in place of the
 * channel's audience, and the page's urgency as the channel's priority.
 */
const person = (kind: Recipient['kind'], target: string): Recipient => ({ personId: '00000000-0000-4000-8000-000000000001', login: 'ana', name: 'Ana', kind, target });
const page = (recipient: Recipient | null, urgency: 'low' | 'high' = 'high') =>
  sampleMessage({ event: 'paged', recipient, urgency, headline: 'INC-7 is paging you (critical): Checkout down' });

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

describe('pages', () => {
  it('ntfy: publishes to the person’s topic on the channel’s server, at the page’s urgency', async () => {
    const target = { id: 'c1', kind: 'ntfy' as const, name: 'push', settings: { url: `${receiver.origin}/team-alerts` }, secrets: {} };
    await ntfySender.send(target, page(person('ntfy', 'ana-pages'), 'high'), context());
    await ntfySender.send(target, page(person('ntfy', 'ana-pages'), 'low'), context());
    const bodies = receiver.requests.slice(-2).map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => [b.topic, b.priority])).toEqual([
      ['ana-pages', 5],
      ['ana-pages', 2],
    ]);
    const bad = await deliveryError(ntfySender.send(target, page(person('ntfy', 'not a topic!')), context()));
    expect(bad.kind).toBe('permanent');
  });

  it('webhook: carries the recipient and urgency of a page, and neither for other events', () => {
    expect(JSON.parse(webhookBody(page(person('webhook', 'ana-phone'))))).toMatchObject({
      event: 'paged',
      recipient: { login: 'ana', target: 'ana-phone' },
      urgency: 'high',
    });
    expect(JSON.parse(webhookBody(sampleMessage()))).not.toHaveProperty('recipient');
  });

  it('slack: mentions the person so they are notified, but never a broadcast smuggled in as a target', () => {
    const mentioned = buildSlackMessage(page(person('slack', '<@U024BE7LH>')));
    expect(mentioned.text.startsWith('<@U024BE7LH> ')).toBe(true);
    expect(JSON.stringify(mentioned.blocks)).toContain('<@U024BE7LH>: this page is for you');
    expect(buildSlackMessage(page(person('slack', '@ana'))).text.startsWith('@ana ')).toBe(true);
    const smuggled = buildSlackMessage(page(person('slack', '<!channel>')));
    expect(smuggled.text).not.toContain('<!channel>');
    expect(smuggled.text.startsWith('&lt;!channel&gt; ')).toBe(true);
    expect(buildSlackMessage(page(null)).text.startsWith('INC-7')).toBe(true);
  });

  it('email: goes to the person’s address alone through the channel’s relay', async () => {
    const recipients: string[][] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        recipients.push(session.envelope.rcptTo.map((r) => r.address));
        stream.resume();
        stream.on('end', () => callback());
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as { port: number }).port;
    try {
      const settings = { host: '127.0.0.1', port, security: 'none' as const, from: 'studio@example.com', to: ['team@example.com'] };
      const target = { id: 'c2', kind: 'email' as const, name: 'relay', settings, secrets: {} };
      await emailSender.send(target, page(person('email', 'ana@example.com')), context());
      await emailSender.send(target, sampleMessage(), context());
      expect(recipients).toEqual([['ana@example.com'], ['team@example.com']]);
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  });
});
