import type { LiveConnection } from './connection.js';
import type { LiveMetrics } from './metrics.js';
import type { BuiltEvent, FeedEvent } from './outbox.js';

/**
 * This replica's connections by topic, and the fan-out of each batch of outbox events to them. Sending never waits:
 * each write lands in the client's own buffer, and a client whose buffer is over its cap is closed (1013) instead of
 * slowing the loop, so one slow client cannot delay the others.
 */
export class LiveHub {
  readonly connections = new Set<LiveConnection>();
  private readonly byTopic = new Map<string, Set<LiveConnection>>();
  private batch = 0;
  private subscriptionCount = 0;

  constructor(
    private readonly feed: { readonly horizon: number },
    private readonly metrics: LiveMetrics
  ) {}

  /** The connections following each topic; a topic nobody follows is absent. The outbox feed builds these only. */
  get followers(): ReadonlyMap<string, ReadonlySet<LiveConnection>> {
    return this.byTopic;
  }

  /** Every event up to this seq has been handed to the hub (see OutboxFeed.horizon). */
  get horizon(): number {
    return this.feed.horizon;
  }

  attach(connection: LiveConnection): void {
    this.connections.add(connection);
    this.metrics.connections.set(this.connections.size);
  }

  add(connection: LiveConnection, topics: string[]): void {
    for (const topic of topics) {
      let subscribers = this.byTopic.get(topic);
      if (!subscribers) this.byTopic.set(topic, (subscribers = new Set()));
      if (!subscribers.has(connection)) {
        subscribers.add(connection);
        this.subscriptionCount++;
      }
    }
    this.metrics.subscriptions.set(this.subscriptionCount);
  }

  /** Takes the connection off `topics`, or off everything (and out of the hub) when topics are not given. */
  remove(connection: LiveConnection, topics?: Iterable<string>): void {
    for (const topic of topics ?? connection.topics) {
      const subscribers = this.byTopic.get(topic);
      if (subscribers?.delete(connection)) {
        this.subscriptionCount--;
        if (subscribers.size === 0) this.byTopic.delete(topic);
      }
    }
    if (!topics && this.connections.delete(connection)) this.metrics.connections.set(this.connections.size);
    this.metrics.subscriptions.set(this.subscriptionCount);
  }

  /**
   * Sends a batch (in seq order) to every subscriber. Each socket is corked for the whole batch, so a client that
   * follows several events of a burst gets them in one write (one syscall) instead of one each.
   */
  dispatch(events: FeedEvent[]): void {
    const mark = ++this.batch;
    const touched: LiveConnection[] = [];
    let sent = 0;
    const now = Date.now();
    for (const event of events) {
      this.metrics.dispatchDelay.observe(Math.max(0, now - event.at.getTime()) / 1000);
      const subscribers = this.byTopic.get(event.topic);
      // No frame: nobody here followed the topic when the batch was read (OutboxFeed builds it for every follower).
      if (!subscribers || !isBuilt(event)) continue;
      for (const connection of subscribers) {
        if (connection.batchMark !== mark) {
          connection.batchMark = mark;
          // A client still holding too much from earlier batches is closed here (and leaves `subscribers`).
          if (!connection.beginBatch()) continue;
          touched.push(connection);
        }
        if (connection.deliver(event)) sent++;
      }
    }
    for (const connection of touched) connection.endBatch();
    this.metrics.eventsRead.inc(events.length);
    if (sent) this.metrics.eventsSent.inc(sent);
  }

  /** One heartbeat round over every connection (server.ts runs it on a timer). */
  heartbeat(): void {
    for (const connection of [...this.connections]) connection.heartbeat();
  }
}

const isBuilt = (event: FeedEvent): event is BuiltEvent => event.frame !== null;
