/**
 * What every channel kind (webhook, Slack-compatible, Teams, email, ntfy) provides: the schemas of its settings
 * (shown by the API) and of its secrets (write-only, stored encrypted), and a sender. The delivery worker
 * (notify/worker.ts) decides when to try again from the DeliveryError a sender throws; a sender never retries.
 */
import type { z } from 'zod';
import type { ChannelKind, NotificationMessage } from '../../domain/notifications.js';

/** A channel as its sender needs it: settings as stored, secrets decrypted. */
export interface ChannelTarget<S = Record<string, unknown>, K = Record<string, string>> {
  id: string;
  kind: ChannelKind;
  name: string;
  settings: S;
  secrets: K;
}

export interface SendContext {
  /** Aborted at the send timeout: give up and throw. */
  signal: AbortSignal;
  /** The attempt's clock (webhook signatures carry it). */
  now: Date;
}

/**
 * A failed send. `retryable`: the receiver was down, slow or refused for now (5xx, 429, 408, no answer): try again
 * later, after `retryAfterMs` when the receiver said so. `permanent`: the channel is misconfigured (4xx: a wrong URL,
 * a revoked webhook, a bad address): retrying cannot help, the channel's page shows the error.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly kind: 'retryable' | 'permanent',
    readonly details: { status?: number; retryAfterMs?: number } = {}
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface ChannelSender<S = Record<string, unknown>, K = Record<string, string>> {
  kind: ChannelKind;
  /** Settings, returned by the API as they are (no secrets in here). */
  settingsSchema: z.ZodType<S>;
  /** Secrets: written through the API, stored encrypted, never returned or logged. */
  secretsSchema: z.ZodType<K>;
  /** Sends one message; resolves once the receiver accepted it, throws DeliveryError otherwise. */
  send(target: ChannelTarget<S, K>, message: NotificationMessage, context: SendContext): Promise<void>;
}
