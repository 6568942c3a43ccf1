/**
 * Generic webhook: the message as JSON, signed so the receiver can check it came from this Studio and is fresh
 * (`X-Studio-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, the scheme Stripe and
 * Svix made familiar), with an `Idempotency-Key` that is the same on every attempt of one delivery.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { NotificationMessage } from '../../domain/notifications.js';
import type { ChannelSender } from './channel.js';
import { readTarget } from './format.js';
import { HttpUrlSchema, postMessage } from './http.js';

/** Headers the sender sets itself, or that would carry credentials in readable settings. */
const RESERVED_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'host',
  'content-type',
  'content-length',
  'transfer-encoding',
  'connection',
  'user-agent',
  'idempotency-key',
  'x-studio-event',
  'x-studio-signature',
]);

const HeaderNameSchema = z
  .string()
  .max(100)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not an HTTP header name')
  .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), 'set by the sender, or a credential');

export const WebhookSettingsSchema = z.strictObject({
  /** Extra headers on every request (routing, tenant); not for credentials: settings are readable. */
  headers: z
    .record(
      HeaderNameSchema,
      z
        .string()
        .max(1000)
        .regex(/^[\t\x20-\x7e]*$/, 'printable ASCII, no line breaks')
    )
    .refine((headers) => Object.keys(headers).length <= 20, 'at most 20 headers')
    .optional(),
});
export type WebhookSettings = z.infer<typeof WebhookSettingsSchema>;

export const WebhookSecretsSchema = z.strictObject({
  /** The receiver; basic auth in it (`https://user:pass@host/path`) is sent as an Authorization header. */
  url: HttpUrlSchema,
  /** The HMAC key the receiver checks `X-Studio-Signature` with. */
  signingSecret: z.string().min(16).max(256),
});
export type WebhookSecrets = z.infer<typeof WebhookSecretsSchema>;

/**
 * The JSON body a webhook receiver gets: the message, field for field (a page's recipient and urgency too, and a
 * test page's, so a gateway routing pages to people can route the test the same way).
 */
export function webhookBody(message: NotificationMessage): string {
  const { event, idempotencyKey, occurredAt, incident, headline, detail, findings, recipient, urgency, links } = message;
  const page = event === 'paged' || recipient ? { recipient: recipient ?? null, urgency: urgency ?? null } : {};
  return JSON.stringify({ event, idempotencyKey, occurredAt, incident, headline, detail, findings, ...page, links });
}

/** The `X-Studio-Signature` value for a body sent at `now`. */
export function signWebhook(body: string, secret: string, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${hmac(secret, `${t}.${body}`)}`;
}

export type SignatureCheck =
  { valid: true; timestamp: number } | { valid: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/**
 * What a receiver runs on each request: the raw body exactly as received (before any JSON parsing), the
 * `X-Studio-Signature` header, the channel's signing secret, how old a request may be (300 s is a good default;
 * the same bound in the future allows for clock skew) and the receiver's clock. Several `v1=` entries are
 * accepted, any one matching.
 */
export function verifyWebhookSignature(
  body: string | Uint8Array,
  header: string | null | undefined,
  secret: string,
  toleranceSeconds: number,
  now: Date
): SignatureCheck {
  if (!header) return { valid: false, reason: 'missing' };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value, ...rest] = part.trim().split('=');
    if (value === undefined || rest.length > 0) return { valid: false, reason: 'malformed' };
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return { valid: false, reason: 'malformed' };
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return { valid: false, reason: 'stale' };
  const payload = Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(body)]);
  const expected = Buffer.from(createHmac('sha256', secret).update(payload).digest('hex'));
  const matches = signatures.some((signature) => timingSafeEqual(Buffer.from(signature), expected));
  return matches ? { valid: true, timestamp } : { valid: false, reason: 'mismatch' };
}

function hmac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

export const webhookSender: ChannelSender<WebhookSettings, WebhookSecrets> = {
  kind: 'webhook',
  settingsSchema: WebhookSettingsSchema,
  secretsSchema: WebhookSecretsSchema,
  async send(target, message, context) {
    const { settings, secrets } = readTarget(
      'webhook',
      { settings: WebhookSettingsSchema, secrets: WebhookSecretsSchema },
      target
    );
    const body = webhookBody(message);
    await postMessage(
      'The webhook',
      {
        url: secrets.url,
        headers: {
          ...settings.headers,
          'content-type': 'application/json',
          'idempotency-key': message.idempotencyKey,
          'x-studio-event': message.event,
          'x-studio-signature': signWebhook(body, secrets.signingSecret, context.now),
        },
        body,
      },
      context.signal
    );
  },
};
