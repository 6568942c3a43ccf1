import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Principal } from '../http/context.js';
import type { Database } from '../store/db.js';
import type { BuiltEvent } from './outbox.js';
import type { LiveMetrics } from './metrics.js';
import { LIVE_CLOSE } from '../../../contract/live.js';
import { errorMessage, mayRead, parseClientMessage, type ServerMessage } from './protocol.js';
import { checkReplay, readReplayPage } from './replay.js';

/** What a connection needs from the hub it belongs to. */
export interface HubPort {
  readonly horizon: number;
  add(connection: LiveConnection, topics: string[]): void;
  remove(connection: LiveConnection, topics?: Iterable<string>): void;
}

export interface ConnectionLimits {
  /** Bytes queued for the client (ws.bufferedAmount) above which it counts as too slow and is closed with 1013. */
  maxBufferedBytes: number;
  /** Live events held back while a replay runs; past this the client is closed with 1013 too. */
  maxHeldEvents: number;
  /** Client messages allowed per 10 s; past this the connection is closed with 1008. */
  maxMessagesPer10s: number;
  /** How long a closing connection may take to finish the close handshake before it is cut. */
  closeGraceMs: number;
}

const REPLAY_PAGE = 500;

/**
 * One client: its topics, its place in the stream, and everything that may close it. Events reach it from the hub
 * (deliver) or from a replay; while a replay runs, live events are held and flushed after it, so the client sees
 * each event once, in seq order. Messages from the client are handled one at a time, in order.
 */
export class LiveConnection {
  readonly topics = new Set<string>();
  /** Cleared by every heartbeat round, set by the client's pong: two rounds without one means the peer is gone. */
  isAlive = true;
  /** The hub's batch this connection was last touched in (hub.ts corks each socket once per batch). */
  batchMark = 0;
  private held: BuiltEvent[] | null = null;
  /** Per topic, events up to here were seen by the client on another replica (it resumed with a `since` ahead of ours). */
  private readonly skipThrough = new Map<string, number>();
  private isClosed = false;
  private work: Promise<void> = Promise.resolve();
  private messageTimes: number[] = [];

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    readonly principal: Principal,
    private readonly hub: HubPort,
    private readonly db: Database,
    private readonly limits: ConnectionLimits,
    private readonly metrics: LiveMetrics
  ) {
    ws.on('message', (data, isBinary) => this.onMessage(data.toString(), isBinary));
    ws.on('pong', () => (this.isAlive = true));
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Sends a protocol message (not an event). */
  send(message: ServerMessage): void {
    if (!this.isClosed && this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  /**
   * Starts a batch of live events: refuses (closing the client with 1013) if what is still queued from earlier is
   * over the cap, else corks the socket so the whole batch leaves in one write.
   */
  beginBatch(): boolean {
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.closeSlow();
      return false;
    }
    this.socket.cork();
    return true;
  }

  endBatch(): void {
    this.socket.uncork();
  }

  /** A live event on one of this connection's topics. Returns true when it was sent now (not held or skipped). */
  deliver(event: BuiltEvent): boolean {
    if (event.seq <= (this.skipThrough.get(event.topic) ?? 0)) return false;
    if (this.held) {
      this.held.push(event);
      if (this.held.length > this.limits.maxHeldEvents) this.closeSlow();
      return false;
    }
    return this.write(event.frame);
  }

  /** Writes a pre-built frame (frame.ts) straight to the socket, unless the socket is closing. */
  private write(frame: Buffer): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    this.socket.write(frame);
    return true;
  }

  /** The periodic heartbeat: a ws ping (the client's pong proves it alive) and our position, for the cursor. */
  heartbeat(): void {
    if (!this.isAlive) {
      this.metrics.deadPeers.inc();
      this.terminate();
      return;
    }
    this.isAlive = false;
    this.ws.ping();
    // While replaying, the horizon is not yet true for this client; the `subscribed` message will say it.
    if (!this.held) this.send({ type: 'heartbeat', seq: this.hub.horizon });
  }

  /** Closes with `code`; a client that does not answer the close within the grace period is cut. */
  close(code: number, reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.held = null;
    this.hub.remove(this);
    this.ws.close(code, reason);
    setTimeout(() => this.ws.terminate(), this.limits.closeGraceMs).unref();
  }

  /** The socket is gone (closed by the client, cut, or terminated). */
  closed(): void {
    this.isClosed = true;
    this.held = null;
    this.hub.remove(this);
  }

  terminate(): void {
    this.closed();
    this.ws.terminate();
  }

  private closeSlow(): void {
    if (this.isClosed) return;
    this.metrics.slowConsumerCloses.inc();
    this.close(LIVE_CLOSE.tryAgainLater, 'too slow: reconnect and resume with since');
  }

  private onMessage(text: string, isBinary: boolean): void {
    this.isAlive = true;
    const now = Date.now();
    this.messageTimes = this.messageTimes.filter((t) => t > now - 10_000);
    this.messageTimes.push(now);
    if (this.messageTimes.length > this.limits.maxMessagesPer10s) {
      this.close(LIVE_CLOSE.policyViolation, 'too many messages');
      return;
    }
    if (isBinary) {
      this.reject(errorMessage('MALFORMED_MESSAGE', 'Messages must be JSON text frames'));
      return;
    }
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.reject(parsed.error);
      return;
    }
    const { message } = parsed;
    if (message.type === 'ping') {
      this.send({ type: 'pong' });
      return;
    }
    const forbidden = message.topics.filter((t) => !mayRead(this.principal.role, t));
    if (forbidden.length) {
      this.reject(errorMessage('FORBIDDEN', `Your role (${this.principal.role}) may not read ${forbidden.join(', ')}`, { topics: forbidden }));
      return;
    }
    // One at a time: a subscribe's replay must finish before the next message changes the topics.
    this.work = this.work.then(() =>
      message.type === 'subscribe' ? this.subscribe(message.topics, message.since) : this.unsubscribe(message.topics)
    );
  }

  private reject(error: ReturnType<typeof errorMessage>): void {
    this.metrics.clientErrors.inc({ code: error.code });
    this.send(error);
  }

  private unsubscribe(topics: string[]): void {
    for (const t of topics) this.topics.delete(t);
    this.hub.remove(this, topics);
    this.send({ type: 'unsubscribed', topics });
  }

  /**
   * Adds topics. Without `since` they go live at once. With it, the outbox is replayed for them from `since` up to
   * the hub's horizon at this moment, while live events (all after that horizon) are held; then `subscribed` says
   * how far the client now is, and the held events follow. Topics already subscribed are not replayed again.
   */
  private async subscribe(topics: string[], since: number | undefined): Promise<void> {
    if (this.isClosed) return;
    const fresh = topics.filter((t) => !this.topics.has(t));
    const through = this.hub.horizon;
    for (const t of fresh) this.topics.add(t);
    this.hub.add(this, fresh);
    if (since === undefined || fresh.length === 0) {
      this.send({ type: 'subscribed', topics, seq: through });
      return;
    }
    this.held = [];
    let position = through;
    try {
      const start = await this.db.read((sql) => checkReplay(sql, since));
      if (start.resync) {
        this.metrics.resyncs.inc({ reason: start.resync.reason });
        this.send({ type: 'resync_required', topics: fresh, since, ...start.resync });
      } else {
        position = Math.max(through, since);
        this.metrics.replays.inc();
        await this.replay(fresh, since, through);
        // The client is ahead of this replica (it saw those events elsewhere): do not send them twice.
        if (since > through) for (const t of fresh) this.skipThrough.set(t, since);
      }
    } catch {
      // The database is not answering: the client keeps its cursor and comes back later.
      this.close(LIVE_CLOSE.tryAgainLater, 'cannot replay now: reconnect and resume with since');
      return;
    }
    if (this.isClosed) return;
    const held = this.held ?? [];
    this.held = null;
    this.send({ type: 'subscribed', topics, seq: position });
    this.socket.cork();
    for (const event of held) this.deliver(event);
    this.socket.uncork();
  }

  private async replay(topics: string[], since: number, through: number): Promise<void> {
    for (let after = since; after < through && !this.isClosed; ) {
      const page = await this.db.read((sql) => readReplayPage(sql, topics, after, through, REPLAY_PAGE));
      if (page.length === 0 || this.isClosed) return;
      this.socket.cork();
      for (const row of page) this.write(row.frame);
      this.socket.uncork();
      this.metrics.replayedEvents.inc(page.length);
      after = page[page.length - 1]!.seq;
      if (page.length < REPLAY_PAGE) return;
      await this.drained();
    }
  }

  /** Waits until the client has taken most of what was sent, so a replay goes at the client's pace. */
  private async drained(): Promise<void> {
    while (!this.isClosed && this.ws.bufferedAmount > this.limits.maxBufferedBytes / 2) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
