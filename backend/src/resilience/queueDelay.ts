/**
 * How long calls wait in a bulkhead's queue before they run, as CoDel (RFC 8289) reads a queue: the *smallest*
 * wait among the calls that started in the last interval. A burst makes some calls wait and drains; a standing
 * queue makes every call wait, the luckiest included. Shedding on this rather than on the queue's length keeps
 * the wait of admitted requests bounded however slowly the queue drains: under 5x overload, with the event loop
 * busy refusing, 50 queued reads (half the queue) meant waits of 400 ms and more.
 */
export class QueueDelay {
  private windowStartedAt: number;
  private windowMinMs = Infinity;
  private lastMs = 0;

  /** @param isQueueEmpty whether nothing waits right now: a window without starts then reads as no delay. */
  constructor(
    private readonly isQueueEmpty: () => boolean,
    private readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now()
  ) {
    this.windowStartedAt = now();
  }

  /** A call started after waiting `waitedMs` in the queue. */
  record(waitedMs: number): void {
    this.roll();
    if (waitedMs < this.windowMinMs) this.windowMinMs = waitedMs;
  }

  /** The smallest wait of the last complete interval, in ms. */
  current(): number {
    this.roll();
    return this.lastMs;
  }

  private roll(): void {
    const now = this.now();
    const elapsed = now - this.windowStartedAt;
    if (elapsed < this.intervalMs) return;
    // The window read is the last complete interval only if no whole interval has passed since it ended. Otherwise
    // no call started in the last interval: nothing waits (idle), or the queue is stuck and the reading stands.
    if (this.windowMinMs !== Infinity && elapsed < 2 * this.intervalMs) this.lastMs = this.windowMinMs;
    else if (this.isQueueEmpty()) this.lastMs = 0;
    else if (this.windowMinMs !== Infinity) this.lastMs = Math.max(this.lastMs, this.windowMinMs);
    this.windowMinMs = Infinity;
    this.windowStartedAt = now;
  }
}
