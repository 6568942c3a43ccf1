/**
 * Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat): a Block Kit message for Slack, and a
 * complete plain `text` that Slack shows in notifications and Mattermost and Rocket.Chat show instead (they
 * ignore `blocks`), so it carries the links too. Everything taken from the incident is escaped for mrkdwn, so
 * an alert title cannot mention @channel or forge a link. Lengths are cut to Slack's documented limits.
 */
import type { ActionsBlock, Button, ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import { z } from 'zod';
import type { NotificationMessage } from '../../domain/notifications.js';
import type { ChannelSender } from './channel.js';
import {
  EVENT_LABELS,
  findingLine,
  plainLines,
  readTarget,
  servicesLabel,
  severityLabel,
  statusLabel,
  topFindings,
  truncate,
} from './format.js';
import { HttpUrlSchema, postJson } from './http.js';

/** Slack's limits (Block Kit reference: header, section, actions, button). */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  actionsElements: 25,
  contextElements: 10,
  buttonText: 75,
  buttonUrl: 3000,
  /** Our own bound on the fallback: Mattermost posts are at most 16,383 characters, Slack's text 40,000. */
  fallbackText: 4000,
} as const;

export const SlackSettingsSchema = z.strictObject({});
export type SlackSettings = z.infer<typeof SlackSettingsSchema>;

export const SlackSecretsSchema = z.strictObject({
  /** The incoming webhook URL; whoever has it can post to the channel, so it is a secret. */
  webhookUrl: HttpUrlSchema,
});
export type SlackSecrets = z.infer<typeof SlackSecretsSchema>;

/** What an incoming webhook takes. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped text cut to `max`, without leaving half an entity at the cut. */
function mrkdwn(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  return truncate(escaped, max).replace(/&[a-z]{0,3}…$/, '…');
}

/**
 * A page's mention, left unescaped so it notifies: Slack's `<@U123>` (a member id) or Mattermost's and
 * Rocket.Chat's `@login`. Anything else is shown as text, so a contact method cannot smuggle in `<!channel>`.
 */
export function mentionOf(message: NotificationMessage): string | null {
  const recipient = message.recipient;
  if (recipient?.kind !== 'slack') return null;
  return /^(<@[A-Z0-9]{2,32}>|@[A-Za-z0-9._-]{1,64})$/.test(recipient.target) ? recipient.target : escapeMrkdwn(recipient.target);
}

export function buildSlackMessage(message: NotificationMessage): SlackMessage {
  const { incident, links } = message;
  const mention = mentionOf(message);
  const header: HeaderBlock = {
    type: 'header',
    text: { type: 'plain_text', text: truncate(message.headline, SLACK_LIMITS.headerText) },
  };
  const fieldOf = (label: string, value: string) => ({
    type: 'mrkdwn' as const,
    text: `*${label}*\n${mrkdwn(value, SLACK_LIMITS.fieldText - label.length - 3)}`,
  });
  const facts: SectionBlock = {
    type: 'section',
    fields: [
      fieldOf('Severity', severityLabel(message)),
      fieldOf('Status', statusLabel(message)),
      fieldOf('Services', servicesLabel(message)),
      ...(incident.commander ? [fieldOf('Commander', incident.commander)] : []),
    ],
  };
  const blocks: KnownBlock[] = [header, facts];
  if (mention) blocks.splice(1, 0, { type: 'section', text: { type: 'mrkdwn', text: `${mention}: this page is for you` } });
  if (message.detail) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: mrkdwn(message.detail, SLACK_LIMITS.sectionText) } });
  }
  const findings = topFindings(message);
  if (findings.length > 0) {
    const lines = findings.map((f) => `• ${escapeMrkdwn(findingLine(f))}`).join('\n');
    const text = `*Top findings*\n${lines}`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncateLines(text, SLACK_LIMITS.sectionText) } });
  }
  const buttons: Button[] = [
    linkButton('open_war_room', 'Open war room', links.warRoom, 'primary'),
    ...(links.acknowledge ? [linkButton('acknowledge', 'Acknowledge', links.acknowledge, 'danger')] : []),
  ].filter((button): button is Button => button !== null);
  if (buttons.length > 0) {
    const actions: ActionsBlock = { type: 'actions', elements: buttons };
    blocks.push(actions);
  }
  const context: ContextBlock = {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: contextLine(message) }],
  };
  blocks.push(context);
  const text = fallbackText(message);
  return { text: mention ? truncate(`${mention} ${text}`, SLACK_LIMITS.fallbackText + 100) : text, blocks };
}

/**
 * A link button. Slack refuses a message whose button URL is over its limit; such a link stays in the fallback
 * text only.
 */
function linkButton(actionId: string, label: string, url: string, style: 'primary' | 'danger'): Button | null {
  if (url.length > SLACK_LIMITS.buttonUrl) return null;
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: truncate(label, SLACK_LIMITS.buttonText) },
    url,
    style,
  };
}

function contextLine(message: NotificationMessage): string {
  const seconds = Math.floor(Date.parse(message.occurredAt) / 1000);
  // Slack renders <!date^…> in the reader's time zone; the text after | is what other clients show.
  const when = Number.isFinite(seconds)
    ? `<!date^${seconds}^{date_short_pretty} {time}|${escapeMrkdwn(message.occurredAt)}>`
    : escapeMrkdwn(message.occurredAt);
  return `${EVENT_LABELS[message.event]} · ${escapeMrkdwn(message.incident.reference)} · ${when}`;
}

/**
 * The plain text: headline, facts, detail, findings, then the links, which survive any cut. Links are written
 * out bare (every one of these chat apps turns them into links) and not escaped: Slack takes a bare `&` in a URL,
 * and Mattermost would keep an `&amp;` in the address.
 */
function fallbackText(message: NotificationMessage): string {
  const head = mrkdwn(message.headline, 300);
  const links = [`War room: ${message.links.warRoom}`];
  if (message.links.acknowledge) links.push(`Acknowledge: ${message.links.acknowledge}`);
  const tail = `\n\n${links.join('\n')}`;
  const body = escapeMrkdwn(plainLines(message, { withLinks: false }).join('\n'));
  const budget = Math.max(0, SLACK_LIMITS.fallbackText - head.length - tail.length - 1);
  return `${head}\n${truncateLines(body, budget)}${tail}`;
}

/** Keeps whole lines of already-escaped text within `max`, cutting only a line that alone is too long. */
function truncateLines(text: string, max: number): string {
  if (text.length <= max) return text;
  const kept: string[] = [];
  let length = 0;
  for (const line of text.split('\n')) {
    const needed = line.length + (kept.length > 0 ? 1 : 0);
    if (length + needed > max - 2) {
      if (kept.length === 0) kept.push(truncate(line, max).replace(/&[a-z]{0,3}…$/, '…'));
      else kept.push('…');
      break;
    }
    kept.push(line);
    length += needed;
  }
  return kept.join('\n');
}

export const slackSender: ChannelSender<SlackSettings, SlackSecrets> = {
  kind: 'slack',
  settingsSchema: SlackSettingsSchema,
  secretsSchema: SlackSecretsSchema,
  async send(target, message, context) {
    const { secrets } = readTarget('Slack', { settings: SlackSettingsSchema, secrets: SlackSecretsSchema }, target);
    await postJson('The Slack-compatible webhook', secrets.webhookUrl, buildSlackMessage(message), context.signal);
  },
};
