/**
 * A webhook receiver as a careful integrator writes one, for the game day and the benchmark (no vitest in it): it
 * checks `X-Studio-Signature` on the raw body, drops repeats by `Idempotency-Key` (answering 200, as receivers
 * should), and counts what it got. It can go down: refusing connections (its listener closed) or answering 503.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { verifyWebhookSignature } from '../../src/notify/channels/webhook.js';

export type ReceiverMode = 'up' | 'refusing' | 'unavailable';

export interface Receipt {
  key: string;
  incidentId: string;
  event: string;
  /** performance.now() and Date.now() when the first copy arrived. */
  at: number;
  wallAt: number;
  /** Copies after the first (the sender did not learn the first one arrived). */
  repeats: number;
}

export interface SignedReceiver {
  origin: string;
  /** By idempotency key, first copies only. */
  receipts: Map<string, Receipt>;
  /** Requests whose signature failed (answered 401). */
  invalid: number;
  /** Requests answered 503 while unavailable. */
  refused503: number;
  /** Called on each first copy, as it arrives. */
  onReceipt?: (receipt: Receipt) => void;
  setMode(mode: ReceiverMode): Promise<void>;
  readonly mode: ReceiverMode;
  close(): Promise<void>;
}

export async function startSignedReceiver(secret: string): Promise<SignedReceiver> {
  const sockets = new Set<Socket>();
  let mode: ReceiverMode = 'up';
  const receiver: SignedReceiver = {
    origin: '',
    receipts: new Map(),
    invalid: 0,
    refused503: 0,
    get mode() {
      return mode;
    },
    setMode: async (next) => {
      if (next === mode) return;
      if (next === 'refusing') {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        });
      } else if (mode === 'refusing') {
        await listen(port);
      }
      mode = next;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      if (mode !== 'refusing') await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (mode === 'unavailable') {
        receiver.refused503++;
        res.writeHead(503, { 'retry-after': '1' }).end('down for maintenance');
        return;
      }
      const body = Buffer.concat(chunks);
      const signature = req.headers['x-studio-signature'] as string | undefined;
      if (!verifyWebhookSignature(body, signature, secret, 300, new Date()).valid) {
        receiver.invalid++;
        res.writeHead(401).end('bad signature');
        return;
      }
      const key = String(req.headers['idempotency-key'] ?? '');
      const seen = receiver.receipts.get(key);
      if (seen) seen.repeats++;
      else {
        const message = JSON.parse(body.toString('utf8')) as { event: string; incident: { id: string } };
        const receipt = { key, incidentId: message.incident.id, event: message.event, at: performance.now(), wallAt: Date.now(), repeats: 0 };
        receiver.receipts.set(key, receipt);
        receiver.onReceipt?.(receipt);
      }
      res.writeHead(200).end('ok');
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (at: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  const port = await listen(0);
  receiver.origin = `http://127.0.0.1:${port}`;
  return receiver;
}
