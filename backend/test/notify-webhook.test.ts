/**
 * The generic webhook against a real receiver on loopback that does what the docs tell receivers to do: verify
 * X-Studio-Signature over the raw body with verifyWebhookSignature, refuse stale or tampered requests, and drop
 * repeats by Idempotency-Key.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  signWebhook,
  verifyWebhookSignature,
  webhookSender,
  WebhookSecretsSchema,
  WebhookSettingsSchema,
  type SignatureCheck,
  type WebhookSecrets,
  type WebhookSettings,
} from '../src/notify/channels/webhook.js';
import {
  context,
  deliveryError,
  itMapsHttpFaults,
  sampleMessage,
  startReceiver,
  type Receiver,
} from './support/notifyReceiver.js';

const SECRET = 'whsec-0123456789abcdef';
const TOLERANCE_SECONDS = 300;

let receiver: Receiver;
/** Each request's signature verdict, in order; the receiver refuses anything not valid with 401. */
let verdicts: SignatureCheck[] = [];
/** Idempotency keys the receiver has acted on: a repeat is acknowledged and not acted on again. */
let processed: string[] = [];

/** A receiver written as the docs say: verify first, then drop repeats, then act. */
function verifyingReceiver() {
  receiver.handle((req) => {
    const header = req.headers['x-studio-signature'];
    const verdict = verifyWebhookSignature(
      req.body,
      header as string | undefined,
      SECRET,
      TOLERANCE_SECONDS,
      new Date()
    );
    verdicts.push(verdict);
    if (!verdict.valid) return { status: 401, body: JSON.stringify({ error: `signature ${verdict.reason}` }) };
    const key = req.headers['idempotency-key'] as string;
    if (!processed.includes(key)) processed.push(key);
    return { status: 200, body: '{"ok":true}' };
  });
}

function target(url: string, settings: WebhookSettings = {}, secrets: Partial<WebhookSecrets> = {}) {
  return {
    id: 'c-webhook',
    kind: 'webhook' as const,
    name: 'ops',
    settings,
    secrets: { url, signingSecret: SECRET, ...secrets },
  };
}

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

describe('webhook channel: format and signature', () => {
  it('posts the message as JSON with Idempotency-Key, X-Studio-Event and a signature the receiver accepts', async () => {
    verdicts = [];
    processed = [];
    verifyingReceiver();
    const message = sampleMessage();
    await webhookSender.send(
      target(`${receiver.origin}/hooks/studio`, { headers: { 'X-Tenant': 'payments-team' } }),
      message,
      context()
    );
    const req = receiver.requests.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/hooks/studio');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['idempotency-key']).toBe(message.idempotencyKey);
    expect(req.headers['x-studio-event']).toBe('severity_raised');
    expect(req.headers['x-tenant']).toBe('payments-team');
    expect(req.headers['x-studio-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verdicts).toEqual([{ valid: true, timestamp: expect.any(Number) }]);
    expect(JSON.parse(req.body)).toEqual({
      event: message.event,
      idempotencyKey: message.idempotencyKey,
      occurredAt: message.occurredAt,
      incident: message.incident,
      headline: message.headline,
      detail: message.detail,
      findings: message.findings,
      links: message.links,
    });
  });

  it('signs with the attempt clock, so a receiver refuses a request older than five minutes', async () => {
    verdicts = [];
    verifyingReceiver();
    const sixMinutesAgo = new Date(Date.now() - 6 * 60_000);
    const error = await deliveryError(
      webhookSender.send(target(`${receiver.origin}/hooks/studio`), sampleMessage(), context(5_000, sixMinutesAgo))
    );
    expect(verdicts).toEqual([{ valid: false, reason: 'stale' }]);
    expect(error).toMatchObject({ kind: 'permanent', details: { status: 401 } });
  });

  it('lets a receiver detect a body changed on the way (a relay that rewrites the severity)', async () => {
    verdicts = [];
    verifyingReceiver();
    const relay = await startTamperingRelay(receiver.origin, (body) => body.replace('"critical"', '"low"'));
    try {
      await deliveryError(webhookSender.send(target(`${relay.origin}/hooks/studio`), sampleMessage(), context()));
      expect(receiver.requests.at(-1)!.body).toContain('"severity":"low"');
      expect(verdicts).toEqual([{ valid: false, reason: 'mismatch' }]);
    } finally {
      await relay.close();
    }
  });

  it('sends the same Idempotency-Key on a retry, so the receiver acts once', async () => {
    processed = [];
    let answered = 0;
    receiver.handle((req) => {
      answered += 1;
      if (answered === 1) return { status: 503, headers: { 'retry-after': '1' } };
      const verdict = verifyWebhookSignature(
        req.body,
        req.headers['x-studio-signature'] as string,
        SECRET,
        300,
        new Date()
      );
      if (!verdict.valid) return { status: 401 };
      const key = req.headers['idempotency-key'] as string;
      if (!processed.includes(key)) processed.push(key);
      return { status: 200 };
    });
    const message = sampleMessage({ idempotencyKey: 'retry-key-1' });
    const first = await deliveryError(webhookSender.send(target(`${receiver.origin}/h`), message, context()));
    expect(first).toMatchObject({ kind: 'retryable', details: { retryAfterMs: 1000 } });
    await webhookSender.send(target(`${receiver.origin}/h`), message, context());
    await webhookSender.send(target(`${receiver.origin}/h`), message, context());
    const keys = receiver.requests.slice(-3).map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual(['retry-key-1', 'retry-key-1', 'retry-key-1']);
    expect(processed).toEqual(['retry-key-1']);
  });

  it('sends basic auth from the URL as a header and keeps it out of errors', async () => {
    receiver.handle(() => ({ status: 403, body: 'forbidden' }));
    const error = await deliveryError(
      webhookSender.send(target(`http://hook:s3cr3t-pass@${receiver.origin.slice(7)}/h`), sampleMessage(), context())
    );
    expect(receiver.requests.at(-1)!.headers.authorization).toBe(
      `Basic ${Buffer.from('hook:s3cr3t-pass').toString('base64')}`
    );
    expect(error.kind).toBe('permanent');
    expect(error.message).not.toContain('s3cr3t-pass');
  });

  it('fails https to a plain-text receiver as permanent: TLS cannot work until the URL is fixed', async () => {
    const error = await deliveryError(
      webhookSender.send(target(`https://${receiver.origin.slice(7)}/h`), sampleMessage(), context())
    );
    expect(error.kind).toBe('permanent');
    expect(error.message).toMatch(/^TLS with the webhook failed \(ERR_SSL_/);
  });

  it('refuses a redirect instead of following it with the signed body', async () => {
    receiver.handle(() => ({ status: 301, headers: { location: 'http://elsewhere.test/h?token=abc' } }));
    const error = await deliveryError(webhookSender.send(target(`${receiver.origin}/h`), sampleMessage(), context()));
    expect(error).toMatchObject({ kind: 'permanent', details: { status: 301 } });
    expect(error.message).not.toContain('elsewhere');
  });
});

describe('verifyWebhookSignature', () => {
  const body = '{"event":"declared"}';
  const now = new Date('2026-12-07T21:19:02Z');

  it('accepts a fresh signature and any one of several v1 values (secret rotation)', () => {
    const header = signWebhook(body, SECRET, now);
    expect(verifyWebhookSignature(body, header, SECRET, 300, now).valid).toBe(true);
    const rotated = `${header},v1=${'0'.repeat(64)}`;
    expect(
      verifyWebhookSignature(Buffer.from(body), rotated, SECRET, 300, new Date(now.getTime() + 299_000)).valid
    ).toBe(true);
  });

  it('refuses missing, malformed, stale (past or future), tampered and wrongly keyed requests', () => {
    const header = signWebhook(body, SECRET, now);
    const check = (b: string, h: string | undefined, secret = SECRET, at = now) =>
      verifyWebhookSignature(b, h, secret, 300, at);
    expect(check(body, undefined)).toEqual({ valid: false, reason: 'missing' });
    expect(check(body, 'v1=abc')).toEqual({ valid: false, reason: 'malformed' });
    expect(check(body, 't=1,v1')).toEqual({ valid: false, reason: 'malformed' });
    expect(check(body, header, SECRET, new Date(now.getTime() + 301_000))).toEqual({ valid: false, reason: 'stale' });
    expect(check(body, header, SECRET, new Date(now.getTime() - 301_000))).toEqual({ valid: false, reason: 'stale' });
    expect(check(`${body} `, header)).toEqual({ valid: false, reason: 'mismatch' });
    expect(check(body, header, 'another-secret-0123456789')).toEqual({ valid: false, reason: 'mismatch' });
  });
});

describe('webhook channel: settings and secrets', () => {
  it('accepts extra headers but not the ones it sets or credentials', () => {
    expect(WebhookSettingsSchema.safeParse({ headers: { 'X-Tenant': 'a' } }).success).toBe(true);
    for (const name of ['Authorization', 'idempotency-key', 'X-Studio-Signature', 'Cookie', 'bad header']) {
      expect(WebhookSettingsSchema.safeParse({ headers: { [name]: 'x' } }).success, name).toBe(false);
    }
    expect(WebhookSettingsSchema.safeParse({ headers: { 'X-A': 'line\r\nInjected: 1' } }).success).toBe(false);
    expect(WebhookSettingsSchema.safeParse({ headers: { 'X-Team': 'Zürich' } }).success).toBe(false);
  });

  it('needs an http(s) URL and a signing secret of at least 16 characters', () => {
    expect(WebhookSecretsSchema.safeParse({ url: 'https://h.test/x', signingSecret: SECRET }).success).toBe(true);
    expect(WebhookSecretsSchema.safeParse({ url: 'ftp://h.test/x', signingSecret: SECRET }).success).toBe(false);
    expect(WebhookSecretsSchema.safeParse({ url: 'https://h.test/x', signingSecret: 'short' }).success).toBe(false);
  });

  it('fails a channel stored with invalid secrets as permanent, naming the field but not the value', async () => {
    const error = await deliveryError(
      webhookSender.send(
        target('https://hooks.test/abc', {}, { signingSecret: 'tooshort' }),
        sampleMessage(),
        context()
      )
    );
    expect(error.kind).toBe('permanent');
    expect(error.message).toContain('secrets.signingSecret');
    expect(error.message).not.toContain('tooshort');
  });
});

describe('webhook channel: receiver faults', () => {
  itMapsHttpFaults(
    webhookSender,
    (origin) => ({
      settings: {},
      secrets: { url: `${origin}/hooks/t0k3n-abcdef`, signingSecret: SECRET },
      secret: 't0k3n-abcdef',
    }),
    () => receiver
  );
});

/** Forwards requests to `origin` with the body rewritten and the headers (signature included) unchanged. */
async function startTamperingRelay(origin: string, rewrite: (body: string) => string) {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.from(rewrite(Buffer.concat(chunks).toString('utf8')));
      const headers = { ...req.headers, 'content-length': String(body.length) };
      const forward = httpRequest(`${origin}${req.url}`, { method: req.method, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
