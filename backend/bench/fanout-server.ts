/**
 * The servers `fanout` compares, one per process: `sidecar` (createApp and the live feed exactly as main.ts wires
 * them, on BENCH_DATABASE_URL) and `bare` (a ws server that broadcasts what it is given, the ws README way: for each
 * message, send it to every open client). Usage: tsx bench/fanout-server.ts <variant>; prints `listening <port>`.
 * The bare server takes POST /broadcast with one message per line and answers when every send was issued, with
 * the time it started; POST /broadcast?corked sends each client all its messages in one write (process.hrtime, comparable across processes).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { loadConfig } from '../src/config.js';
import { createSql } from '../src/store/db.js';
import { startBenchSidecar } from './support/sidecar.js';

// CLOCK_MONOTONIC: the same clock in every process on this machine (performance.timeOrigin is not, across processes).
const now = () => Number(process.hrtime.bigint()) / 1e6;
const variant = process.argv[2] ?? '';

async function sidecar(): Promise<Server> {
  // Production defaults, except limits no bench can reach on purpose (rate limits apply per token, and all the
  // writers here share one).
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: process.env.BENCH_DATABASE_URL,
    RATE_LIMIT_PER_MINUTE: '1000000000',
    SHED_MAX_IN_FLIGHT: '0',
    SHED_EVENT_LOOP_DELAY_MS: '0',
  });
  const sql = createSql({ url: config.databaseUrl!, poolMax: config.dbPoolMax, statementTimeoutMs: config.dbStatementTimeoutMs });
  return startBenchSidecar(config, sql);
}

function bare(): Server {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const sockets = new Map<WebSocket, Socket>();
  const server = createServer((req, res) => {
    const isCorked = req.url === '/broadcast?corked';
    if (req.method !== 'POST' || !req.url?.startsWith('/broadcast')) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // Each message encoded once, as the sidecar does, so both send the same bytes the same way.
      const messages = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean).map((m) => Buffer.from(m));
      const startedAt = now();
      if (isCorked) {
        // The best a broadcaster can do with a batch: each client's messages leave in one write, as the hub does.
        for (const client of wss.clients) {
          const socket = sockets.get(client)!;
          socket.cork();
          for (const message of messages) client.send(message, { binary: false });
          socket.uncork();
        }
      } else {
        for (const message of messages) {
          for (const client of wss.clients) {
            if (client.readyState === WebSocket.OPEN) client.send(message, { binary: false });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ startedAt, clients: wss.clients.size }));
    });
  });
  server.on('upgrade', (req, socket: Socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.set(ws, socket);
      ws.on('close', () => sockets.delete(ws));
      wss.emit('connection', ws, req);
    })
  );
  return server.listen(0, '127.0.0.1');
}

const server = variant === 'sidecar' ? await sidecar() : variant === 'bare' ? bare() : undefined;
if (!server) {
  console.error('usage: fanout-server.ts sidecar|bare');
  process.exit(2);
}
if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
console.log(`listening ${(server.address() as AddressInfo).port}`);
process.on('SIGTERM', () => process.exit(0));
