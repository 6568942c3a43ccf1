import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import { AppError } from './domain/errors.js';
import { requireAuth } from './http/auth.js';
import { limitBody } from './http/bodyLimit.js';
import type { AppEnv } from './http/context.js';
import { closeUnfinishedRequests } from './http/connection.js';
import { corsFor } from './http/cors.js';
import { errorResponse, toAppError } from './http/errors.js';
import { describeApiMiddleware, type OpenApiDocument } from './http/openapi.js';
import { INTAKE_PATH_PREFIX, type LimitsConfig } from './http/limits.js';
import { limitCallers, limitUnauthenticated } from './http/rateLimit.js';
import { shedLoad, shedReporter } from './http/shedding.js';
import { requestTimeout } from './http/timeout.js';
import { healthRoutes, processHealth } from './routes/health.js';
import { alertRoutes } from './routes/alerts.js';
import { alertRuleRoutes } from './routes/alertRules.js';
import { incidentRoutes } from './routes/incidents.js';
import { hypothesisRoutes } from './routes/hypotheses.js';
import { pinRoutes } from './routes/pins.js';
import { impactRoutes } from './routes/impact.js';
import { postmortemRoutes } from './routes/postmortems.js';
import { liveRoutes } from './routes/live.js';
import { integrationRoutes } from './routes/integrations.js';
import { sloRoutes } from './routes/slos.js';
import type { PrometheusClient } from './telemetry/prometheus.js';
import { serviceRoutes } from './routes/services.js';
import { correlationRoutes } from './routes/correlations.js';
import { changeRoutes } from './routes/changes.js';
import type { CorrelationEngine } from './correlation/engine.js';
import { tokenRoutes } from './routes/tokens.js';
import { channelRoutes } from './routes/channels.js';
import { testPageRoutes } from './routes/testPage.js';
import { notificationRuleRoutes } from './routes/notificationRules.js';
import { ackRoutes, describeAckRoutes } from './routes/ack.js';
import { peopleRoutes } from './routes/people.js';
import { scheduleRoutes } from './routes/schedules.js';
import { onCallRoutes } from './routes/onCall.js';
import { escalationPolicyRoutes } from './routes/escalationPolicies.js';
import { escalationRoutes } from './routes/escalations.js';
import { calendarFeedRoutes, scheduleImportRoutes } from './routes/calendars.js';
import type { Notifier } from './notify/notifier.js';
import type { Lifecycle } from './lifecycle.js';
import type { ResilienceRegistry } from './resilience/registry.js';
import type { Database } from './store/db.js';
import { countAnswer, observe } from './http/observe.js';
import type { Logger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import type { Tracing } from './observability/tracing.js';
import { metricsRoutes } from './routes/metrics.js';
import { describeOpsRoutes } from './routes/opsSchemas.js';

export type { Logger };

export interface AppDeps {
  /** Postgres behind its resilience policy; the only way routes reach the store. */
  db: Database;
  resilience: ResilienceRegistry;
  lifecycle: Lifecycle;
  adminToken: string;
  maxBodyBytes: number;
  /** Body limit of alert intake (/api/integrations/*); maxBodyBytes when omitted. */
  intakeMaxBodyBytes?: number;
  /** Prometheus for SLO status; without it those routes answer 503 UPSTREAM_UNAVAILABLE. */
  prometheus?: PrometheusClient;
  /** The correlation engine; without it POST /api/incidents/:id/correlate answers 503 (reading results still works). */
  correlation?: CorrelationEngine;
  /** Rate limits, load shedding and the request timeout (config.ts `limits`). */
  limits: LimitsConfig;
  /** Origins allowed to call from a browser; none (the default) keeps CORS closed. */
  corsOrigins?: readonly string[];
  version: string;
  logger: Logger;
  /** This app's Prometheus registry; when omitted one is built with the resilience and pool metrics. */
  metrics?: Metrics;
  /** Server spans per request; leave out (OTEL_EXPORTER_OTLP_ENDPOINT unset) and tracing costs nothing. */
  tracing?: Tracing;
  /** Requests slower than this are logged as warnings (SLOW_REQUEST_MS). */
  slowRequestMs?: number;
  /** METRICS_TOKEN: when set, /metrics needs it as a bearer token. */
  metricsToken?: string;
  /** How long a live ticket (POST /api/live/tickets) stays redeemable; 30 s when omitted. */
  liveTicketTtlMs?: number;
  /** Channel senders, secrets and acknowledge links; without it the channel routes and /ack are not served. */
  notifier?: Notifier;
  startedAt?: number;
  /** STUDIO_PUBLIC_URL: where calendar feed URLs point; http://localhost:9000 when omitted. */
  publicUrl?: string;
}

/** Builds the HTTP app from its dependencies; no I/O here, so tests can build one per database. */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  const startedAt = deps.startedAt ?? Date.now();
  const metrics =
    deps.metrics ?? createMetrics({ resilience: deps.resilience, dbPoolMax: deps.db.sql.options.max, version: deps.version });
  const { limits } = deps;
  // While draining, every answer asks the client to reconnect, so keep-alive connections move to other replicas.
  app.use(async (c, next) => {
    await next();
    if (deps.lifecycle.isDraining) c.header('Connection', 'close');
  });
  app.use(closeUnfinishedRequests());
  // Before shedding and auth: a preflight carries no token, and a browser can only read a 503 that has CORS headers.
  app.use(corsFor(deps.corsOrigins ?? []));
  // Before everything that costs something, logging included: refusals are counted here and logged in summary.
  // Health is shed last and /health/live never (http/limits.ts).
  const reportShed = shedReporter(deps.logger, (labels) => metrics.httpShed.inc(labels));
  app.use(
    shedLoad({
      maxInFlight: limits.shedMaxInFlight,
      maxEventLoopDelayMs: limits.shedEventLoopDelayMs,
      databaseQueueShare: () => deps.db.policy.queueShare,
      databaseQueueDelayMs: () => deps.db.policy.queueDelayMs,
      maxDatabaseQueueDelayMs: limits.shedDatabaseQueueDelayMs,
      onShed: (routeClass, reason, c) => {
        reportShed(routeClass, reason);
        countAnswer(metrics, c, 503, 0);
      },
    })
  );
  // Honours a caller's X-Request-Id (Grafana's proxy forwards it) when it is short and plain; else makes one.
  app.use(requestId());
  // Every admitted answer is logged, counted and traced once: errors, 404s and probes included.
  app.use(observe({ logger: deps.logger, metrics, tracing: deps.tracing, slowRequestMs: deps.slowRequestMs ?? 1000 }));
  app.route(
    '/health',
    healthRoutes({
      db: deps.db,
      resilience: deps.resilience,
      lifecycle: deps.lifecycle,
      version: deps.version,
      startedAt,
    })
  );

  app.route('/metrics', metricsRoutes({ metrics, token: deps.metricsToken }));
  // WebSocket upgrades are taken by the live feed before the app (live/server.ts); a plain GET lands here.
  app.get('/live', (c) => {
    c.header('Upgrade', 'websocket');
    return errorResponse(c, new AppError({ code: 'UPGRADE_REQUIRED', message: 'The live feed is a WebSocket: send Upgrade: websocket' }));
  });

  const apiBodyLimit = limitBody(deps.maxBodyBytes);
  const intakeBodyLimit = limitBody(deps.intakeMaxBodyBytes ?? deps.maxBodyBytes);
  app.use(
    '/api/*',
    requestTimeout(limits.requestTimeoutMs),
    // Before auth, so a flood of bad tokens is refused without looking each one up.
    limitUnauthenticated(limits.rateLimitUnauthenticatedPerMinute, limits.trustProxy),
    // Alert intake takes whole notification groups, so it has its own (larger) limit.
    (c, next) => (c.req.path.startsWith(INTAKE_PATH_PREFIX) ? intakeBodyLimit : apiBodyLimit)(c, next),
    requireAuth(deps.db, deps.adminToken),
    limitCallers({ perMinute: limits.rateLimitPerMinute, intakePerMinute: limits.rateLimitIntakePerMinute })
  );
  // The seed documents' compose health check calls /api/health: the same answer as /health, behind the token.
  app.get('/api/health', (c) => c.json(processHealth({ ...deps, startedAt })));
  app.route('/api/incidents', incidentRoutes(deps.db));
  app.route('/api/incidents', hypothesisRoutes(deps.db));
  app.route('/api/incidents', pinRoutes(deps.db));
  app.route('/api/incidents', impactRoutes(deps.db));
  app.route('/api/incidents', postmortemRoutes(deps.db, deps.prometheus));
  app.route('/api/services', serviceRoutes(deps.db, deps.correlation?.defaultQueries));
  app.route('/api/incidents', correlationRoutes(deps.db, deps.correlation));
  app.route('/api/changes', changeRoutes(deps.db));
  app.route('/api/tokens', tokenRoutes(deps.db));
  app.route('/api/live', liveRoutes(deps.db, deps.liveTicketTtlMs ?? 30_000));
  app.route('/api/integrations', integrationRoutes(deps.db));
  app.route('/api', alertRoutes(deps.db));
  app.route('/api', alertRuleRoutes(deps.db));
  app.route('/api', sloRoutes(deps.db, deps.prometheus));
  app.route('/api/notification-rules', notificationRuleRoutes(deps.db));
  const publicUrl = deps.publicUrl ?? 'http://localhost:9000';
  app.route('/api', peopleRoutes(deps.db, publicUrl));
  app.route('/api', scheduleRoutes(deps.db, publicUrl));
  app.route('/api', onCallRoutes(deps.db));
  app.route('/api', escalationPolicyRoutes(deps.db));
  app.route('/api/incidents', escalationRoutes(deps.db));
  app.route('/api', scheduleImportRoutes(deps.db));
  // Fetched by calendar apps without a token (the URL's secret is the credential): every request from an address
  // counts towards its budget, so secrets cannot be guessed at speed.
  app.use(
    '/ical/*',
    requestTimeout(limits.requestTimeoutMs),
    limitUnauthenticated(limits.rateLimitUnauthenticatedPerMinute, limits.trustProxy, () => true),
    limitBody(16 * 1024)
  );
  app.route('/ical', calendarFeedRoutes(deps.db));
  if (deps.notifier) {
    app.route('/api', channelRoutes(deps.db, deps.notifier));
    app.route('/api', testPageRoutes(deps.db, deps.notifier));
    // Opened from a message without a token: every request from an address counts towards its budget.
    app.use(
      '/ack/*',
      requestTimeout(limits.requestTimeoutMs),
      limitUnauthenticated(limits.rateLimitUnauthenticatedPerMinute, limits.trustProxy, () => true),
      limitBody(16 * 1024)
    );
    app.route('/ack', ackRoutes(deps.db, deps.notifier));
  }

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  describeOpsRoutes(app.openAPIRegistry);
  if (deps.notifier) describeAckRoutes(app.openAPIRegistry);
  // Built on first request, after every route (tests' `extend` included) is registered; the routes never change after.
  let document: OpenApiDocument | undefined;
  app.get('/api/openapi.json', (c) => {
    document ??= describeApiMiddleware(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'Reliability Studio sidecar API',
          version: deps.version,
          license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
          description:
            'Every /api route needs Authorization: Bearer <token>; the probes, /metrics and /live do not. Errors share ' +
            'one envelope. Every /api operation lists the answers the middleware may give it (401, 403, 429, 503, ' +
            '504); answers carry X-Request-Id, and /api answers RateLimit-* when rate limiting is on. The plugin reaches ' +
            "these paths through Grafana's proxy, /api/plugin-proxy/<plugin id>/api/...",
        },
        servers: [{ url: '/', description: "The sidecar's own address (PORT, 9000 by default)" }],
        security: [{ bearer: [] }],
      })
    );
    return c.json(document);
  });

  app.notFound((c) =>
    errorResponse(c, new AppError({ code: 'NOT_FOUND', message: `No route for ${c.req.method} ${c.req.path}` }))
  );
  app.onError((err, c) => {
    // The cause goes to the log (http/observe.ts writes it with the request's line), never to the client.
    return errorResponse(c, toAppError(err));
  });
  return app;
}
