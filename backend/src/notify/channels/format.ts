/**
 * What the channel kinds share: words for events, severities and statuses, a finding in one line, the
 * plain-text body, cutting text to a receiver's limit, reading a sender's settings and secrets, and telling a
 * TLS misconfiguration from a passing network failure.
 */
import type { z } from 'zod';
import type { NotificationEvent, NotificationMessage } from '../../domain/notifications.js';
import { DeliveryError } from './channel.js';

export const EVENT_LABELS: Record<NotificationEvent, string> = {
  declared: 'Incident declared',
  severity_raised: 'Severity raised',
  status_changed: 'Status changed',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  top_finding: 'New top finding',
  update_posted: 'Update posted',
  test: 'Test message',
  paged: 'Page',
};

const CAPITALISED = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

export function severityLabel(message: NotificationMessage): string {
  return CAPITALISED(message.incident.severity);
}

export function statusLabel(message: NotificationMessage): string {
  return CAPITALISED(message.incident.status);
}

export function servicesLabel(message: NotificationMessage): string {
  return message.incident.services.length > 0 ? message.incident.services.join(', ') : 'none named';
}

/** "p99 latency up 4x (checkout, prometheus, score 0.82)". */
export function findingLine(finding: NotificationMessage['findings'][number]): string {
  const where = [finding.service, finding.source].filter(Boolean).join(', ');
  return `${finding.summary} (${where}, score ${finding.score.toFixed(2)})`;
}

/** The findings a message shows: the model promises at most three, a receiver's layout relies on it. */
export function topFindings(message: NotificationMessage): NotificationMessage['findings'] {
  return message.findings.slice(0, 3);
}

/**
 * The message as plain lines (no markup): the email's text part, ntfy's body, the Slack fallback that Mattermost
 * and Rocket.Chat show instead of blocks.
 */
export function plainLines(message: NotificationMessage, { withLinks }: { withLinks: boolean }): string[] {
  const { incident } = message;
  const lines = [
    `Severity: ${severityLabel(message)}    Status: ${statusLabel(message)}`,
    `Services: ${servicesLabel(message)}`,
  ];
  if (incident.commander) lines.push(`Commander: ${incident.commander}`);
  if (message.detail) lines.push('', message.detail);
  const findings = topFindings(message);
  if (findings.length > 0) lines.push('', 'Top findings:', ...findings.map((f) => `- ${findingLine(f)}`));
  if (withLinks) {
    lines.push('', `War room: ${message.links.warRoom}`);
    if (message.links.acknowledge) lines.push(`Acknowledge: ${message.links.acknowledge}`);
  }
  return lines;
}

/**
 * Cuts text to at most `max` UTF-16 code units (how Slack and Teams count), ending with "…" when cut, never
 * inside a surrogate pair.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** Cuts text to at most `maxBytes` bytes of UTF-8 (how ntfy counts), ending with "…" when cut. */
export function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength('…');
  let out = '';
  let used = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (used + size > budget) break;
    out += char;
    used += size;
  }
  return `${out}…`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * A channel's settings and secrets checked against its schemas at send time: what was stored under an older
 * schema fails as a misconfigured channel, naming the fields and never their values (secrets are among them).
 */
export function readTarget<S, K>(
  kind: string,
  schemas: { settings: z.ZodType<S>; secrets: z.ZodType<K> },
  target: { settings: unknown; secrets: unknown }
): { settings: S; secrets: K } {
  const settings = schemas.settings.safeParse(target.settings);
  const secrets = schemas.secrets.safeParse(target.secrets);
  if (settings.success && secrets.success) return { settings: settings.data, secrets: secrets.data };
  const fields = [
    ...(settings.success ? [] : settings.error.issues.map((i) => `settings.${i.path.join('.') || '(root)'}`)),
    ...(secrets.success ? [] : secrets.error.issues.map((i) => `secrets.${i.path.join('.') || '(root)'}`)),
  ];
  throw new DeliveryError(`The ${kind} channel is misconfigured: ${[...new Set(fields)].join(', ')}`, 'permanent');
}

/**
 * True for a socket error code that says TLS cannot work as configured (an untrusted or mismatched certificate,
 * TLS spoken to a plain-text port): the channel must be fixed, unlike a refused or reset connection.
 */
export function isTlsMisconfiguration(code: string): boolean {
  return /CERT|SELF_SIGNED|ALTNAME|UNABLE_TO_(GET|VERIFY)|^ERR_SSL_|^ERR_TLS_/.test(code);
}
