/**
 * Email over SMTP (nodemailer): a text and an HTML part, threaded per incident. The `declared` message is the
 * thread's root, `<incident.<incidentId>@<from's domain>>`; every other message has its own id from the
 * delivery's idempotency key (so a retried attempt carries the same Message-ID and mail clients drop the
 * repeat) and points at the root with In-Reply-To and References. TLS is verified always; a private relay's
 * certificate is trusted by giving its CA (or the self-signed certificate itself), never by turning checks off.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import nodemailer, { type NodemailerError, type SMTPTransportOptions } from 'nodemailer';
import { z } from 'zod';
import type { NotificationMessage } from '../../domain/notifications.js';
import { DeliveryError, type ChannelSender, type SendContext } from './channel.js';
import {
  EVENT_LABELS,
  findingLine,
  isTlsMisconfiguration,
  plainLines,
  readTarget,
  servicesLabel,
  severityLabel,
  statusLabel,
  topFindings,
  truncate,
} from './format.js';

export const EmailSettingsSchema = z.strictObject({
  host: z
    .string()
    .min(1)
    .max(253)
    .regex(/^(?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+$|^[0-9a-fA-F:.]+$/, 'a host name or IP address'),
  port: z.number().int().min(1).max(65535),
  /** `tls`: TLS from the first byte (usually 465); `starttls`: upgrade required (587, 25); `none`: plain, no AUTH. */
  security: z.enum(['starttls', 'tls', 'none']),
  username: z.string().min(1).max(256).optional(),
  /** The sender address; its domain names the Message-IDs. */
  from: z.email(),
  /** Shown as the sender's name ("Reliability Studio"). */
  fromName: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[^\r\n]*$/)
    .optional(),
  to: z.array(z.email()).min(1).max(50),
  /** PEM of the CA (or self-signed certificate) a private relay's certificate must chain to. */
  caCertificate: z.string().max(20_000).includes('-----BEGIN CERTIFICATE-----').optional(),
});
export type EmailSettings = z.infer<typeof EmailSettingsSchema>;

export const EmailSecretsSchema = z.strictObject({
  password: z.string().min(1).max(1024).optional(),
});
export type EmailSecrets = z.infer<typeof EmailSecretsSchema>;

/** The message as it goes to nodemailer: addresses, thread headers and both bodies. */
export interface EmailContent {
  subject: string;
  messageId: string;
  inReplyTo?: string;
  references?: string;
  text: string;
  html: string;
}

/** `<incident.<id>@<domain>>`: the thread root every message of one incident refers to. */
export function threadRootId(incidentId: string, from: string): string {
  return `<incident.${idPart(incidentId)}@${messageIdDomain(from)}>`;
}

export function buildEmail(message: NotificationMessage, from: string): EmailContent {
  const root = threadRootId(message.incident.id, from);
  const thread =
    message.event === 'declared'
      ? { messageId: root }
      : {
          messageId: `<incident.${idPart(message.incident.id)}.${idPart(message.idempotencyKey)}@${messageIdDomain(from)}>`,
          inReplyTo: root,
          references: root,
        };
  return {
    subject: truncate(`[${message.incident.reference}] ${message.headline}`.replace(/\s+/g, ' '), 250),
    ...thread,
    text: emailText(message),
    html: emailHtml(message),
  };
}

function emailText(message: NotificationMessage): string {
  const footer = `${EVENT_LABELS[message.event]} · ${message.incident.reference} · ${message.occurredAt}`;
  return [
    message.headline,
    '',
    ...plainLines(message, { withLinks: true }),
    '',
    `-- `,
    footer,
    'Reliability Studio',
    '',
  ].join('\n');
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** An http(s) link as an attribute value; anything else (javascript:…) is left out. */
function href(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? escapeHtml(parsed.href) : null;
  } catch {
    return null;
  }
}

function emailHtml(message: NotificationMessage): string {
  const { incident, links } = message;
  const e = escapeHtml;
  const paragraphs = (text: string) => e(text).replace(/\r?\n/g, '<br>');
  const parts = [
    `<h2>${e(message.headline)}</h2>`,
    `<p><strong>Severity:</strong> ${e(severityLabel(message))} &nbsp; <strong>Status:</strong> ${e(statusLabel(message))}</p>`,
    `<p><strong>Services:</strong> ${e(servicesLabel(message))}</p>`,
  ];
  if (incident.commander) parts.push(`<p><strong>Commander:</strong> ${e(incident.commander)}</p>`);
  if (message.detail) parts.push(`<p>${paragraphs(message.detail)}</p>`);
  const findings = topFindings(message);
  if (findings.length > 0) {
    parts.push('<h3>Top findings</h3>', `<ul>${findings.map((f) => `<li>${e(findingLine(f))}</li>`).join('')}</ul>`);
  }
  const actions = [
    [href(links.warRoom), 'Open war room'],
    [links.acknowledge ? href(links.acknowledge) : null, 'Acknowledge'],
  ]
    .filter(([url]) => url !== null)
    .map(([url, label]) => `<a href="${url}">${label}</a>`);
  if (actions.length > 0) parts.push(`<p>${actions.join(' &nbsp;·&nbsp; ')}</p>`);
  parts.push(
    `<p><small>${e(EVENT_LABELS[message.event])} · ${e(incident.reference)} · ${e(message.occurredAt)} · Reliability Studio</small></p>`
  );
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${e(message.headline)}</title></head><body>\n${parts.join('\n')}\n</body></html>\n`;
}

/** A Message-ID part: kept when it is dot-atom text already (uuids are), else a hash of it, so ids stay stable. */
function idPart(value: string): string {
  if (value.length <= 100 && /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/.test(value)) return value;
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}

function messageIdDomain(from: string): string {
  const domain = from.slice(from.lastIndexOf('@') + 1);
  return domainToASCII(domain) || 'reliability-studio.invalid';
}

function transportOptions(settings: EmailSettings, secrets: EmailSecrets): SMTPTransportOptions {
  return {
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    ...(settings.username ? { auth: { user: settings.username, pass: secrets.password ?? '' } } : {}),
    tls: {
      minVersion: 'TLSv1.2',
      ...(settings.caCertificate ? { ca: [settings.caCertificate] } : {}),
      ...(isIP(settings.host) ? {} : { servername: settings.host }),
    },
    // The send timeout (the signal) normally ends a slow server first; these bound each wait on their own.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  };
}

/**
 * An SMTP failure as a DeliveryError: a 5xx reply (550 no such mailbox, 535 bad credentials) is permanent, a 4xx
 * (and 503, "bad sequence", which a new connection clears) retryable; no answer, a dropped connection and the
 * send timeout are retryable; TLS that cannot be set up or checked, and missing credentials, are permanent.
 */
export function smtpFailure(err: unknown, signal: AbortSignal): DeliveryError {
  const e = (err ?? {}) as NodemailerError;
  if (signal.aborted || e.code === 'EABORT') {
    return new DeliveryError('The SMTP server did not finish within the send timeout', 'retryable');
  }
  if (typeof e.responseCode === 'number') {
    const code = e.responseCode;
    const isPermanent = code >= 500 && code < 600 && code !== 503;
    const who = e.rejected?.length ? ` for ${e.rejected.join(', ')}` : '';
    const said = truncate((e.response ?? '').replace(/\s+/g, ' ').trim(), 160) || String(code);
    const what = refusedStep(e);
    return new DeliveryError(
      `The SMTP server refused ${what}${who} (${said})`,
      isPermanent ? 'permanent' : 'retryable'
    );
  }
  switch (e.code) {
    case 'ETLS':
    case 'EREQUIRETLS':
      return new DeliveryError(`TLS with the SMTP server failed: ${truncate(e.message, 160)}`, 'permanent');
    case 'EAUTH':
    case 'ENOAUTH':
    case 'ECONFIG':
      return new DeliveryError(`The SMTP login cannot work: ${truncate(e.message, 160)}`, 'permanent');
    default: {
      const socketCode = e.originalCode ?? e.code ?? 'no answer';
      if (isTlsMisconfiguration(socketCode)) {
        return new DeliveryError(`TLS with the SMTP server failed (${socketCode})`, 'permanent');
      }
      return new DeliveryError(`The SMTP server could not be reached (${socketCode})`, 'retryable');
    }
  }
}

/** Which step of the SMTP dialogue a reply refused, in the channel page's words. */
function refusedStep(e: NodemailerError): string {
  const command = (e.command ?? '').toUpperCase();
  if (e.code === 'EAUTH' || command.startsWith('AUTH')) return 'the login';
  if (command.startsWith('STARTTLS')) return 'STARTTLS (security is starttls)';
  if (command.startsWith('MAIL')) return 'the sender';
  if (command.startsWith('RCPT')) return 'the recipients';
  return 'the message';
}

async function sendEmail(
  settings: EmailSettings,
  secrets: EmailSecrets,
  message: NotificationMessage,
  context: SendContext
) {
  if (settings.username && !secrets.password) {
    throw new DeliveryError('The email channel is misconfigured: a username needs a password', 'permanent');
  }
  if (settings.security === 'none' && settings.username) {
    throw new DeliveryError(
      'The SMTP password is never sent without TLS: set security to starttls or tls',
      'permanent'
    );
  }
  const content = buildEmail(message, settings.from);
  const transport = nodemailer.createTransport(transportOptions(settings, secrets));
  try {
    const info = await transport.sendMail({
      from: settings.fromName ? { name: settings.fromName, address: settings.from } : settings.from,
      // A page for a person goes to their address alone, through the channel's relay.
      to: message.recipient?.kind === 'email' ? [message.recipient.target] : settings.to,
      ...content,
      date: context.now,
      headers: {
        // RFC 3834: no vacation or out-of-office replies to an automated message.
        'Auto-Submitted': 'auto-generated',
        'X-Auto-Response-Suppress': 'All',
        'X-Studio-Event': message.event,
      },
      signal: context.signal,
    });
    if (info.rejected.length > 0) {
      // Some recipients were refused, the others have the message: a bad address is the channel's to fix.
      const errors = (info as { rejectedErrors?: NodemailerError[] }).rejectedErrors ?? [];
      const isTemporary = errors.length > 0 && errors.every((r) => (r.responseCode ?? 0) < 500);
      throw new DeliveryError(
        `The SMTP server refused ${info.rejected.join(', ')} (accepted ${info.accepted.length} other recipients)`,
        isTemporary ? 'retryable' : 'permanent'
      );
    }
  } catch (err) {
    if (err instanceof DeliveryError) throw err;
    throw smtpFailure(err, context.signal);
  } finally {
    transport.close();
  }
}

export const emailSender: ChannelSender<EmailSettings, EmailSecrets> = {
  kind: 'email',
  settingsSchema: EmailSettingsSchema,
  secretsSchema: EmailSecretsSchema,
  async send(target, message, context) {
    const { settings, secrets } = readTarget(
      'email',
      { settings: EmailSettingsSchema, secrets: EmailSecretsSchema },
      target
    );
    await sendEmail(settings, secrets, message, context);
  },
};
