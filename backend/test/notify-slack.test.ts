/**
 * The Slack-compatible channel: the payload checked against Slack's published types (at compile time) and the
 * structural limits Slack documents (at run time), escaping, the plain text Mattermost and Rocket.Chat show,
 * and the faults of a receiver on loopback answering the way Slack's webhooks do.
 */
import type { Block, KnownBlock } from '@slack/types';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { buildSlackMessage, slackSender, SlackSecretsSchema } from '../src/notify/channels/slack.js';
import {
  context,
  deliveryError,
  itMapsHttpFaults,
  sampleMessage,
  startReceiver,
  type Receiver,
} from './support/notifyReceiver.js';

const HOOK_PATH = '/services/T0001/B0002/Xy7SecretTokenZ';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

function target(url: string) {
  return { id: 'c-slack', kind: 'slack' as const, name: '#incidents', settings: {}, secrets: { webhookUrl: url } };
}

/**
 * Slack's documented limits (Block Kit reference: blocks, header, section, actions, context, button): every
 * violation as "where: what", so a failure shows them all.
 */
function slackLimitViolations(payload: { text: string; blocks: (KnownBlock | Block)[] }): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  check(payload.blocks.length <= 50, `blocks: ${payload.blocks.length} > 50`);
  check(payload.text.length > 0 && payload.text.length <= 40_000, 'text: empty or over 40,000');
  payload.blocks.forEach((block, i) => {
    const b = block as KnownBlock;
    const at = `blocks[${i}] ${b.type}`;
    check(!b.block_id || b.block_id.length <= 255, `${at}: block_id over 255`);
    switch (b.type) {
      case 'header':
        check(b.text.type === 'plain_text', `${at}: text must be plain_text`);
        check(b.text.text.length > 0 && b.text.text.length <= 150, `${at}: text ${b.text.text.length} > 150`);
        break;
      case 'section':
        check(Boolean(b.text || b.fields?.length), `${at}: needs text or fields`);
        if (b.text)
          check(b.text.text.length > 0 && b.text.text.length <= 3000, `${at}: text ${b.text.text.length} > 3000`);
        check((b.fields?.length ?? 0) <= 10, `${at}: more than 10 fields`);
        b.fields?.forEach((f, j) => check(f.text.length <= 2000, `${at} fields[${j}]: ${f.text.length} > 2000`));
        break;
      case 'actions':
        check(b.elements.length > 0 && b.elements.length <= 25, `${at}: ${b.elements.length} elements`);
        for (const [j, element] of b.elements.entries()) {
          if (element.type !== 'button') continue;
          check(element.text.text.length <= 75, `${at} [${j}]: button text over 75`);
          check(!element.url || element.url.length <= 3000, `${at} [${j}]: url over 3000`);
          check(!element.action_id || element.action_id.length <= 255, `${at} [${j}]: action_id over 255`);
        }
        check(new Set(b.elements.map((e) => e.action_id)).size === b.elements.length, `${at}: duplicate action_id`);
        break;
      case 'context':
        check(b.elements.length > 0 && b.elements.length <= 10, `${at}: ${b.elements.length} elements`);
        for (const element of b.elements) {
          if (element.type === 'mrkdwn' || element.type === 'plain_text') {
            check(element.text.length <= 3000, `${at}: element text over 3000`);
          }
        }
        break;
      default:
        problems.push(`${at}: a block type this channel does not mean to send`);
    }
  });
  return problems;
}

/** The payload's text that Slack reads as mrkdwn (plain_text is shown as written, never parsed for mentions). */
function mrkdwnTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(mrkdwnTexts);
  if (!value || typeof value !== 'object') return [];
  const node = value as { type?: unknown; text?: unknown };
  if (node.type === 'mrkdwn' && typeof node.text === 'string') return [node.text];
  return Object.values(value).flatMap(mrkdwnTexts);
}

describe('Slack message', () => {
  it('is typed as Slack publishes it: text plus KnownBlock[]', () => {
    expectTypeOf(buildSlackMessage).returns.toEqualTypeOf<{ text: string; blocks: KnownBlock[] }>();
  });

  it('shows headline, severity, status, services, commander, detail, findings and both links', () => {
    const payload = buildSlackMessage(sampleMessage());
    expect(slackLimitViolations(payload)).toEqual([]);
    expect(payload.blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'actions',
      'context',
    ]);
    const [header, facts, detail, findings, actions] = payload.blocks as [any, any, any, any, any];
    expect(header.text.text).toBe('INC-42 raised to critical (critical): High error rate on checkout');
    expect(facts.fields.map((f: { text: string }) => f.text)).toEqual([
      '*Severity*\nCritical',
      '*Status*\nInvestigating',
      '*Services*\ncheckout, payments',
      '*Commander*\nalice',
    ]);
    expect(detail.text.text).toBe('Severity raised from high to critical.');
    expect(findings.text.text).toBe(
      '*Top findings*\n• p99 latency up 4x after deploy (checkout, prometheus, score 0.82)\n' +
        '• New error pattern: timeout talking to bank (payments, loki, score 0.64)'
    );
    expect(actions.elements).toEqual([
      expect.objectContaining({ type: 'button', action_id: 'open_war_room', url: sampleMessage().links.warRoom }),
      expect.objectContaining({ type: 'button', action_id: 'acknowledge', url: sampleMessage().links.acknowledge }),
    ]);
  });

  it('leaves the acknowledge button out once the incident is acknowledged', () => {
    const message = sampleMessage({ event: 'acknowledged', links: { ...sampleMessage().links, acknowledge: null } });
    const payload = buildSlackMessage(message);
    const actions = payload.blocks.find((b) => b.type === 'actions') as { elements: Array<{ action_id?: string }> };
    expect(actions.elements.map((e) => e.action_id)).toEqual(['open_war_room']);
    expect(payload.text).not.toContain('Acknowledge:');
  });

  it('has a plain text that stands alone (Mattermost and Rocket.Chat show only it), links included', () => {
    const { text } = buildSlackMessage(sampleMessage());
    expect(text.split('\n')).toEqual([
      'INC-42 raised to critical (critical): High error rate on checkout',
      'Severity: Critical    Status: Investigating',
      'Services: checkout, payments',
      'Commander: alice',
      '',
      'Severity raised from high to critical.',
      '',
      'Top findings:',
      '- p99 latency up 4x after deploy (checkout, prometheus, score 0.82)',
      '- New error pattern: timeout talking to bank (payments, loki, score 0.64)',
      '',
      `War room: ${sampleMessage().links.warRoom}`,
      `Acknowledge: ${sampleMessage().links.acknowledge}`,
    ]);
  });

  it('escapes incident text, so an alert cannot mention @channel or forge a link, and stays within the limits', () => {
    const hostile = '<!channel> <https://evil.test|click> & more';
    const message = sampleMessage({
      headline: `INC-42 declared (critical): ${hostile} ${'x'.repeat(400)}`,
      detail: `${hostile}\n${'é😀'.repeat(3000)}`,
      incident: {
        ...sampleMessage().incident,
        services: Array.from({ length: 400 }, (_, i) => `service-${i}`),
        commander: '<@U0123ABC>',
      },
      findings: [1, 2, 3].map((n) => ({
        source: 'loki',
        service: null,
        summary: `${hostile} ${'y'.repeat(5000)} ${n}`,
        score: 0.5,
      })),
    });
    const payload = buildSlackMessage(message);
    expect(slackLimitViolations(payload)).toEqual([]);
    for (const value of [payload.text, ...mrkdwnTexts(payload.blocks)]) {
      expect(value).not.toContain('<!channel>');
      expect(value).not.toContain('<@U0123ABC>');
      expect(value).not.toContain('<https://evil.test');
      expect(value).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    }
    const header = payload.blocks[0] as { text: { type: string; text: string } };
    expect(header.text).toMatchObject({
      type: 'plain_text',
      text: expect.stringMatching(/^INC-42 declared \(critical\): <!channel> /),
    });
    expect(header.text.text).toHaveLength(150);
    expect(payload.text).toContain('&lt;!channel&gt;');
    expect(payload.text).toContain(`War room: ${message.links.warRoom}`);
    expect(payload.text).toContain(`Acknowledge: ${message.links.acknowledge}`);
    const detailBlock = payload.blocks[2] as { text: { text: string } };
    expect(detailBlock.text.text).not.toMatch(/&[a-z]{0,3}…$/);
  });

  it('keeps a link Slack would refuse on a button (over 3000 characters) in the text only', () => {
    const longLink = `https://grafana.test/a/app/acknowledge?token=${'t'.repeat(3100)}`;
    const payload = buildSlackMessage(
      sampleMessage({ links: { warRoom: sampleMessage().links.warRoom, acknowledge: longLink } })
    );
    expect(slackLimitViolations(payload)).toEqual([]);
    expect(payload.text).toContain(longLink);
  });

  it('the limit check itself catches an over-long header and too many blocks', () => {
    const bad = {
      text: 'x',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
        ...Array.from({ length: 50 }, () => ({ type: 'divider' })),
      ] as KnownBlock[],
    };
    expect(slackLimitViolations(bad)).toEqual(
      expect.arrayContaining(['blocks: 51 > 50', 'blocks[0] header: text 151 > 150'])
    );
  });
});

describe('Slack channel against a receiver', () => {
  it('posts the payload as JSON to the webhook URL', async () => {
    receiver.handle(() => ({ status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' }));
    await slackSender.send(target(`${receiver.origin}${HOOK_PATH}`), sampleMessage(), context());
    const req = receiver.requests.at(-1)!;
    expect(req.path).toBe(HOOK_PATH);
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(req.body)).toEqual(buildSlackMessage(sampleMessage()));
  });

  it("fails a revoked webhook (Slack's 404 no_service) as permanent without the hook's path", async () => {
    receiver.handle((req) => ({ status: 404, body: `no_service ${req.path}` }));
    const error = await deliveryError(
      slackSender.send(target(`${receiver.origin}${HOOK_PATH}`), sampleMessage(), context())
    );
    expect(error).toMatchObject({ kind: 'permanent', details: { status: 404 } });
    expect(error.message).toContain('no_service');
    expect(error.message).not.toContain('Xy7SecretTokenZ');
  });

  it('needs an http(s) webhook URL', () => {
    expect(SlackSecretsSchema.safeParse({ webhookUrl: 'https://hooks.slack.com/services/T/B/X' }).success).toBe(true);
    expect(SlackSecretsSchema.safeParse({ webhookUrl: 'hooks.slack.com/services/T/B/X' }).success).toBe(false);
    expect(SlackSecretsSchema.safeParse({}).success).toBe(false);
  });

  itMapsHttpFaults(
    slackSender,
    (origin) => ({ settings: {}, secrets: { webhookUrl: `${origin}${HOOK_PATH}` }, secret: HOOK_PATH }),
    () => receiver
  );
});
