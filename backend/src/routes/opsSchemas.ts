/**
 * The OpenAPI description of the routes that are not OpenAPIHono routes: the health probes (routes/health.ts) and
 * /api/health (app.ts), /metrics (routes/metrics.ts), the live feed's WebSocket upgrade (live/server.ts) and the
 * document itself. Their handlers answer plain JSON or text; test/contract.test.ts checks the probes' answers
 * against these schemas and that every route the app serves is described.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ErrorEnvelopeSchema, jsonContent } from '../http/openapi.js';

const BreakerStateSchema = z.enum(['closed', 'open', 'half_open', 'isolated']).openapi('BreakerState');

const CheckSchema = z
  .object({
    status: z.enum(['up', 'down']),
    latencyMs: z.number().int(),
    error: z.string().optional().openapi({ description: 'The failure class only, e.g. "unreachable (ECONNREFUSED)"' }),
  })
  .openapi('HealthCheck');

export const DependencySchema = z
  .object({
    name: z.string().openapi({ example: 'postgres' }),
    breaker: BreakerStateSchema,
    openedAt: z.iso.datetime().nullable().openapi({ description: 'When the breaker last opened' }),
    inFlight: z.number().int(),
    queued: z.number().int().openapi({ description: 'Calls waiting for a bulkhead slot' }),
  })
  .openapi('Dependency');

export const CacheStatsSchema = z
  .object({
    name: z.string(),
    size: z.number().int(),
    maxSize: z.number().int(),
    hits: z.number().int(),
    misses: z.number().int(),
    evictions: z.number().int(),
  })
  .openapi('CacheStats');

export const HealthSchema = z
  .object({ status: z.enum(['ok', 'draining']), version: z.string(), uptimeSeconds: z.number().int() })
  .openapi('Health');

export const LivenessSchema = z.object({ status: z.literal('ok') }).openapi('Liveness');

export const StartupSchema = z.object({ status: z.enum(['starting', 'started']) }).openapi('Startup');

export const ReadinessSchema = z
  .object({
    status: z
      .enum(['ready', 'not_ready', 'starting', 'draining'])
      .openapi({ description: 'starting and draining: the process is not serving (no database check is made)' }),
    checks: z.object({ database: CheckSchema.optional() }),
    breakers: z.record(z.string(), BreakerStateSchema),
  })
  .openapi('Readiness');

export const HealthDetailsSchema = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    phase: z.enum(['starting', 'serving', 'draining']),
    version: z.string(),
    uptimeSeconds: z.number().int(),
    dependencies: z.array(
      DependencySchema.extend({
        status: z
          .enum(['up', 'degraded', 'down'])
          .openapi({ description: 'down: the ping failed or the breaker is open' }),
        latencyMs: z.number().int().nullable().openapi({ description: 'Of the ping (postgres only)' }),
        error: z.string().optional(),
      })
    ),
    caches: z.array(CacheStatsSchema),
  })
  .openapi('HealthDetails');

export const DependencyListSchema = z.object({ items: z.array(DependencySchema) });
export const CacheListSchema = z.object({ items: z.array(CacheStatsSchema) });

const overloaded = {
  description: 'Shed under load (OVERLOADED); probes are shed last',
  content: { 'application/json': { schema: ErrorEnvelopeSchema } },
};

type Registry = OpenAPIHono['openAPIRegistry'];

/** Registers the paths above in `registry` (the app's), so /api/openapi.json describes every route the app serves. */
export function describeOpsRoutes(registry: Registry): void {
  registry.registerComponent('securitySchemes', 'liveTicket', {
    type: 'apiKey',
    in: 'query',
    name: 'ticket',
    description: 'A single-use ticket from POST /api/live/tickets (browsers cannot set headers on an upgrade)',
  });
  const probe = (path: string, operationId: string, summary: string, schema: z.ZodType, description: string) =>
    registry.registerPath({
      method: 'get',
      path,
      operationId,
      summary,
      description,
      tags: ['Operations'],
      security: [],
      responses: { 200: jsonContent(schema, 'Healthy'), 503: overloaded },
    });

  probe('/health', 'getHealth', 'Is the process serving, and which build', HealthSchema, 'I/O-free; unauthenticated.');
  registry.registerPath({
    method: 'get',
    path: '/health/live',
    operationId: 'getLiveness',
    summary: 'Liveness: the event loop answers',
    description: 'Never touches the database (an outage must not get the process restarted) and is never shed.',
    tags: ['Operations'],
    security: [],
    responses: { 200: jsonContent(LivenessSchema, 'Alive') },
  });
  registry.registerPath({
    method: 'get',
    path: '/health/startup',
    operationId: 'getStartup',
    summary: 'Startup: migrations ran and the listener is up',
    tags: ['Operations'],
    security: [],
    responses: {
      200: jsonContent(StartupSchema, 'Started'),
      503: {
        description: 'Still starting, or shed under load',
        content: { 'application/json': { schema: z.union([StartupSchema, ErrorEnvelopeSchema]) } },
      },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/health/ready',
    operationId: 'getReadiness',
    summary: 'Readiness: serving, and the database answers SELECT 1 (past the breaker)',
    tags: ['Operations'],
    security: [],
    responses: {
      200: jsonContent(ReadinessSchema, 'Ready'),
      503: {
        description: 'Not ready (starting, draining or no database), or shed under load',
        content: { 'application/json': { schema: z.union([ReadinessSchema, ErrorEnvelopeSchema]) } },
      },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/health/detailed',
    operationId: 'getHealthDetails',
    summary: 'Every dependency (status, latency, breaker) and cache',
    tags: ['Operations'],
    security: [],
    responses: {
      200: jsonContent(HealthDetailsSchema, 'Nothing is down'),
      503: {
        description: 'A dependency is down, or shed under load',
        content: { 'application/json': { schema: z.union([HealthDetailsSchema, ErrorEnvelopeSchema]) } },
      },
    },
  });
  probe(
    '/health/circuit-breakers',
    'listCircuitBreakers',
    "Each dependency's breaker and bulkhead",
    DependencyListSchema,
    'Unauthenticated.'
  );
  probe('/health/cache', 'listCaches', 'Telemetry cache statistics', CacheListSchema, 'Unauthenticated.');

  registry.registerPath({
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: "Prometheus exposition of the sidecar's metrics",
    description: 'Open like the probes unless METRICS_TOKEN is set; then it needs that token as a bearer token.',
    tags: ['Operations'],
    security: [{}, { bearer: [] }],
    responses: {
      200: { description: 'The Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
      401: {
        description: 'METRICS_TOKEN is set and was not sent (AUTH_REQUIRED)',
        content: { 'application/json': { schema: ErrorEnvelopeSchema } },
      },
      503: overloaded,
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/live',
    operationId: 'openLiveFeed',
    summary: 'The live feed: a WebSocket upgrade',
    description:
      'Browsers bring a ticket (POST /api/live/tickets); bots send their API token in Authorization. The messages ' +
      'and close codes are in contract/live.ts (README: "Live feed"). Refusals are plain HTTP with the error envelope.',
    tags: ['Live'],
    security: [{ liveTicket: [] }, { bearer: [] }],
    request: {
      headers: z.object({
        Upgrade: z.literal('websocket'),
      }),
    },
    responses: {
      101: { description: 'Switching to the WebSocket protocol; the server sends `welcome` first' },
      426: {
        description: 'A plain GET without `Upgrade: websocket` (UPGRADE_REQUIRED)',
        content: { 'application/json': { schema: ErrorEnvelopeSchema } },
      },
      401: {
        description: 'No ticket or token, an unknown or used ticket, or a token in the URL (AUTH_REQUIRED)',
        content: { 'application/json': { schema: ErrorEnvelopeSchema } },
      },
      403: {
        description: 'An Origin not allowed (LIVE_ALLOWED_ORIGINS), or an integration token (FORBIDDEN)',
        content: { 'application/json': { schema: ErrorEnvelopeSchema } },
      },
      503: {
        description: 'This replica is draining or full (OVERLOADED), or the database is down; retry after Retry-After',
        content: { 'application/json': { schema: ErrorEnvelopeSchema } },
      },
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/api/health',
    operationId: 'getApiHealth',
    summary: 'The answer of /health, behind the token (for checks that only reach /api)',
    tags: ['Operations'],
    responses: { 200: jsonContent(HealthSchema, 'Serving') },
  });

  registry.registerPath({
    method: 'get',
    path: '/api/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document (OpenAPI 3.1)',
    tags: ['Operations'],
    responses: {
      200: { description: 'The document', content: { 'application/json': { schema: { type: 'object' } } } },
    },
  });
}
