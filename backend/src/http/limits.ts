/**
 * Request limits shared by rate limiting (rateLimit.ts), load shedding (shedding.ts) and the request timeout
 * (timeout.ts): their configuration and the one rule that says how important a request is.
 */

export interface LimitsConfig {
  /** Requests per minute per caller (API token, or Grafana user behind the proxy token); 0 turns it off. */
  rateLimitPerMinute: number;
  /** Requests per minute per client address that end unauthenticated (401); 0 turns it off. */
  rateLimitUnauthenticatedPerMinute: number;
  /** Requests per minute per caller to alert intake (/api/integrations/*); 0 turns it off. */
  rateLimitIntakePerMinute: number;
  /** Take the client address from X-Forwarded-For's first entry instead of the socket. */
  trustProxy: boolean;
  /** Requests in flight at which even critical routes are shed; reads and writes are shed earlier. 0: off. */
  shedMaxInFlight: number;
  /** Mean event-loop delay (ms) at which even critical routes are shed; reads and writes earlier. 0: off. */
  shedEventLoopDelayMs: number;
  /** Wait (ms) in the database's queue at which reads are shed (from half) and writes (from three quarters). 0: off. */
  shedDatabaseQueueDelayMs: number;
  /** A request still running after this long gets 504 REQUEST_TIMEOUT. */
  requestTimeoutMs: number;
}

/**
 * Alert intake (Alertmanager, Grafana Alerting webhooks: routes/integrations.ts) lives under this prefix. It has
 * its own rate budget and is shed last, so an alert storm is not refused by the UI's limits.
 */
export const INTAKE_PATH_PREFIX = '/api/integrations/';

/**
 * How much a request matters when the sidecar is short of capacity, most expendable first:
 * - `read`: /api GET/HEAD/OPTIONS. The bulk of the load (pages and wallboards polling) and safe to retry.
 * - `write`: other /api methods. A human declaring an incident or typing a note; losing it costs more.
 * - `critical`: health probes, /metrics and alert intake. Monitoring must see the overload, and a lost alert
 *   is worse than a slow page.
 * - `exempt`: /health/live. It touches nothing, and failing it under load would make an orchestrator restart a
 *   busy replica, moving its load onto the others.
 */
export type RouteClass = 'read' | 'write' | 'critical' | 'exempt';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Classifies a request by path and method (see RouteClass). */
export function classifyRoute(method: string, path: string): RouteClass {
  if (path === '/health/live') return 'exempt';
  if (path === '/health' || path.startsWith('/health/') || path === '/metrics' || path.startsWith(INTAKE_PATH_PREFIX)) {
    return 'critical';
  }
  return READ_METHODS.has(method) ? 'read' : 'write';
}
