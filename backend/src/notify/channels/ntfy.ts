/**
 * ntfy (self-hosted push to phones), published as JSON: ntfy takes that at the server's root with the topic in
 * the body, which also carries UTF-8 titles that HTTP headers cannot. The channel is configured as the topic URL
 * people subscribe to (https://ntfy.example/oncall); a server behind a path prefix works the same way.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { NotificationMessage } from '../../domain/notifications.js';
import { DeliveryError, type ChannelSender } from './channel.js';
import { plainLines, readTarget, truncate, truncateBytes } from './format.js';
import { HttpUrlSchema, postMessage } from './http.js';

/** ntfy's topic names: letters, digits, `-` and `_`, at most 64. */
const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;

export const NtfySettingsSchema = z.strictObject({
  /** Server and topic, e.g. https://ntfy.example/oncall. */
  url: HttpUrlSchema.refine((url) => topicOf(url) !== null, 'must end in a topic name ([-_A-Za-z0-9], 1 to 64)'),
});
export type NtfySettings = z.infer<typeof NtfySettingsSchema>;

export const NtfySecretsSchema = z.strictObject({
  /** An access token (`tk_…`) for a protected topic, sent as a Bearer token. */
  token: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional(),
});
export type NtfySecrets = z.infer<typeof NtfySecretsSchema>;

/** ntfy's body limit is 4,096 bytes (longer becomes an attachment) and 8,192 for the whole JSON. */
const MESSAGE_BYTES = 3000;
const TITLE_CHARS = 200;

/** ntfy priorities: 5 urgent, 4 high, 3 default, 2 low. */
const PRIORITIES: Record<NotificationMessage['incident']['severity'], 2 | 3 | 4 | 5> = {
  critical: 5,
  high: 4,
  medium: 3,
  low: 2,
};

/** A page's urgency: high rings through Do Not Disturb (5, urgent), low is a quiet notification (2). */
const URGENCY_PRIORITIES = { high: 5, low: 2 } as const;

/** Tags that ntfy shows as emoji before the title. */
const SEVERITY_EMOJI: Record<NotificationMessage['incident']['severity'], string> = {
  critical: 'rotating_light',
  high: 'warning',
  medium: 'large_orange_diamond',
  low: 'information_source',
};

/** ntfy's publish-as-JSON body (the fields this sender uses). */
export interface NtfyPublish {
  topic: string;
  title: string;
  message: string;
  priority: 2 | 3 | 4 | 5;
  tags: string[];
  click: string;
  actions: Array<{ action: 'view'; label: string; url: string; clear: boolean }>;
  /**
   * ntfy 2.16+ replaces a notification with the same sequence id instead of adding one, so a retried attempt
   * whose first try did arrive does not ring twice; older servers ignore the field.
   */
  sequence_id: string;
}

/** The root URL to publish to and the topic, or null when the URL does not end in a topic. */
export function topicOf(raw: string): { root: string; topic: string } | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  const segments = url.pathname.split('/');
  const topic = segments.pop() ?? '';
  if (!TOPIC.test(topic)) return null;
  url.pathname = `${segments.join('/')}/`;
  url.search = '';
  url.hash = '';
  return { root: url.href, topic };
}

/** The idempotency key as an ntfy id ([-_A-Za-z0-9], at most 64), hashed when it is not one already. */
export function sequenceIdOf(idempotencyKey: string): string {
  if (TOPIC.test(idempotencyKey)) return idempotencyKey;
  return `s${createHash('sha256').update(idempotencyKey).digest('base64url').slice(0, 40)}`;
}

export function buildNtfyPublish(message: NotificationMessage, topic: string): NtfyPublish {
  const { incident, links } = message;
  const isResolved = message.event === 'resolved' || incident.status === 'resolved';
  const actions: NtfyPublish['actions'] = [
    { action: 'view', label: 'Open war room', url: links.warRoom, clear: false },
  ];
  if (links.acknowledge) actions.push({ action: 'view', label: 'Acknowledge', url: links.acknowledge, clear: true });
  return {
    topic,
    title: truncate(message.headline, TITLE_CHARS),
    message: truncateBytes(plainLines(message, { withLinks: false }).join('\n'), MESSAGE_BYTES),
    priority: isResolved ? 2 : message.urgency ? URGENCY_PRIORITIES[message.urgency] : PRIORITIES[incident.severity],
    // Tags are joined with commas on ntfy's side, so none may hold one.
    tags: [isResolved ? 'white_check_mark' : SEVERITY_EMOJI[incident.severity], incident.reference, message.event].map(
      (tag) => truncate(tag.replace(/,/g, ' '), 64)
    ),
    click: links.warRoom,
    actions,
    sequence_id: sequenceIdOf(message.idempotencyKey),
  };
}

export const ntfySender: ChannelSender<NtfySettings, NtfySecrets> = {
  kind: 'ntfy',
  settingsSchema: NtfySettingsSchema,
  secretsSchema: NtfySecretsSchema,
  async send(target, message, context) {
    const { settings, secrets } = readTarget(
      'ntfy',
      { settings: NtfySettingsSchema, secrets: NtfySecretsSchema },
      target
    );
    const where = topicOf(settings.url);
    if (!where) throw new DeliveryError('The ntfy channel is misconfigured: settings.url', 'permanent');
    // A page for a person goes to their own topic on the channel's server.
    const personal = message.recipient?.kind === 'ntfy' ? message.recipient.target : null;
    if (personal !== null && !TOPIC.test(personal)) {
      throw new DeliveryError(`The contact method's ntfy topic is not a topic name: ${personal}`, 'permanent');
    }
    await postMessage(
      'The ntfy server',
      {
        url: where.root,
        headers: {
          'content-type': 'application/json',
          ...(secrets.token ? { authorization: `Bearer ${secrets.token}` } : {}),
        },
        body: JSON.stringify(buildNtfyPublish(message, personal ?? where.topic)),
      },
      context.signal
    );
  },
};
