import type { Database } from '../store/db.js';
import { EVENT_DATA_SQL } from '../store/events.js';
import { textFrame } from './frame.js';
import { advance, allFinished, parseSnapshot, widenXid, type OrderingState } from './ordering.js';

/** One outbox row as the live feed sends it. */
export interface FeedEvent {
  seq: number;
  topic: string;
  /** When the writing transaction started (events.at); for the dispatch delay metric. */
  at: Date;
  /**
   * The `{"type":"event",...}` message as a complete WebSocket frame: serialised once (by Postgres) and framed once
   * (frame.ts), then written as is to every subscribed socket. Null when no connection of this replica follows the
   * topic: nobody here would read it, so it is not built.
   */
  frame: Buffer | null;
}

/** An event whose frame was built: one some connection here follows. */
export type BuiltEvent = FeedEvent & { frame: Buffer };

export interface OutboxFeedOptions {
  db: Database;
  /**
   * This replica's followers by topic right now (LiveHub.followers): only followed topics' messages are built. Asked
   * before each read and again just before a batch is handed out, so a subscription made while a read was in
   * flight still gets its events.
   */
  followers: () => ReadonlyMap<string, unknown>;
  /** Rows per read; a burst is read in batches of this size. */
  batchSize?: number;
  /** Read even without a notification this often: the safety net for a LISTEN connection that is down. */
  pollMs?: number;
  /** How soon to look again while a gap is pending (a rolled-back transaction sends no notification). */
  gapRetryMs?: number;
  /** The longest wait for a gap (and for the start), see PendingGap.deadline. */
  gapTimeoutMs?: number;
  /** Seqs skipped at a gap's deadline (they belonged to a transaction open that long, if to any). */
  onGapAbandoned?: (seqs: number) => void;
  /** Called synchronously with every batch of events that can go out, in seq order, once each. */
  onEvents: (events: FeedEvent[]) => void;
  onError: (err: unknown) => void;
}

// The longest pause after a batch: a fan-out slower than this is already a big batch, and latency matters more.
const MAX_PAUSE_MS = 50;

interface Row {
  snapshot: string;
  seq: string | null;
  topic: string | null;
  at: Date | null;
  message: string | null;
}

/**
 * The wire form of an event, built in SQL so the payload is never parsed and re-serialised in Node: the JSON text
 * Postgres produces goes to every client as it is.
 */
export const EVENT_MESSAGE_SQL = `json_build_object('type', 'event', 'seq', seq, 'topic', topic, 'event', type,
  'data', ${EVENT_DATA_SQL}, 'actor', actor, 'at', at)::text`;

/**
 * Reads the outbox in seq order from its horizon and hands out each event exactly once, without a gap: see
 * ordering.ts for why a missing seq is waited for. `horizon` is the seq up to which every event has been handed
 * out: a subscriber that registers now gets events after it from onEvents, and replays up to it from the table.
 */
export class OutboxFeed {
  private state: OrderingState = { horizon: 0, gap: null };
  private isReading = false;
  private isReadAgain = false;
  private isStopped = false;
  private isStarted = false;
  /** performance.now() before which the next read waits (see the pause after each batch). */
  private notBefore = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly gapRetryMs: number;
  private readonly gapTimeoutMs: number;

  constructor(private readonly options: OutboxFeedOptions) {
    this.batchSize = options.batchSize ?? 1000;
    this.pollMs = options.pollMs ?? 1000;
    this.gapRetryMs = options.gapRetryMs ?? 10;
    this.gapTimeoutMs = options.gapTimeoutMs ?? 30_000;
  }

  get horizon(): number {
    return this.state.horizon;
  }

  /**
   * Starts at the outbox's current end. Transactions still running may hold seqs below it, so the start waits until
   * those have finished (milliseconds; at most a statement timeout): after that nothing below the start can appear.
   */
  async start(): Promise<void> {
    const [first] = await this.options.db.read(
      (sql) => sql<{ max: string }[]>`select coalesce(max(seq), 0)::text as max from events`
    );
    // Same reasoning as a gap (ordering.ts): whoever may own an unseen seq below the start is running now.
    const running = await this.runningTransactions();
    for (const deadline = performance.now() + this.gapTimeoutMs; performance.now() < deadline; ) {
      const [now] = await this.options.db.read((sql) => sql<{ snapshot: string }[]>`select pg_current_snapshot()::text as snapshot`);
      if (allFinished(running, parseSnapshot(now!.snapshot))) break;
      await new Promise((resolve) => setTimeout(resolve, this.gapRetryMs));
    }
    this.state = { horizon: Number(first!.max), gap: null };
    this.isStarted = true;
    // Whatever was committed during the wait is read now, not at the first poll.
    this.wake();
  }

  /** Something was committed (a notification) or may have been (LISTEN re-established): read now. */
  wake(): void {
    // Before start() the position is unknown: reading from 0 would hand out the whole history.
    if (this.isStopped || !this.isStarted) return;
    if (this.isReading) {
      this.isReadAgain = true;
      return;
    }
    const wait = this.notBefore - performance.now();
    if (wait > 0) this.schedule(wait);
    else void this.read();
  }

  stop(): void {
    this.isStopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.isStopped) return;
    this.timer = setTimeout(() => this.wake(), ms);
    this.timer.unref();
  }

  private async read(): Promise<void> {
    this.isReading = true;
    let nextMs = this.pollMs;
    try {
      do {
        this.isReadAgain = false;
        const rows = await this.fetch(this.state.horizon);
        if (this.isStopped) return;
        const events = rows.filter((r) => r.seq !== null).map(toEvent);
        const next = advance(this.state, events, parseSnapshot(rows[0]!.snapshot), performance.now());
        // A subscriber replays up to the horizon and takes the rest from onEvents, so the frames it needs must be
        // built before the horizon moves: the last check and the hand-out run with no await between them.
        const tried = new Set<number>();
        for (let missing = this.unbuilt(next.ready, tried); missing.length; missing = this.unbuilt(next.ready, tried)) {
          await this.buildFrames(missing, tried);
          if (this.isStopped) return;
        }
        this.state = { horizon: next.horizon, gap: next.gap };
        if (next.abandoned) this.options.onGapAbandoned?.(next.abandoned);
        if (next.ready.length) {
          const started = performance.now();
          this.options.onEvents(next.ready);
          // Under a burst, fan-out gets about half of the event loop and the API (whose writes these are) the other
          // half: pause as long as this batch took. Events gather meanwhile, and the next batch reaches each client
          // in one write however many events it holds.
          this.notBefore = performance.now() + Math.min(performance.now() - started, MAX_PAUSE_MS);
        }
        // Taken after the read, on purpose: see ordering.ts.
        if (next.noteAt !== undefined) {
          const running = await this.runningTransactions();
          this.state.gap = { upper: next.noteAt, running, deadline: performance.now() + this.gapTimeoutMs };
        }
        if (next.isBlocked) nextMs = this.gapRetryMs;
        else if (events.length === this.batchSize) this.isReadAgain = true;
        const wait = this.notBefore - performance.now();
        if (this.isReadAgain && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      } while (this.isReadAgain && !this.isStopped);
    } catch (err) {
      // The database is down or refusing: keep the position and try again on the next poll.
      this.options.onError(err);
    } finally {
      this.isReading = false;
      this.schedule(nextMs);
    }
  }

  /** Every transaction that holds a transaction id right now (each holds an exclusive lock on its own id). */
  private async runningTransactions(): Promise<bigint[]> {
    const [row] = await this.options.db.read(
      (sql) => sql<{ snapshot: string; xids: string[] }[]>`
        select pg_current_snapshot()::text as snapshot,
               coalesce(array_agg(transactionid::text), '{}'::text[]) as xids
        from pg_locks where locktype = 'transactionid' and mode = 'ExclusiveLock' and granted`
    );
    const { xmax } = parseSnapshot(row!.snapshot);
    return row!.xids.map((x) => widenXid(BigInt(x), xmax));
  }

  private fetch(after: number): Promise<Row[]> {
    const topics = [...this.options.followers().keys()];
    // One statement, so the rows and the snapshot that explains what is missing from them are the same view. Every
    // row is read (the horizon needs every seq), but only followed topics' messages are built.
    return this.options.db.read(
      (sql) => sql<Row[]>`
        select s.snapshot::text as snapshot, e.seq::text as seq, e.topic, e.at, e.message
        from (select pg_current_snapshot() as snapshot) s
        left join lateral (
          select seq, topic, at,
                 case when topic in (select unnest(${topics}::text[])) then ${sql.unsafe(EVENT_MESSAGE_SQL)} end as message
          from events where seq > ${after} order by seq limit ${this.batchSize}
        ) e on true
        order by e.seq`
    );
  }

  /** Events without a frame whose topic gained a follower after the read that fetched them (and not tried yet). */
  private unbuilt(events: FeedEvent[], tried: Set<number>): FeedEvent[] {
    const followed = this.options.followers();
    return events.filter((e) => e.frame === null && followed.has(e.topic) && !tried.has(e.seq));
  }

  /** Builds the frames of `events`; an event gone from the table since (retention) is tried once, then left unsent. */
  private async buildFrames(events: FeedEvent[], tried: Set<number>): Promise<void> {
    const seqs = events.map((e) => e.seq);
    for (const seq of seqs) tried.add(seq);
    const rows = await this.options.db.read(
      (sql) => sql<{ seq: string; message: string }[]>`
        select seq::text as seq, ${sql.unsafe(EVENT_MESSAGE_SQL)} as message from events where seq = any(${seqs}::bigint[])`
    );
    const bySeq = new Map(events.map((e) => [e.seq, e]));
    for (const row of rows) bySeq.get(Number(row.seq))!.frame = textFrame(Buffer.from(row.message));
  }
}

function toEvent(row: Row): FeedEvent {
  const frame = row.message === null ? null : textFrame(Buffer.from(row.message));
  return { seq: Number(row.seq), topic: row.topic!, at: row.at!, frame };
}
