/**
 * What the API and the delivery worker share to reach a channel: its kind's sender, the secret box, acknowledge
 * links and where the war room is; and a send bounded by NOTIFY_SEND_TIMEOUT_MS whatever the sender does.
 */
import type { Config } from '../config.js';
import type { ChannelKind, NotificationMessage } from '../domain/notifications.js';
import { toStorableText } from '../domain/storable.js';
import { scrubText } from '../observability/redact.js';
import { AckLinks } from './ackLinks.js';
import { DeliveryError, type ChannelSender, type ChannelTarget } from './channels/channel.js';
import { CHANNEL_SENDERS } from './channels/index.js';
import { SecretBox } from './secretBox.js';

export interface Notifier {
  senders: Record<ChannelKind, ChannelSender>;
  secretBox: SecretBox;
  ackLinks: AckLinks;
  /** `<GRAFANA_URL>/a/reliability-studio-app/incidents/<id>`. */
  warRoomUrl(incidentId: string): string;
  sendTimeoutMs: number;
}

export const PLUGIN_ID = 'reliability-studio-app';

export function warRoomUrlFor(grafanaUrl: string) {
  return (incidentId: string) => `${grafanaUrl}/a/${PLUGIN_ID}/incidents/${incidentId}`;
}

/** The notifier of a configuration: every kind's real sender unless `senders` replaces them (tests). */
export function createNotifier(
  config: Pick<Config, 'secretKey' | 'notify'>,
  senders: Record<ChannelKind, ChannelSender> = CHANNEL_SENDERS
): Notifier {
  return {
    senders,
    secretBox: new SecretBox(config.secretKey),
    ackLinks: new AckLinks(config.secretKey, config.notify.publicUrl, config.notify.ackLinkTtlMs),
    warRoomUrl: warRoomUrlFor(config.notify.grafanaUrl),
    sendTimeoutMs: config.notify.sendTimeoutMs,
  };
}

/**
 * Sends one message, giving up at the timeout even if the sender ignores its signal (then its promise is left to
 * settle on its own). Anything but a DeliveryError (a sender's bug, a DNS failure thrown as TypeError) counts as
 * retryable: the next attempt may well succeed.
 */
export async function sendBounded(
  sender: ChannelSender,
  target: ChannelTarget,
  message: NotificationMessage,
  timeoutMs: number,
  stop?: AbortSignal
): Promise<void> {
  const controller = new AbortController();
  const onStop = () => controller.abort(stop?.reason);
  stop?.addEventListener('abort', onStop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new Error('send timeout'));
      reject(new DeliveryError(`no answer within ${timeoutMs} ms`, 'retryable'));
    }, timeoutMs);
  });
  try {
    await Promise.race([sender.send(target, message, { signal: controller.signal, now: new Date() }), timedOut]);
  } catch (err) {
    if (err instanceof DeliveryError) throw err;
    if (controller.signal.aborted) throw new DeliveryError(`no answer within ${timeoutMs} ms`, 'retryable');
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
    throw new DeliveryError(`could not send: ${reason}`, 'retryable');
  } finally {
    clearTimeout(timer);
    stop?.removeEventListener('abort', onStop);
  }
}

/**
 * An error as the timeline, the channel and the logs may show it: the channel's own secret values (a webhook URL
 * is one) cut out wherever they appear, plain or URL-encoded, then the usual secret shapes masked; one short line.
 */
export function describeError(message: string, secrets: Record<string, string>): string {
  let text = message;
  for (const value of Object.values(secrets)) {
    if (value.length < 4) continue;
    for (const form of new Set([value, encodeURIComponent(value)])) text = text.split(form).join('[secret]');
  }
  // A receiver's answer is quoted here and stored (deliveries, the channel, the timeline): NUL would be refused.
  return toStorableText(scrubText(text).replace(/\s+/g, ' ').slice(0, 500));
}
