import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import { LIVE_CLOSE } from '../../../contract/live.js';
import { errorEnvelope, toAppError } from '../http/errors.js';
import type { Lifecycle } from '../lifecycle.js';
import type { Logger } from '../observability/logger.js';
import type { Database } from '../store/db.js';
import { EVENTS_CHANNEL } from '../store/events.js';
import { authenticateUpgrade, checkOrigin, UpgradeRefusal } from './auth.js';
import { LiveConnection, type ConnectionLimits } from './connection.js';
import { LiveHub } from './hub.js';
import { ListenLink } from './listen.js';
import { createLiveMetrics, type LiveMetrics } from './metrics.js';
import { OutboxFeed } from './outbox.js';
import { pruneOutbox } from './retention.js';

/** The live feed's settings (config.ts `live`). */
export interface LiveConfig extends ConnectionLimits {
  allowedOrigins: readonly string[];
  heartbeatMs: number;
  maxConnections: number;
  /** Outbox events older than this are pruned; 0 keeps them forever. */
  retentionMs: number;
  pruneIntervalMs: number;
  /** How long a gap in the outbox is waited for before it is skipped (OutboxFeed). */
  gapTimeoutMs: number;
}

export interface LiveOptions {
  server: Server;
  db: Database;
  /** The database URL, for the dedicated LISTEN connection. */
  databaseUrl: string;
  adminToken: string;
  lifecycle: Lifecycle;
  logger: Logger;
  registry: Registry;
  config: LiveConfig;
  /** Poll the outbox this often even without notifications (tests shorten it). */
  pollMs?: number;
}

export interface LiveService {
  readonly hub: LiveHub;
  readonly feed: OutboxFeed;
  readonly metrics: LiveMetrics;
  /** Prunes the outbox now (the timer does it every pruneIntervalMs). */
  prune(): Promise<void>;
  /** Closes every connection with 1001 (reconnect elsewhere), waits for them briefly, and stops reading. */
  close(): Promise<void>;
}

export const LIVE_PATH = '/live';

/**
 * Attaches the live feed to the HTTP server: `/live` upgrades, the outbox feed with its LISTEN connection, the
 * heartbeat and the retention timer. Resolves once the feed knows its starting position (see OutboxFeed.start).
 */
export async function startLive(options: LiveOptions): Promise<LiveService> {
  const { server, db, lifecycle, logger, config } = options;
  const metrics = createLiveMetrics(options.registry);
  let hub!: LiveHub;
  const feed = new OutboxFeed({
    db,
    pollMs: options.pollMs,
    gapTimeoutMs: config.gapTimeoutMs,
    followers: () => hub.followers,
    onEvents: (events) => hub.dispatch(events),
    onError: (err) => logger.warn({ err }, 'live: reading the outbox failed; retrying'),
    onGapAbandoned: (seqs) => {
      metrics.gapsAbandoned.inc(seqs);
      logger.warn({ seqs }, 'live: gave up waiting for outbox seqs held by a long-open transaction; live clients may miss them');
    },
  });
  hub = new LiveHub(feed, metrics);
  const link = new ListenLink({
    url: options.databaseUrl,
    channel: EVENTS_CHANNEL,
    onNotify: () => feed.wake(),
    onListen: () => feed.wake(),
    onError: (err) => logger.warn({ err }, 'live: LISTEN connection failed; retrying'),
  });
  link.start();
  await feed.start();

  const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: 64 * 1024 });
  let isClosing = false;

  const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => {});
    void accept(req, socket, head).catch((err: unknown) => {
      const refusal = toRefusal(err);
      metrics.refusals.inc({ reason: refusal.reason });
      if (refusal.status >= 500) logger.warn({ err, reason: refusal.reason }, 'live: upgrade refused');
      else logger.debug({ reason: refusal.reason }, 'live: upgrade refused');
      refuse(socket, refusal);
    });
  };

  const accept = async (req: IncomingMessage, socket: Socket, head: Buffer) => {
    // The query string may carry a ticket: only the path is ever logged.
    const url = new URL(req.url ?? '/', 'http://live.invalid');
    if (url.pathname !== LIVE_PATH) throw new UpgradeRefusal(404, 'NOT_FOUND', `No WebSocket endpoint at ${url.pathname}`, 'not_found');
    if (isClosing || lifecycle.isDraining) {
      throw new UpgradeRefusal(503, 'OVERLOADED', 'This replica is shutting down; connect to another', 'draining', 1);
    }
    if (hub.connections.size >= config.maxConnections) {
      throw new UpgradeRefusal(503, 'OVERLOADED', 'This replica has as many live connections as it takes', 'capacity', 5);
    }
    checkOrigin(req, config.allowedOrigins);
    const principal = await authenticateUpgrade(req, url, db, options.adminToken);
    if (isClosing) throw new UpgradeRefusal(503, 'OVERLOADED', 'This replica is shutting down; connect to another', 'draining', 1);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new LiveConnection(ws, socket, principal, hub, db, config, metrics);
      hub.attach(connection);
      ws.on('close', () => connection.closed());
      ws.on('error', () => connection.terminate());
      connection.send({ type: 'welcome', heartbeatMs: config.heartbeatMs });
      logger.debug({ actor: principal.actor.name, role: principal.role }, 'live: connected');
    });
  };
  server.on('upgrade', onUpgrade);

  const heartbeat = setInterval(() => hub.heartbeat(), config.heartbeatMs);
  heartbeat.unref();
  const prune = async () => {
    try {
      const pruned = await db.write((sql) => pruneOutbox(sql, config.retentionMs));
      if (pruned.events) logger.info({ ...pruned }, 'live: outbox pruned');
    } catch (err) {
      logger.warn({ err }, 'live: pruning the outbox failed; next round will retry');
    }
  };
  const pruner = setInterval(() => void prune(), config.pruneIntervalMs);
  pruner.unref();

  return {
    hub,
    feed,
    metrics,
    prune,
    close: async () => {
      isClosing = true;
      server.off('upgrade', onUpgrade);
      clearInterval(heartbeat);
      clearInterval(pruner);
      const open = [...hub.connections];
      for (const connection of open) connection.close(LIVE_CLOSE.goingAway, 'server shutting down: reconnect');
      // Clients answer the close at once; stragglers are cut by each connection's grace timer.
      const deadline = Date.now() + config.closeGraceMs;
      while (hub.connections.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      feed.stop();
      await link.stop();
      wss.close();
    },
  };
}

function toRefusal(err: unknown): UpgradeRefusal {
  if (err instanceof UpgradeRefusal) return err;
  // Database failures are told apart the way the API tells them (http/errors.ts); anything else is our fault, but a
  // live client can only retry, so it gets a 503 too rather than a 500.
  const failure = toAppError(err);
  if (failure.code === 'DATABASE_UNAVAILABLE' || failure.code === 'OVERLOADED') {
    return new UpgradeRefusal(503, failure.code, failure.message, 'database', Math.ceil(failure.retryAfterSeconds ?? 5));
  }
  return new UpgradeRefusal(503, 'DATABASE_UNAVAILABLE', 'The live feed could not accept the connection; retry shortly', 'error', 5);
}

/** Answers a refused upgrade in plain HTTP with the API's error envelope, then closes the socket. */
function refuse(socket: Socket, refusal: UpgradeRefusal): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(errorEnvelope(refusal, randomUUID()));
  const headers = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(refusal.status === 401 ? ['WWW-Authenticate: Bearer'] : []),
    ...(refusal.retryAfterSeconds !== undefined ? [`Retry-After: ${refusal.retryAfterSeconds}`] : []),
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}
