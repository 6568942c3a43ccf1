import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { scrubText } from '../observability/redact.js';
import { extractTraceContext, type Tracing } from '../observability/tracing.js';
import type { AppEnv } from './context.js';
import { toAppError } from './errors.js';

export interface ObserveOptions {
  logger: Logger;
  metrics: Metrics;
  tracing?: Tracing;
  /** Requests slower than this are logged as warnings. */
  slowRequestMs: number;
}

/** The route label of requests no route answered: the raw path would give every scanner its own series. */
export const UNMATCHED_ROUTE = 'unmatched';

// Anything else a client sends as a method is folded into one label value.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

// Probes and scrapes arrive every few seconds; at info they would bury the requests people look for.
const QUIET_ROUTES = /^\/(health|metrics)(\/|$)/;

/**
 * The route template that answered (`/api/incidents/:id`), never the raw path. When only middleware ran (a 401
 * from auth, a preflight) it is the handler's template still; when nothing matched, `unmatched`.
 */
export function routeTemplate(c: Context): string {
  const routes = matchedRoutes(c);
  // Handlers are registered per method; middleware from app.use() under the method "ALL".
  for (let i = routes.length - 1; i >= 0; i--) if (routes[i]!.method !== 'ALL') return routes[i]!.path;
  return UNMATCHED_ROUTE;
}

/** Counts one answer in http_requests_total and its duration; returns the route label it used. */
export function countAnswer(metrics: Metrics, c: Context, status: number, durationMs: number): string {
  const route = routeTemplate(c);
  const labels = { method: METHODS.has(c.req.method) ? c.req.method : 'OTHER', route, status: String(status) };
  metrics.httpRequests.inc(labels);
  metrics.httpDuration.observe(labels, durationMs / 1000);
  return route;
}

/**
 * Logs, measures and (when tracing is on) traces every request once, at completion, whatever answered it: a
 * handler, an error envelope from onError, or the 404 fallback. Mount right after the request id.
 */
export function observe({ logger, metrics, tracing, slowRequestMs }: ObserveOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const span = tracing ? startServerSpan(tracing, c) : undefined;
    metrics.httpInFlight.inc();
    let thrown: unknown;
    try {
      await (span ? context.with(trace.setSpan(context.active(), span), next) : next());
    } catch (err) {
      // onError handles everything thrown as an Error; this is a non-Error throw escaping to Hono's own handler.
      thrown = err;
      throw err;
    } finally {
      metrics.httpInFlight.dec();
      const durationMs = performance.now() - started;
      const status = thrown === undefined ? c.res.status : 500;
      const route = countAnswer(metrics, c, status, durationMs);
      const error = thrown ?? c.error;
      if (span) endServerSpan(span, c, route, status, error);
      logRequest(logger, c, { route, status, durationMs, error, span, slowRequestMs });
    }
  };
}

function startServerSpan(tracing: Tracing, c: Context<AppEnv>): Span {
  const parent = extractTraceContext({ traceparent: c.req.header('traceparent'), tracestate: c.req.header('tracestate') });
  return tracing.tracer.startSpan(
    c.req.method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: c.req.method,
        // The path only: a query string can carry secrets, and ids in the path are what one searches traces by.
        [ATTR_URL_PATH]: c.req.path,
        [ATTR_USER_AGENT_ORIGINAL]: c.req.header('user-agent') ?? '',
        request_id: c.get('requestId') ?? '',
      },
    },
    parent
  );
}

function endServerSpan(span: Span, c: Context<AppEnv>, route: string, status: number, error: unknown): void {
  // Semantic conventions name a server span "{method} {route}"; unmatched requests keep the bare method.
  if (route !== UNMATCHED_ROUTE) span.updateName(`${c.req.method} ${route}`);
  span.setAttribute(ATTR_HTTP_ROUTE, route);
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  const actor = c.get('principal')?.actor.name;
  if (actor) span.setAttribute('enduser.id', scrubText(actor));
  if (status >= 500) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    if (error instanceof Error) {
      span.recordException({ name: error.name, message: scrubText(error.message), stack: scrubText(error.stack ?? '') });
    }
  }
  span.end();
}

interface Outcome {
  route: string;
  status: number;
  durationMs: number;
  error: unknown;
  span: Span | undefined;
  slowRequestMs: number;
}

function logRequest(logger: Logger, c: Context<AppEnv>, o: Outcome): void {
  const code = o.error === undefined ? undefined : toAppError(o.error).code;
  // A failure whose cause someone must look at. Shedding load is a decision, not a fault, and comes in floods: each
  // refused request is a debug line; shedding.ts counts them and writes one warning per interval.
  const isFault = o.status >= 500 && code !== undefined && code !== 'OVERLOADED';
  const isSlow = o.durationMs >= o.slowRequestMs;
  const level =
    isFault ? 'error' : code === 'OVERLOADED' ? 'debug' : isSlow ? 'warn' : QUIET_ROUTES.test(o.route) ? 'debug' : 'info';
  if (!logger.isLevelEnabled(level)) return;

  const url = c.req.url;
  const queryAt = url.indexOf('?');
  // Decoded, so the redaction sees "a@b.com" rather than "a%40b.com" (and people read it more easily).
  const fields: Record<string, unknown> = {
    request_id: c.get('requestId'),
    method: c.req.method,
    route: o.route,
    path: queryAt === -1 ? c.req.path : c.req.path + decodeQuery(url.slice(queryAt)),
    status: o.status,
    duration_ms: Math.round(o.durationMs * 10) / 10,
    actor: c.get('principal')?.actor.name,
    user_agent: c.req.header('user-agent'),
  };
  if (o.span) {
    const { traceId, spanId } = o.span.spanContext();
    fields.trace_id = traceId;
    fields.span_id = spanId;
  }
  if (code) fields.error_code = code;
  else if (o.route === UNMATCHED_ROUTE && o.status === 404) fields.error_code = 'NOT_FOUND';
  // The cause stays in the log: the client got only the envelope's message.
  if (isFault) fields.err = o.error;
  // Headers only when debugging; credentials among them are replaced by the logger's key rule.
  if (logger.isLevelEnabled('debug')) fields.headers = Object.fromEntries(c.req.raw.headers);

  const message = isFault ? 'request failed' : isSlow ? 'slow request' : 'request completed';
  logger[level](fields, message);
}

function decodeQuery(query: string): string {
  try {
    return decodeURIComponent(query.replace(/\+/g, ' '));
  } catch {
    return query; // malformed escapes: the raw text, still scrubbed
  }
}
