/**
 * What the channel kinds share: the registry the API and the worker read, example settings and secrets of every
 * kind (as an admin page would send them), cutting text to receiver limits, and keeping secrets out of errors.
 */
import { describe, expect, it } from 'vitest';
import { CHANNEL_KINDS, type ChannelKind } from '../src/domain/notifications.js';
import { truncate, truncateBytes } from '../src/notify/channels/format.js';
import { redact } from '../src/notify/channels/http.js';
import { CHANNEL_SENDERS } from '../src/notify/channels/index.js';
import { context, deliveryError, sampleMessage } from './support/notifyReceiver.js';

const EXAMPLES: Record<ChannelKind, { settings: object; secrets: object }> = {
  webhook: {
    settings: { headers: { 'X-Tenant': 'payments' } },
    secrets: { url: 'https://hooks.example/studio', signingSecret: 'whsec-0123456789abcdef' },
  },
  slack: { settings: {}, secrets: { webhookUrl: 'https://hooks.slack.com/services/T0/B0/XXXX' } },
  teams: { settings: {}, secrets: { webhookUrl: 'https://prod.example.logic.azure.com/workflows/1/invoke?sig=abc' } },
  email: {
    settings: {
      host: 'smtp.example.com',
      port: 587,
      security: 'starttls',
      username: 'studio',
      from: 'alerts@example.com',
      to: ['oncall@example.com'],
    },
    secrets: { password: 'app-password' },
  },
  ntfy: { settings: { url: 'https://ntfy.example/oncall' }, secrets: { token: 'tk_abc' } },
};

describe('CHANNEL_SENDERS', () => {
  it('has a sender for every channel kind, under its own kind', () => {
    expect(Object.keys(CHANNEL_SENDERS).sort()).toEqual([...CHANNEL_KINDS].sort());
    for (const kind of CHANNEL_KINDS) expect(CHANNEL_SENDERS[kind].kind).toBe(kind);
  });

  it.each(CHANNEL_KINDS)('%s: accepts its example settings and secrets, and refuses unknown fields', (kind) => {
    const { settingsSchema, secretsSchema } = CHANNEL_SENDERS[kind];
    expect(settingsSchema.safeParse(EXAMPLES[kind].settings).success).toBe(true);
    expect(secretsSchema.safeParse(EXAMPLES[kind].secrets).success).toBe(true);
    expect(settingsSchema.safeParse({ ...EXAMPLES[kind].settings, surprise: 1 }).success).toBe(false);
  });

  it.each(CHANNEL_KINDS)('%s: a channel stored with settings of another kind fails as permanent', async (kind) => {
    const other = EXAMPLES[kind === 'email' ? 'ntfy' : 'email'];
    const sender = CHANNEL_SENDERS[kind];
    const error = await deliveryError(
      sender.send(
        { id: 'c1', kind, name: 'mixed up', settings: other.settings as never, secrets: other.secrets as never },
        sampleMessage(),
        context()
      )
    );
    expect(error.kind).toBe('permanent');
    expect(error.message).toMatch(/misconfigured: (settings|secrets)\./);
    expect(error.message).not.toContain('app-password');
    expect(error.message).not.toContain('tk_abc');
  });
});

describe('cutting text to a receiver limit', () => {
  it('truncate counts UTF-16 units and never splits a surrogate pair', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
    const cut = truncate('abc😀😀😀', 5);
    expect(cut).toBe('abc…');
    expect(cut.length).toBeLessThanOrEqual(5);
  });

  it('truncateBytes counts UTF-8 bytes and cuts between characters', () => {
    expect(truncateBytes('ü'.repeat(10), 20)).toBe('ü'.repeat(10));
    const cut = truncateBytes('ü'.repeat(10), 10);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(10);
    expect(cut).toBe(`${'ü'.repeat(3)}…`);
  });
});

describe('redact', () => {
  it('removes URLs, the channel URL’s path and query parts, and the credentials sent', () => {
    const url = 'https://hooks.example/services/T0001/B0002/Xy7SecretTokenZ?sig=S1gnature';
    const said =
      'no_service for /services/T0001/B0002/Xy7SecretTokenZ (see https://status.example/x) sig S1gnature tk_secret';
    const out = redact(said, url, ['tk_secret']);
    expect(out).not.toMatch(/Xy7SecretTokenZ|S1gnature|tk_secret|status\.example/);
    expect(out).toContain('no_service');
  });
});
