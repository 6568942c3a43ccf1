import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { AppError } from '../domain/errors.js';
import type { AppEnv } from '../http/context.js';
import type { Metrics } from '../observability/metrics.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export interface MetricsRouteOptions {
  metrics: Metrics;
  /** METRICS_TOKEN: when set, scrapes must send `Authorization: Bearer <it>`; the API tokens are not accepted. */
  token?: string;
}

/**
 * GET /metrics in the Prometheus text format. Open by default like the health probes (an ops endpoint on the
 * private network, scraped without the API's credentials); METRICS_TOKEN closes it where the port is exposed.
 */
export function metricsRoutes({ metrics, token }: MetricsRouteOptions) {
  const expected = token ? sha256(token) : undefined;
  return new Hono<AppEnv>().get('/', async (c) => {
    if (expected) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
      if (!match || !timingSafeEqual(sha256(match[1]!), expected)) {
        c.header('WWW-Authenticate', 'Bearer realm="metrics"');
        throw new AppError({ code: 'AUTH_REQUIRED', message: 'Scraping /metrics needs the METRICS_TOKEN as a bearer token' });
      }
    }
    return c.body(await metrics.render(), 200, { 'Content-Type': metrics.contentType });
  });
}
