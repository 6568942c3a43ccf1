/**
 * What the channel tests share: a recording HTTP receiver on loopback whose answer each test scripts (a status,
 * a Retry-After, or no answer at all), a sample notification, and the fault cases every HTTP channel kind must
 * map to the right DeliveryError.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { expect, it } from 'vitest';
import type { NotificationMessage } from '../../src/domain/notifications.js';
import { DeliveryError, type ChannelSender, type SendContext } from '../../src/notify/channels/channel.js';
import { freePort } from './net.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body's bytes as text, exactly as sent. */
  body: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** `hang`: read the request, never answer. */
export type Handler = (request: ReceivedRequest) => Answer | 'hang' | Promise<Answer | 'hang'>;

export interface Receiver {
  /** http://127.0.0.1:<port> */
  origin: string;
  requests: ReceivedRequest[];
  /** The answer to the next requests; the default answers 200. */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export async function startReceiver(initial: Handler = () => ({ status: 200, body: 'ok' })): Promise<Receiver> {
  let handler = initial;
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      void Promise.resolve(handler(request)).then((answer) => {
        if (answer === 'hang') return;
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body ?? '');
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    handle: (next) => {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A URL on loopback where nothing listens. */
export async function refusedOrigin(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

export function context(timeoutMs = 5_000, now = new Date()): SendContext {
  return { signal: AbortSignal.timeout(timeoutMs), now };
}

export function sampleMessage(overrides: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    event: 'severity_raised',
    idempotencyKey: 'd7c1f0a2-5b2e-4d8e-9a43-1f2e3d4c5b6a',
    occurredAt: '2026-12-07T21:19:02.000Z',
    incident: {
      id: '4f6c2d9e-8a1b-4c3d-9e2f-0a1b2c3d4e5f',
      reference: 'INC-42',
      title: 'High error rate on checkout',
      severity: 'critical',
      status: 'investigating',
      services: ['checkout', 'payments'],
      commander: 'alice',
      startedAt: '2026-12-07T21:00:00.000Z',
      acknowledgedAt: null,
      resolvedAt: null,
    },
    headline: 'INC-42 raised to critical (critical): High error rate on checkout',
    detail: 'Severity raised from high to critical.',
    findings: [
      { source: 'prometheus', service: 'checkout', summary: 'p99 latency up 4x after deploy', score: 0.82 },
      { source: 'loki', service: 'payments', summary: 'New error pattern: timeout talking to bank', score: 0.64 },
    ],
    links: {
      warRoom: 'http://grafana.test/a/reliability-studio-app/incidents/4f6c2d9e',
      acknowledge: 'http://grafana.test/a/reliability-studio-app/acknowledge?token=ack-token-123',
    },
    ...overrides,
  };
}

/** The DeliveryError a send threw (fails the test when it resolved or threw something else). */
export async function deliveryError(send: Promise<void>): Promise<DeliveryError> {
  const error = await send.then(
    () => undefined,
    (err: unknown) => err
  );
  expect(error, 'the send should have failed').toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

/**
 * The fault cases of an HTTP channel kind: `target(url)` makes a channel whose receiver is `url`, `secret` is
 * the part of that URL that must never appear in an error (a webhook token, the topic credentials...).
 */
export function itMapsHttpFaults<S, K>(
  sender: ChannelSender<S, K>,
  target: (origin: string) => { settings: S; secrets: K; secret: string },
  receiver: () => Receiver
): void {
  const send = (origin: string, timeoutMs = 5_000) => {
    const { settings, secrets } = target(origin);
    return sender.send(
      { id: 'c1', kind: sender.kind, name: 'test', settings, secrets },
      sampleMessage(),
      context(timeoutMs)
    );
  };
  const expectNoSecret = (error: DeliveryError, origin: string) => {
    expect(error.message).not.toContain(target(origin).secret);
    expect(error.message).not.toContain(origin);
  };

  it('treats a 500 as retryable and keeps the receiver URL out of the error', async () => {
    receiver().handle(() => ({ status: 500, body: `internal error at ${target(receiver().origin).secret}` }));
    const error = await deliveryError(send(receiver().origin));
    expect(error.kind).toBe('retryable');
    expect(error.details.status).toBe(500);
    expectNoSecret(error, receiver().origin);
  });

  it('treats a 429 as retryable after the Retry-After seconds', async () => {
    receiver().handle(() => ({ status: 429, headers: { 'retry-after': '7' }, body: 'slow down' }));
    const error = await deliveryError(send(receiver().origin));
    expect(error).toMatchObject({ kind: 'retryable', details: { status: 429, retryAfterMs: 7000 } });
  });

  it('treats a 503 as retryable after a Retry-After given as an HTTP date', async () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    receiver().handle(() => ({ status: 503, headers: { 'retry-after': at } }));
    const error = await deliveryError(send(receiver().origin));
    expect(error.kind).toBe('retryable');
    expect(error.details.retryAfterMs).toBeGreaterThan(100_000);
    expect(error.details.retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it('gives up on a receiver that never answers when the send timeout aborts, as retryable', async () => {
    receiver().handle(() => 'hang');
    const started = Date.now();
    const error = await deliveryError(send(receiver().origin, 300));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error.kind).toBe('retryable');
    expect(error.message).toMatch(/send timeout/);
  });

  it('treats a refused connection as retryable', async () => {
    const origin = await refusedOrigin();
    const error = await deliveryError(send(origin));
    expect(error.kind).toBe('retryable');
    expect(error.message).toMatch(/ECONNREFUSED/);
    expectNoSecret(error, origin);
  });

  it('treats a 410 as permanent', async () => {
    receiver().handle(() => ({ status: 410, body: 'gone' }));
    const error = await deliveryError(send(receiver().origin));
    expect(error).toMatchObject({ kind: 'permanent', details: { status: 410 } });
    expectNoSecret(error, receiver().origin);
  });
}
