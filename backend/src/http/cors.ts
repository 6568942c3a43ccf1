import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

// Headers a browser script may read from our answers: the request id to quote, and when to retry.
const EXPOSED = ['X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy'];

/**
 * CORS for the configured origins only. Browsers normally reach the sidecar through Grafana's plugin proxy
 * (same origin, no CORS at all), so with no origins configured this adds nothing and cross-origin calls stay
 * blocked by the browser. A preflight from an origin not on the list is not answered here: it falls through to
 * the routes (401 without a token), which the browser treats as a refusal. No credentials mode: the API takes
 * bearer tokens, never cookies.
 */
export function corsFor(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  if (allowed.size === 0) return (_c, next) => next();
  const handler = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'traceparent', 'tracestate'],
    exposeHeaders: EXPOSED,
    maxAge: 600,
  });
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (!origin || !allowed.has(origin)) return next();
    return handler(c, next);
  };
}
