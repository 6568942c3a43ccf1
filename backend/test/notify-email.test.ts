/**
 * The email channel against a real SMTP server on loopback (smtp-server, STARTTLS and implicit TLS with a
 * certificate made for the test, AUTH PLAIN/LOGIN), reading what arrives with mailparser: thread headers, both
 * parts, HTML escaping; and SMTP failures mapped to retryable (4xx, no answer) or permanent (5xx, TLS, login).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailSender, EmailSettingsSchema, threadRootId, type EmailSettings } from '../src/notify/channels/email.js';
import { context, deliveryError, sampleMessage } from './support/notifyReceiver.js';
import { freePort } from './support/net.js';

const PASSWORD = 'smtp-pa55word';
const MESSAGE = sampleMessage();

let tlsDir: string;
/** A self-signed certificate for 127.0.0.1 and localhost, made for this run. */
let tls: { key: string; cert: string };

beforeAll(() => {
  tlsDir = mkdtempSync(join(tmpdir(), 'studio-smtp-tls-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', join(tlsDir, 'key.pem'), '-out', join(tlsDir, 'cert.pem'),
  ], { stdio: 'ignore' }); // prettier-ignore
  tls = { key: readFileSync(join(tlsDir, 'key.pem'), 'utf8'), cert: readFileSync(join(tlsDir, 'cert.pem'), 'utf8') };
});
afterAll(() => rmSync(tlsDir, { recursive: true, force: true }));

interface Arrival {
  mail: ParsedMail;
  secure: boolean;
  user: string | undefined;
  rcptTo: string[];
}

interface Smtp {
  port: number;
  arrivals: Arrival[];
  logins: string[];
  close(): Promise<void>;
}

const smtpError = (message: string, responseCode: number) => Object.assign(new Error(message), { responseCode });

/**
 * An SMTP server on loopback: STARTTLS with the test certificate unless told otherwise, AUTH checked against
 * PASSWORD, `refuse` answering chosen recipients or MAIL FROM with an SMTP error.
 */
async function startSmtp(
  options: Partial<SMTPServerOptions> & { refuseRcpt?: Record<string, number>; refuseMailFrom?: number } = {}
): Promise<Smtp> {
  const { refuseRcpt = {}, refuseMailFrom, ...serverOptions } = options;
  const arrivals: Arrival[] = [];
  const logins: string[] = [];
  const server = new SMTPServer({
    key: tls.key,
    cert: tls.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push(auth.username ?? '');
      if (auth.username === 'studio' && auth.password === PASSWORD) callback(null, { user: auth.username });
      else callback(smtpError('Authentication credentials invalid', 535));
    },
    onMailFrom(_address, _session, callback) {
      callback(refuseMailFrom ? smtpError('Try again later', refuseMailFrom) : null);
    },
    onRcptTo(address, _session, callback) {
      const code = refuseRcpt[address.address];
      callback(code ? smtpError(code >= 500 ? 'Mailbox unavailable' : 'Mailbox busy', code) : null);
    },
    onData(stream, session: SMTPServerSession, callback) {
      simpleParser(stream).then(
        (mail) => {
          arrivals.push({
            mail,
            secure: session.secure,
            user: session.user as string | undefined,
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
          });
          callback();
        },
        (err: Error) => callback(err)
      );
    },
    ...serverOptions,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return { port, arrivals, logins, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function settings(port: number, overrides: Partial<EmailSettings> = {}): EmailSettings {
  return {
    host: '127.0.0.1',
    port,
    security: 'starttls',
    username: 'studio',
    from: 'alerts@studio.example',
    fromName: 'Reliability Studio',
    to: ['oncall@example.com', 'sre@example.com'],
    caCertificate: tls.cert,
    ...overrides,
  };
}

function send(
  s: EmailSettings,
  message = MESSAGE,
  secrets: { password?: string } = { password: PASSWORD },
  timeoutMs = 10_000
) {
  return emailSender.send(
    { id: 'c-mail', kind: 'email', name: 'on-call mail', settings: s, secrets },
    message,
    context(timeoutMs)
  );
}

async function withSmtp<T>(options: Parameters<typeof startSmtp>[0], run: (smtp: Smtp) => Promise<T>): Promise<T> {
  const smtp = await startSmtp(options);
  try {
    return await run(smtp);
  } finally {
    await smtp.close();
  }
}

describe('email channel: what arrives', () => {
  it('sends over STARTTLS with AUTH, threaded under the incident, with text and HTML parts', async () => {
    await withSmtp({}, async (smtp) => {
      await send(settings(smtp.port));
      expect(smtp.arrivals).toHaveLength(1);
      const { mail, secure, user, rcptTo } = smtp.arrivals[0]!;
      expect(secure).toBe(true);
      expect(user).toBe('studio');
      expect(rcptTo).toEqual(['oncall@example.com', 'sre@example.com']);
      const root = `<incident.${MESSAGE.incident.id}@studio.example>`;
      expect(threadRootId(MESSAGE.incident.id, 'alerts@studio.example')).toBe(root);
      expect(mail.messageId).toBe(`<incident.${MESSAGE.incident.id}.${MESSAGE.idempotencyKey}@studio.example>`);
      expect(mail.inReplyTo).toBe(root);
      expect(mail.references).toBe(root);
      expect(mail.subject).toBe(`[INC-42] ${MESSAGE.headline}`);
      expect(mail.from?.value).toEqual([{ name: 'Reliability Studio', address: 'alerts@studio.example' }]);
      expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
      expect(mail.headers.get('x-studio-event')).toBe('severity_raised');
      expect(mail.text).toContain(MESSAGE.headline);
      expect(mail.text).toContain('Services: checkout, payments');
      expect(mail.text).toContain('- p99 latency up 4x after deploy (checkout, prometheus, score 0.82)');
      expect(mail.text).toContain(`War room: ${MESSAGE.links.warRoom}`);
      expect(mail.text).toContain(`Acknowledge: ${MESSAGE.links.acknowledge}`);
      expect(mail.html).toContain(`<a href="${MESSAGE.links.warRoom}">Open war room</a>`);
      expect(mail.html).toContain(`<a href="${MESSAGE.links.acknowledge}">Acknowledge</a>`);
    });
  });

  it('makes the declared message the thread root, and gives a retry the same Message-ID', async () => {
    await withSmtp({}, async (smtp) => {
      const declared = sampleMessage({ event: 'declared' });
      await send(settings(smtp.port), declared);
      await send(settings(smtp.port), declared);
      const [first, second] = smtp.arrivals;
      expect(first!.mail.messageId).toBe(`<incident.${declared.incident.id}@studio.example>`);
      expect(first!.mail.inReplyTo).toBeUndefined();
      expect(first!.mail.references).toBeUndefined();
      expect(second!.mail.messageId).toBe(first!.mail.messageId);
    });
  });

  it('escapes everything from the incident in the HTML part and links only http(s) URLs', async () => {
    const hostile = `<script>alert("x")</script> & 'quoted' <img src=x onerror=alert(1)>`;
    const message = sampleMessage({
      headline: `INC-42 declared (critical): ${hostile}`,
      detail: `${hostile}\nsecond line`,
      incident: { ...MESSAGE.incident, services: [hostile], commander: hostile },
      findings: [{ source: 'loki', service: hostile, summary: hostile, score: 0.9 }],
      links: { warRoom: MESSAGE.links.warRoom, acknowledge: 'javascript:alert(1)' },
    });
    await withSmtp({}, async (smtp) => {
      await send(settings(smtp.port), message);
      const { html, text, subject } = smtp.arrivals[0]!.mail;
      expect(html).not.toMatch(/<script|<img|onerror=alert\(1\)>/);
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;');
      expect(html).toContain(
        '&lt;/script&gt; &amp; &#39;quoted&#39; &lt;img src=x onerror=alert(1)&gt;<br>second line'
      );
      expect(html).not.toContain('javascript:');
      expect(text).toContain(hostile);
      expect(subject).toBe(`[INC-42] INC-42 declared (critical): ${hostile}`);
    });
  });

  it('sends over implicit TLS (security: tls)', async () => {
    await withSmtp({ secure: true }, async (smtp) => {
      await send(settings(smtp.port, { security: 'tls' }));
      expect(smtp.arrivals[0]).toMatchObject({ secure: true, user: 'studio' });
    });
  });

  it('sends in plain text without AUTH when security is none (a relay on the same host)', async () => {
    await withSmtp({ authOptional: true }, async (smtp) => {
      await send(settings(smtp.port, { security: 'none', username: undefined }), MESSAGE, {});
      expect(smtp.arrivals[0]).toMatchObject({ secure: false, user: undefined });
    });
  });
});

describe('email channel: SMTP failures', () => {
  it('refuses to send a password without TLS, before connecting', async () => {
    const error = await deliveryError(send(settings(await freePort(), { security: 'none' })));
    expect(error.kind).toBe('permanent');
    expect(error.message).toMatch(/never sent without TLS/);
  });

  it('fails STARTTLS that the server does not offer as permanent, without sending the login', async () => {
    await withSmtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true }, async (smtp) => {
      const error = await deliveryError(send(settings(smtp.port)));
      expect(error.kind).toBe('permanent');
      expect(smtp.logins).toEqual([]);
      expect(smtp.arrivals).toEqual([]);
    });
  });

  it('fails a certificate it cannot trust (self-signed, no CA given) as permanent', async () => {
    await withSmtp({}, async (smtp) => {
      const error = await deliveryError(send(settings(smtp.port, { caCertificate: undefined })));
      expect(error.kind).toBe('permanent');
      expect(error.message).toMatch(/certificate|TLS/i);
      expect(smtp.logins).toEqual([]);
    });
  });

  it('fails implicit TLS spoken to a plain-text port (security: tls on 587) as permanent', async () => {
    await withSmtp({ allowInsecureAuth: true }, async (smtp) => {
      const error = await deliveryError(send(settings(smtp.port, { security: 'tls' })));
      expect(error.kind).toBe('permanent');
      expect(error.message).toMatch(/TLS/);
      expect(smtp.logins).toEqual([]);
    });
  });

  it('fails a wrong password (535) as permanent, without the password in the error', async () => {
    await withSmtp({}, async (smtp) => {
      const error = await deliveryError(send(settings(smtp.port), MESSAGE, { password: 'not-the-pa55word' }));
      expect(error.kind).toBe('permanent');
      expect(error.message).toContain('535');
      expect(error.message).not.toContain('not-the-pa55word');
    });
  });

  it('fails an unknown mailbox (550) as permanent, naming it; the other recipient still gets the message', async () => {
    await withSmtp({ refuseRcpt: { 'sre@example.com': 550 } }, async (smtp) => {
      const error = await deliveryError(send(settings(smtp.port)));
      expect(error.kind).toBe('permanent');
      expect(error.message).toContain('sre@example.com');
      expect(smtp.arrivals.map((a) => a.rcptTo)).toEqual([['oncall@example.com']]);
    });
    await withSmtp({ refuseRcpt: { 'oncall@example.com': 550, 'sre@example.com': 550 } }, async (smtp) => {
      const error = await deliveryError(send(settings(smtp.port)));
      expect(error.kind).toBe('permanent');
      expect(error.message).toContain('550');
    });
  });

  it('treats 4xx replies (a busy mailbox, a server asking to come back) as retryable', async () => {
    await withSmtp({ refuseRcpt: { 'oncall@example.com': 450, 'sre@example.com': 450 } }, async (smtp) => {
      expect((await deliveryError(send(settings(smtp.port)))).kind).toBe('retryable');
    });
    await withSmtp({ refuseMailFrom: 451 }, async (smtp) => {
      const error = await deliveryError(send(settings(smtp.port)));
      expect(error.kind).toBe('retryable');
      expect(error.message).toContain('451');
    });
  });

  it('treats a refused connection as retryable', async () => {
    const error = await deliveryError(send(settings(await freePort())));
    expect(error.kind).toBe('retryable');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('gives up on a server that never greets when the send timeout aborts, as retryable', async () => {
    const sockets = new Set<Socket>();
    const silent = createTcpServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const started = Date.now();
      const error = await deliveryError(send(settings(port), MESSAGE, { password: PASSWORD }, 300));
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(error.kind).toBe('retryable');
      expect(error.message).toMatch(/send timeout/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('email channel: settings', () => {
  it('checks addresses, port, security and the CA certificate', () => {
    const valid = settings(587);
    expect(EmailSettingsSchema.safeParse(valid).success).toBe(true);
    for (const bad of [
      { to: [] },
      { to: ['not an address'] },
      { from: 'alerts' },
      { port: 0 },
      { port: 70_000 },
      { security: 'ssl' },
      { host: 'smtp://mail.example' },
      { caCertificate: 'not a certificate' },
      { fromName: 'Studio\r\nBcc: everyone@example.com' },
    ]) {
      expect(EmailSettingsSchema.safeParse({ ...valid, ...bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
