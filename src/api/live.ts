/**
 * The browser side of the sidecar's live feed (README "Live feed"): one WebSocket per app page load,
 * opened with a single-use ticket fetched through Grafana's proxy, shared by every subscriber. It reconnects with
 * jittered backoff and resumes from the last seq it saw, so a page misses nothing across a dropped link, a sidecar
 * restart or a replica going away (1001). Uses the browser's WebSocket; nothing here is Node's ws.
 */

import {
  LIVE_CLOSE,
  RESUME_AT_ONCE,
  type ClientMessage,
  type LiveEvent,
  type LiveTopic,
  type ServerMessage,
} from '../../contract/live';

// The protocol's messages, topics and close codes are shared with the sidecar (contract/live.ts).
export type { LiveEvent, LiveTopic };

/**
 * `connecting`: first connection, not live yet. `live`: subscribed and current. `reconnecting`: the link dropped a
 * moment ago and is being re-established. `down`: not live for longer than the grace period (show it). `off`: no
 * live URL could be worked out from the app's settings.
 */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'down' | 'off';

export interface LiveStatus {
  state: LiveState;
  /** When the link came back after being down (cleared when it goes down again). */
  recoveredAt: number | null;
  /** Why the last attempt failed, for a tooltip. */
  lastError: string | null;
}

export interface TopicListener {
  onEvent(event: LiveEvent): void;
  /**
   * Refetch the state from the API: the feed cannot say what changed before this point. Called when a topic goes
   * live without a replay (first subscription: whatever was committed between the page's fetch and now), and when
   * the sidecar could not replay what was missed (resync_required: past retention).
   */
  onResync?(): void;
}

export interface LiveClientOptions {
  /** ws:// or wss:// URL of the sidecar's /live endpoint. */
  url: string;
  /** A fresh single-use ticket (POST /api/live/tickets through Grafana's proxy). */
  getTicket: () => Promise<string>;
  WebSocketImpl?: typeof WebSocket;
  /** First reconnect delay; doubled per failed attempt up to maxDelayMs, with full jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How long the link may be gone before the status says `down` (a replica handover takes less). */
  downAfterMs?: number;
  /** How long to keep the socket after the last subscriber left (a page change re-subscribes at once). */
  lingerMs?: number;
  random?: () => number;
}

export class LiveClient {
  private readonly listeners = new Map<string, Set<TopicListener>>();
  private readonly statusListeners = new Set<(status: LiveStatus) => void>();
  private current: LiveStatus = { state: 'connecting', recoveredAt: null, lastError: null };
  private socket: WebSocket | null = null;
  /** Highest seq up to which this client has every event on its topics; sent as `since` on reconnect. */
  private cursor: number | null = null;
  private attempt = 0;
  private hasBeenLive = false;
  private isLive = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private downTimer: ReturnType<typeof setTimeout> | undefined;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private silenceLimitMs = 60_000;
  private isClosed = false;
  private isConnecting = false;
  /** Topics subscribed without `since`: their listeners refetch once the subscription is confirmed. */
  private readonly freshTopics = new Set<string>();

  constructor(private readonly options: LiveClientOptions) {}

  get status(): LiveStatus {
    return this.current;
  }

  /** Follows `topic`; returns the function that stops. The first subscriber opens the connection. */
  subscribe(topic: LiveTopic, listener: TopicListener): () => void {
    let set = this.listeners.get(topic);
    const isNewTopic = !set;
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    set.add(listener);
    clearTimeout(this.lingerTimer);
    if (!this.socket && !this.isConnecting && this.retryTimer === undefined) {
      void this.connect();
    } else if (isNewTopic) {
      // Live from now: the page fetches the current state itself, so no replay is needed for a new topic. (If the
      // socket is not open yet, its opening subscribe names every topic.)
      this.freshTopics.add(topic);
      this.send({ type: 'subscribe', topics: [topic] });
    }
    return () => this.unsubscribe(topic, listener);
  }

  onStatus(listener: (status: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Closes the connection for good (tests, page unload). */
  close(): void {
    this.isClosed = true;
    this.clearTimers();
    this.socket?.close(LIVE_CLOSE.normal);
    this.socket = null;
  }

  private unsubscribe(topic: string, listener: TopicListener): void {
    const set = this.listeners.get(topic);
    if (!set?.delete(listener) || set.size > 0) {
      return;
    }
    this.listeners.delete(topic);
    this.send({ type: 'unsubscribe', topics: [topic] });
    if (this.listeners.size === 0) {
      this.lingerTimer = setTimeout(() => this.disconnect(), this.options.lingerMs ?? 5000);
    }
  }

  private disconnect(): void {
    if (this.listeners.size > 0) {
      return;
    }
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    this.isLive = false;
    socket?.close(LIVE_CLOSE.normal);
    this.setStatus({ state: 'connecting', recoveredAt: null, lastError: null });
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    if (this.isClosed || this.listeners.size === 0) {
      return;
    }
    this.isConnecting = true;
    let ticket: string;
    try {
      ticket = await this.options.getTicket();
    } catch (e) {
      this.isConnecting = false;
      this.lost(e instanceof Error ? e.message : 'Could not get a live ticket');
      return;
    }
    this.isConnecting = false;
    if (this.isClosed || this.listeners.size === 0) {
      return;
    }
    const url = new URL(this.options.url);
    url.searchParams.set('ticket', ticket);
    const Impl = this.options.WebSocketImpl ?? WebSocket;
    const socket = new Impl(url.toString());
    this.socket = socket;
    socket.onopen = () => {
      const topics = [...this.listeners.keys()];
      if (this.cursor === null) {
        topics.forEach((t) => this.freshTopics.add(t));
      }
      const since = this.cursor === null ? {} : { since: this.cursor };
      this.send({ type: 'subscribe', topics, ...since });
      this.armWatchdog();
    };
    socket.onmessage = (message) => {
      if (socket === this.socket) {
        this.onMessage(JSON.parse(String(message.data)) as ServerMessage);
      }
    };
    socket.onclose = (event) => {
      // The replica is going away, or we were too slow: both mean "come back now and resume".
      const isHandover = RESUME_AT_ONCE.includes(event.code);
      this.drop(socket, event.reason || `connection closed (${event.code})`, isHandover);
    };
  }

  private onMessage(message: ServerMessage): void {
    this.armWatchdog();
    switch (message.type) {
      case 'welcome':
        // Silence for two and a half heartbeats means the link is dead even if the browser has not noticed.
        this.silenceLimitMs = message.heartbeatMs * 2.5;
        break;
      case 'subscribed':
        this.advance(message.seq);
        this.becameLive();
        for (const topic of message.topics.filter((t) => this.freshTopics.delete(t))) {
          this.listeners.get(topic)?.forEach((l) => l.onResync?.());
        }
        break;
      case 'heartbeat':
        this.advance(message.seq);
        break;
      case 'event':
        this.advance(message.seq);
        this.listeners.get(message.topic)?.forEach((l) => l.onEvent(message));
        break;
      case 'resync_required':
        for (const topic of message.topics) {
          this.listeners.get(topic)?.forEach((l) => l.onResync?.());
        }
        break;
      case 'error':
        this.setStatus({ ...this.current, lastError: message.message });
        break;
    }
  }

  private advance(seq: number): void {
    this.cursor = this.cursor === null ? seq : Math.max(this.cursor, seq);
  }

  private becameLive(): void {
    this.isLive = true;
    this.attempt = 0;
    clearTimeout(this.downTimer);
    this.downTimer = undefined;
    const wasDown = this.current.state === 'down';
    this.hasBeenLive = true;
    this.setStatus({ state: 'live', recoveredAt: wasDown ? Date.now() : this.current.recoveredAt, lastError: null });
  }

  private lost(reason: string, isHandover = false): void {
    this.isLive = false;
    clearTimeout(this.watchdog);
    if (this.isClosed || this.listeners.size === 0) {
      return;
    }
    const state = this.current.state === 'down' ? 'down' : this.hasBeenLive ? 'reconnecting' : 'connecting';
    this.setStatus({ state, recoveredAt: state === 'down' ? null : this.current.recoveredAt, lastError: reason });
    if (this.downTimer === undefined && this.current.state !== 'down') {
      this.downTimer = setTimeout(() => {
        if (!this.isLive) {
          this.setStatus({ ...this.current, state: 'down', recoveredAt: null });
        }
      }, this.options.downAfterMs ?? 2000);
    }
    const base = this.options.baseDelayMs ?? 500;
    const cap = Math.min(this.options.maxDelayMs ?? 10_000, base * 2 ** this.attempt);
    const random = this.options.random ?? Math.random;
    // Full jitter, so a sidecar restart is not met by every browser at the same instant.
    const delay = isHandover && this.attempt === 0 ? random() * 250 : cap / 2 + (random() * cap) / 2;
    this.attempt++;
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  /** Forgets `socket` (if still the current one) and starts reconnecting. */
  private drop(socket: WebSocket, reason: string, isHandover = false): void {
    if (socket !== this.socket) {
      return;
    }
    this.socket = null;
    this.lost(reason, isHandover);
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    const socket = this.socket;
    if (!socket) {
      return;
    }
    // A dead peer may never complete a close handshake: stop waiting for it and reconnect right away.
    this.watchdog = setTimeout(() => {
      socket.close(LIVE_CLOSE.serverSilent, 'no message from the sidecar');
      this.drop(socket, 'no message from the sidecar');
    }, this.silenceLimitMs);
  }

  private send(message: ClientMessage): void {
    if (this.socket?.readyState === 1) {
      this.socket.send(JSON.stringify(message));
    }
  }

  private setStatus(status: LiveStatus): void {
    this.current = status;
    this.statusListeners.forEach((l) => l(status));
  }

  private clearTimers(): void {
    for (const timer of [this.retryTimer, this.downTimer, this.lingerTimer, this.watchdog]) {
      clearTimeout(timer);
    }
    this.retryTimer = this.downTimer = this.lingerTimer = this.watchdog = undefined;
  }
}
