import postgres from 'postgres';

/** 100 ms doubling to 5 s, ±25 %: the database's own restart takes seconds, and replicas should not reconnect in step. */
const retryDelay = (attempt: number) => Math.min(5000, 100 * 2 ** attempt) * (0.75 + Math.random() / 2);

export interface ListenOptions {
  /** Connection URL of the studio database (the same one the pool uses). */
  url: string;
  channel: string;
  /** A notification arrived: something was committed to the outbox. */
  onNotify: () => void;
  /** LISTEN is (again) in place; anything committed while it was not has to be read now. */
  onListen: () => void;
  onError: (err: unknown) => void;
}

/**
 * One dedicated connection that LISTENs, re-established with backoff whenever it drops (database restart,
 * failover, idle proxies). postgres.js's own sql.listen gives up silently if its reconnect fails while the database
 * is still down, and hides its connection's close from us, so the connection is ours: notifications arrive through
 * `onnotify`, drops through `onclose`. Nothing else runs on it, so the LISTEN stays on the one connection.
 * Notifications are only a wake-up call: the reader (outbox.ts) always reads from its own position, so a notification
 * lost in a drop costs latency (until onListen or the next poll), never an event.
 */
export class ListenLink {
  private client: postgres.Sql | undefined;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private isStopped = false;

  constructor(private readonly options: ListenOptions) {}

  /** Starts listening in the background; the first onListen says it is in place. */
  start(): void {
    void this.connect();
  }

  get isListening(): boolean {
    return this.client !== undefined;
  }

  private async connect(): Promise<void> {
    if (this.isStopped) return;
    const { url, channel, onNotify } = this.options;
    // `onnotify` is a postgres.js option its types leave out (sql.listen is built on it).
    const notify = {
      onnotify: (name: string) => {
        if (name === channel) onNotify();
      },
    } as object;
    const client: postgres.Sql = postgres(url, {
      max: 1,
      // Never closed for its age (idle_timeout is off by default): a LISTEN connection is idle by design.
      max_lifetime: null,
      connect_timeout: 5,
      onnotice: () => {},
      onclose: () => this.dropped(client),
      connection: { application_name: 'reliability-studio-live' },
      ...notify,
    });
    try {
      await client.unsafe(`listen "${channel.replace(/"/g, '""')}"`);
      if (this.isStopped) {
        await client.end({ timeout: 0 });
        return;
      }
      this.client = client;
      this.attempt = 0;
      this.options.onListen();
    } catch (err) {
      this.options.onError(err);
      this.dropped(client);
    }
  }

  private dropped(client: postgres.Sql): void {
    if (this.client !== undefined && this.client !== client) return;
    this.client = undefined;
    void client.end({ timeout: 0 }).catch(() => {});
    if (this.isStopped || this.retryTimer) return;
    const delay = retryDelay(this.attempt++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  /** Stops listening and closes the connection. */
  async stop(): Promise<void> {
    this.isStopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end({ timeout: 1 });
  }
}
