import WebSocket from 'ws';
import { liveUrl } from '../../test/support/liveClient.js';

/**
 * A live-feed client as the plugin's is meant to behave: subscribes to `incidents`, and whenever its socket closes
 * it reconnects (to the next replica in its list when one refuses) and resumes with `since` = the last seq it saw.
 * It records every event seq it received, so the experiment can compare with the outbox.
 */
export class ResumingClient {
  /** Every event seq received, in arrival order (duplicates kept, to be counted). */
  readonly seqs: number[] = [];
  /** The horizon of the first subscription: the client is owed every `incidents` event after it. */
  startSeq: number | undefined;
  lastSeq = 0;
  /** Close codes of the sockets it lost. */
  readonly closes: number[] = [];
  /** Date.now() of each resubscription after a loss (the `subscribed` answer). */
  readonly resumedAt: number[] = [];
  /** Which replica URL each session used, in order. */
  readonly sessions: string[] = [];
  resyncs = 0;
  private ws: WebSocket | undefined;
  private isStopped = false;
  private target = 0;
  private firstSubscribed!: () => void;
  /** Resolves once the first subscription is confirmed. */
  readonly ready = new Promise<void>((resolve) => (this.firstSubscribed = resolve));

  constructor(
    private readonly urls: string[],
    private readonly token: string,
    private readonly topic = 'incidents'
  ) {}

  start(): this {
    this.connect();
    return this;
  }

  private connect(): void {
    if (this.isStopped) return;
    const url = this.urls[this.target % this.urls.length]!;
    const ws = new WebSocket(liveUrl(url), { headers: { authorization: `Bearer ${this.token}` } });
    this.ws = ws;
    let isOpen = false;
    ws.on('open', () => {
      isOpen = true;
      this.sessions.push(url);
      const since = this.startSeq === undefined ? {} : { since: this.lastSeq };
      ws.send(JSON.stringify({ type: 'subscribe', topics: [this.topic], ...since }));
    });
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; seq?: number };
      if (message.type === 'event' && message.seq !== undefined) {
        this.seqs.push(message.seq);
        this.lastSeq = Math.max(this.lastSeq, message.seq);
      } else if (message.type === 'subscribed') {
        if (this.startSeq === undefined) {
          this.startSeq = message.seq ?? 0;
          this.firstSubscribed();
        } else {
          this.resumedAt.push(Date.now());
        }
        this.lastSeq = Math.max(this.lastSeq, message.seq ?? 0);
      } else if (message.type === 'resync_required') {
        this.resyncs++;
      }
    });
    ws.on('error', () => {
      // 'close' follows; a refused or failed connect moves on to the next replica.
    });
    ws.on('close', (code) => {
      if (this.ws !== ws) return;
      if (isOpen) this.closes.push(code);
      else this.target++;
      if (this.isStopped) return;
      // Spread the reconnects a little, as real clients' backoff would.
      setTimeout(() => this.connect(), 100 + Math.random() * 200);
    });
  }

  /** Closes the socket for good. */
  async stop(): Promise<void> {
    this.isStopped = true;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.terminate();
    });
  }
}

export interface GapReport {
  clients: number;
  /** Owed events (outbox seqs after the client's start) that the client never got, summed over clients. */
  missing: number;
  duplicates: number;
  clientsWithGap: number;
  resyncs: number;
}

/** Compares each client's received seqs with the outbox's `incidents` seqs after its start. */
export function compareWithOutbox(clients: ResumingClient[], outboxSeqs: number[]): GapReport {
  let missing = 0;
  let duplicates = 0;
  let clientsWithGap = 0;
  let resyncs = 0;
  for (const client of clients) {
    if (client.startSeq === undefined) {
      clientsWithGap++; // never subscribed at all
      continue;
    }
    const received = new Set(client.seqs);
    duplicates += client.seqs.length - received.size;
    const owed = outboxSeqs.filter((s) => s > (client.startSeq ?? Infinity));
    const lost = owed.filter((s) => !received.has(s)).length;
    missing += lost;
    if (lost > 0) clientsWithGap++;
    resyncs += client.resyncs;
  }
  return { clients: clients.length, missing, duplicates, clientsWithGap, resyncs };
}
