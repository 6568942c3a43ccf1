/**
 * Per-channel send slots for the delivery worker (notify/worker.ts).
 *
 * At most `cap` sends to one channel run at once (NOTIFY_CHANNEL_CONCURRENCY), so a burst never floods a receiver.
 * A job beyond that waits in memory for a slot when its wait looks short by the channel's measured send time: a
 * burst to a fast channel then flows without a round trip through the queue per job. The others are moved later,
 * spread at the pace the channel's slots free up, so a slow or hanging channel holds few of the worker's jobs and
 * never delays the jobs of other channels.
 *
 * A slot is held for the send alone, not for the database work around it: holding it from claim to record made one
 * channel drain at 13–17 deliveries/s, the slot being busy with the database most of the time.
 */
export interface GateLimits {
  /** Sends at once per channel. */
  cap: number;
  /** Jobs one channel may hold (admitted, sending or waiting), so the other channels always find room. */
  maxAdmitted: number;
  /** A job is admitted only if its expected wait for a slot is at most this. */
  maxWaitMs: number;
}

interface Line {
  admitted: number;
  sending: number;
  waiting: Array<(isGranted: boolean) => void>;
  /** How long a send holds its slot: a moving average, ms. */
  holdMs: number;
  /** When the last job moved later falls due. */
  nextAt: number;
}

// The longest a job is moved ahead; past it the job is looked at again (and moved on if still no room).
const MAX_DEFER_MS = 60_000;
// A channel's send time until one is measured.
const FIRST_HOLD_MS = 100;

export class ChannelGate {
  private readonly lines = new Map<string, Line>();

  constructor(private readonly limits: GateLimits) {}

  /** Gives a job a place in the channel's line when its wait looks short; false: move it later (deferMs). */
  admit(channelId: string): boolean {
    const line = this.lineOf(channelId);
    const { cap, maxAdmitted, maxWaitMs } = this.limits;
    const sendsBefore = Math.max(0, line.admitted + 1 - cap);
    if (line.admitted >= maxAdmitted || (sendsBefore * line.holdMs) / cap > maxWaitMs) return false;
    line.admitted++;
    return true;
  }

  /** The admitted job is done with the channel (sent, or moved later). */
  leave(channelId: string): void {
    this.lineOf(channelId).admitted--;
  }

  /**
   * Waits for a send slot; resolves with the function that gives it back, or undefined when none freed up within
   * `timeoutMs` (the job is then moved later).
   */
  async acquire(channelId: string, timeoutMs: number): Promise<(() => void) | undefined> {
    const line = this.lineOf(channelId);
    if (line.sending < this.limits.cap) line.sending++;
    else {
      const waiting = line.waiting;
      const isGranted = await new Promise<boolean>((resolve) => {
        const grant = (granted: boolean) => {
          clearTimeout(timer);
          resolve(granted);
        };
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(grant), 1);
          resolve(false);
        }, timeoutMs);
        waiting.push(grant);
      });
      if (!isGranted) return undefined;
    }
    const heldFrom = performance.now();
    let isHeld = true;
    return () => {
      if (!isHeld) return;
      isHeld = false;
      line.holdMs = line.holdMs * 0.8 + (performance.now() - heldFrom) * 0.2;
      const next = line.waiting.shift();
      if (next)
        next(true); // the slot passes on; `sending` stays as it is
      else line.sending--;
    };
  }

  /**
   * How long to move a job ahead that found no room. Such jobs are spread at the pace the channel's slots free up,
   * behind the line already admitted, so each comes back about when there is room: moving them all by the same half
   * second made a backlog of hundreds come back together, to be moved again and again (a transaction each).
   */
  deferMs(channelId: string): number {
    const line = this.lineOf(channelId);
    const { cap } = this.limits;
    const now = Date.now();
    line.nextAt = Math.max(line.nextAt, now + (line.holdMs * Math.max(line.admitted, cap)) / cap) + line.holdMs / cap;
    return Math.min(line.nextAt - now, MAX_DEFER_MS) * (0.9 + Math.random() * 0.2);
  }

  private lineOf(channelId: string): Line {
    let line = this.lines.get(channelId);
    if (!line)
      this.lines.set(channelId, (line = { admitted: 0, sending: 0, waiting: [], holdMs: FIRST_HOLD_MS, nextAt: 0 }));
    return line;
  }
}
