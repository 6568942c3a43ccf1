import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from '../observability/logger.js';
import { errorEnvelope } from './errors.js';
import { classifyRoute, type RouteClass } from './limits.js';

// The histogram's timer fires every RESOLUTION_MS; a late firing records how late it was (plus the resolution).
const RESOLUTION_MS = 10;
// Each window's mean becomes the current reading, so shedding reacts within about two windows.
const WINDOW_MS = 500;

/**
 * The event loop belongs to the process, so one monitor serves every app built in it. It reports the *mean*
 * delay of the last window, not p99: a mean rises only when most turns of the loop are late, which is what a
 * backlog of requests looks like. A single 300 ms garbage collection or one big JSON body moves p99 (and would
 * shed a whole window of requests) but barely moves the mean.
 */
class EventLoopMonitor {
  private histogram: ELDHistogram | undefined;
  private delayMs = 0;

  /** Mean delay beyond the timer's resolution in the last complete window, in ms. */
  current(): number {
    if (!this.histogram) this.start();
    return this.delayMs;
  }

  private start(): void {
    const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
    this.histogram = histogram;
    const timer = setInterval(() => {
      // No sample at all means the loop was blocked for the whole window: keep the last reading.
      if (histogram.count > 0) this.delayMs = Math.max(0, histogram.mean / 1e6 - RESOLUTION_MS);
      histogram.reset();
    }, WINDOW_MS);
    timer.unref();
  }
}

const eventLoop = new EventLoopMonitor();

/** Share of the configured limits at which each class starts being shed: reads first, critical routes last. */
const SHARE: Record<Exclude<RouteClass, 'exempt'>, number> = { read: 0.5, write: 0.75, critical: 1 };

/** Retry-After for OVERLOADED: short, and spread over 1–3 s so refused clients do not all come back together. */
const retryAfterSeconds = () => 1 + Math.floor(Math.random() * 3);

export type ShedReason = 'in_flight' | 'event_loop_delay' | 'database_queue';

export interface SheddingOptions {
  /** In-flight requests at which even critical routes are refused; 0 turns this signal off. */
  maxInFlight: number;
  /** Mean event-loop delay (ms) at which even critical routes are refused; 0 turns this signal off. */
  maxEventLoopDelayMs: number;
  /**
   * How full the database's queue is (0–1, DependencyPolicy.queueShare). Reads are shed from half, writes from three
   * quarters; critical routes are left to the database's own bulkhead. Under 5× overload, the queue was where
   * requests piled up: admitted reads waited 0.5–1 s in it (after auth and parsing), and 73,000 were refused there
   * in 15 s while the in-flight and event-loop signals never fired.
   */
  databaseQueueShare?: () => number;
  /**
   * How long database calls wait in that queue now (ms, DependencyPolicy.queueDelayMs), and the wait at which
   * reads are shed from half and writes from three quarters (0 turns this signal off). The queue's length alone
   * let admitted reads wait 400 ms and more when the queue drained slowly.
   */
  databaseQueueDelayMs?: () => number;
  maxDatabaseQueueDelayMs?: number;
  /** Told of every refused request (see shedReporter); must be cheap, it runs at the overload's rate. */
  onShed?: (routeClass: Exclude<RouteClass, 'exempt'>, reason: ShedReason, c: Context) => void;
}

/** How often shedLoad's summary line is written while requests are being refused. */
export const SHED_SUMMARY_MS = 10_000;

/**
 * Counts refused requests in metrics and logs them as one warning per interval (with the counts), the first one at
 * once. One log line per refused request was the largest cost of shedding: at 5× the sustainable rate (tens of
 * thousands of lines) the logging itself kept the event loop busy, and /health/live waited seconds behind it.
 */
export function shedReporter(
  logger: Logger,
  count: (labels: { class: string; reason: ShedReason }) => void,
  intervalMs = SHED_SUMMARY_MS
): (routeClass: Exclude<RouteClass, 'exempt'>, reason: ShedReason) => void {
  let counts: Record<string, number> = {};
  let total = 0;
  let since = 0;
  let timer: NodeJS.Timeout | undefined;
  const report = () => {
    logger.warn({ shed: total, by: counts, window_ms: Date.now() - since }, `load shedding: ${total} requests refused with 503 OVERLOADED`);
    counts = {};
    total = 0;
    since = Date.now();
  };
  // Every interval that refused something ends with a line; a quiet one ends the episode.
  const tick = () => {
    if (total === 0) {
      timer = undefined;
      return;
    }
    report();
    timer = setTimeout(tick, intervalMs).unref();
  };
  return (routeClass, reason) => {
    count({ class: routeClass, reason });
    const key = `${routeClass}:${reason}`;
    counts[key] = (counts[key] ?? 0) + 1;
    total++;
    if (timer) return;
    // The first refusal of an episode is reported at once: shedding began.
    since = Date.now();
    report();
    timer = setTimeout(tick, intervalMs).unref();
  };
}

// A caller's X-Request-Id is kept when it is as plain as the requestId middleware accepts; else one is made.
const PLAIN_REQUEST_ID = /^[\w\-=]{1,255}$/;

/**
 * The error envelope of a refusal, written by hand: shedding runs before the request id, logging and error
 * handling middleware, because at 5× the sustainable rate the refusals are most of the work. Going through
 * them cost 240 µs of CPU per refusal (half an admitted request), and the event loop spent itself refusing while
 * the few admitted requests waited seconds for their turn; this answer costs a fraction of that.
 */
function overloaded(c: Context, reason: ShedReason): Response {
  const given = c.req.header('x-request-id');
  const requestId = given && PLAIN_REQUEST_ID.test(given) ? given : randomUUID();
  // A plain object, not an AppError: its stack trace alone would be a good part of a refusal's cost.
  const body = JSON.stringify(
    errorEnvelope({ code: 'OVERLOADED', message: 'The sidecar is overloaded; retry shortly', details: { reason } }, requestId)
  );
  return new Response(body, {
    status: 503,
    headers: { 'Content-Type': 'application/json', 'Retry-After': String(retryAfterSeconds()), 'X-Request-Id': requestId },
  });
}

/**
 * Load shedding: answers 503 OVERLOADED with Retry-After, before any other work, when in-flight requests, the
 * event-loop delay or the database's queue pass the share of their limit that the request's class allows (see
 * classifyRoute). Refusing early and cheaply keeps the requests already admitted fast instead of making every
 * request slow. Mount it before everything that costs something; refusals are counted and logged by `onShed`
 * (in summary), not by the per-request logging, which they never reach.
 */
export function shedLoad(options: SheddingOptions): MiddlewareHandler {
  const { maxInFlight, maxEventLoopDelayMs, databaseQueueShare, databaseQueueDelayMs, maxDatabaseQueueDelayMs = 0, onShed } = options;
  const inFlightLimit = (share: number) => Math.max(1, Math.floor(maxInFlight * share));
  let inFlight = 0;
  return async (c, next) => {
    const routeClass = classifyRoute(c.req.method, c.req.path);
    if (routeClass !== 'exempt') {
      const share = SHARE[routeClass];
      const isBusy = maxInFlight > 0 && inFlight >= inFlightLimit(share);
      const isLagging = maxEventLoopDelayMs > 0 && eventLoop.current() >= maxEventLoopDelayMs * share;
      const isQueued =
        routeClass !== 'critical' &&
        ((databaseQueueShare !== undefined && databaseQueueShare() >= share) ||
          (databaseQueueDelayMs !== undefined && maxDatabaseQueueDelayMs > 0 && databaseQueueDelayMs() >= maxDatabaseQueueDelayMs * share));
      if (isBusy || isLagging || isQueued) {
        const reason = isBusy ? 'in_flight' : isLagging ? 'event_loop_delay' : 'database_queue';
        onShed?.(routeClass, reason, c);
        return overloaded(c, reason);
      }
    }
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };
}
