import { z } from 'zod';
import type { LimitsConfig } from './http/limits.js';
import type { PolicyOptions } from './resilience/policy.js';

/** Tokens every fresh checkout knows; refused in production. */
export const DEV_ADMIN_TOKEN = 'dev-admin-token-change-me';

const port = z.coerce.number().int().min(0).max(65535);
const ms = z.coerce.number().int().min(0);
const count = z.coerce.number().int().min(1);
const share = z.coerce.number().gt(0).max(1);
const emptyAsUnset = (v: unknown) => (v === '' ? undefined : v);

/**
 * Development's STUDIO_SECRET_KEY: anyone with the source knows it, so production refuses it. Channel secrets
 * encrypted under it must be re-entered once a real key is set.
 */
export const DEV_SECRET_KEY = Buffer.alloc(32, 'reliability-studio-development!!').toString('base64');

/**
 * STUDIO_SECRET_KEY: 32 random bytes, as 64 hex digits or base64 (44 characters), e.g. `openssl rand -base64 32`.
 * Channel secrets are encrypted under a key derived from it and acknowledge links are signed with another.
 */
const SecretKey = z.string().transform((raw, ctx) => {
  const text = raw.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (bytes.length !== 32 || (!/^[0-9a-f]{64}$/i.test(text) && bytes.toString('base64') !== text)) {
    ctx.addIssue({ code: 'custom', message: 'must be 32 bytes as 64 hex digits or base64 (openssl rand -base64 32)' });
    return z.NEVER;
  }
  return bytes;
});

/**
 * OTEL_RESOURCE_ATTRIBUTES as OpenTelemetry's environment-variable spec has it: `key=value` pairs separated by
 * commas, `,` and `=` inside a key or value percent-encoded, every value a string. @opentelemetry/resources'
 * envDetector parses it too, but reads process.env only and silently drops a bad value: here it stops the start.
 */
const ResourceAttributes = z.string().transform((raw, ctx) => {
  const attributes: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    if (!pair.trim()) continue;
    const parts = pair.split('=');
    if (parts.length !== 2 || !parts[0]!.trim()) {
      const message = `${JSON.stringify(pair)} is not key=value (percent-encode a , or = inside one)`;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    try {
      attributes[decodeURIComponent(parts[0]!.trim())] = decodeURIComponent(parts[1]!.trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(pair)} has a bad percent-encoding` });
      return z.NEVER;
    }
  }
  return attributes;
});

const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: port.default(9000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    STUDIO_DATA_DIR: z.string().min(1).default('.data'),
    EMBEDDED_PG_PORT: port.default(54329),
    DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    STUDIO_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    // An integration token (alert intake only) provisioned at start, for stacks that configure Alertmanager up front.
    // Notifications (notify/, design: "Reaching people").
    STUDIO_SECRET_KEY: z.preprocess(emptyAsUnset, SecretKey.optional()),
    STUDIO_PUBLIC_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:9000'),
    GRAFANA_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:3000'),
    ACK_LINK_TTL_HOURS: z.coerce.number().gt(0).max(24 * 30).default(24),
    NOTIFY_WORKER: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    NOTIFY_SEND_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    NOTIFY_MAX_ATTEMPTS: count.max(100).default(8),
    NOTIFY_RETRY_BASE_MS: count.default(30_000),
    NOTIFY_RETRY_MAX_MS: count.default(30 * 60_000),
    NOTIFY_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
    NOTIFY_MAINTENANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
    NOTIFY_POLL_MS: z.coerce.number().int().min(500).default(2000),
    NOTIFY_MAX_CONCURRENT: count.max(1000).default(20),
    NOTIFY_CHANNEL_CONCURRENCY: count.max(100).default(2),
    NOTIFY_BREAKER_FAILURES: count.default(5),
    NOTIFY_BREAKER_HALF_OPEN_MS: ms.default(60_000),
    // Escalation step timers (notify/escalator.ts), run wherever the delivery worker runs (NOTIFY_WORKER).
    ESCALATION_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
    ESCALATION_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    STUDIO_INTAKE_TOKEN: z.preprocess(emptyAsUnset, z.string().min(16, 'must be at least 16 characters').optional()),
    STUDIO_DEMO_DATA: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
    // Observability (observability/*). Compose files pass unset variables as "", which means unset here.
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SLOW_REQUEST_MS: count.default(1000),
    METRICS_TOKEN: z.preprocess(emptyAsUnset, z.string().min(16, 'must be at least 16 characters').optional()),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(emptyAsUnset, z.url({ protocol: /^https?$/ }).optional()),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.preprocess(emptyAsUnset, z.url({ protocol: /^https?$/ }).optional()),
    // Unset: service.name from OTEL_RESOURCE_ATTRIBUTES, else reliability-studio-sidecar (observability/tracing.ts).
    OTEL_SERVICE_NAME: z.preprocess(emptyAsUnset, z.string().optional()),
    OTEL_RESOURCE_ATTRIBUTES: z.preprocess(emptyAsUnset, ResourceAttributes.optional()),
    // Resilience (design: "Resilience policy"). Shared breaker and retry shape, per-dependency limits.
    BREAKER_CONSECUTIVE_FAILURES: count.default(5),
    BREAKER_FAILURE_RATE: share.default(0.5),
    BREAKER_WINDOW: count.default(10),
    BREAKER_CLOSE_AFTER: count.default(3),
    RETRY_BASE_MS: ms.default(100),
    RETRY_MAX_MS: ms.default(5000),
    RETRY_JITTER: z.coerce.number().min(0).max(1).default(0.25),
    DB_TIMEOUT_MS: count.default(10_000),
    DB_RETRIES: z.coerce.number().int().min(0).default(3),
    // The design's 30 s half-open suits remote upstreams; Postgres is ours, and probing it every 2 s lets the API
    // recover within seconds of the database returning.
    DB_BREAKER_HALF_OPEN_MS: ms.default(2000),
    DB_QUEUE_MAX: z.coerce.number().int().min(0).default(100),
    // Prometheus (telemetry/prometheus.ts): SLO status, and correlation later. Unset: SLO status answers 503.
    PROMETHEUS_URL: z.preprocess(emptyAsUnset, z.url({ protocol: /^https?$/ }).optional()),
    PROMETHEUS_TIMEOUT_MS: count.default(5000),
    TELEMETRY_RETRIES: z.coerce.number().int().min(0).default(3),
    TELEMETRY_BREAKER_HALF_OPEN_MS: ms.default(30_000),
    // A correlation run sends every query of a source at once (Tempo: 4 per service): 32 keeps ~8 services in one round.
    TELEMETRY_MAX_CONCURRENT: count.default(32),
    TELEMETRY_QUEUE_MAX: z.coerce.number().int().min(0).default(100),
    TELEMETRY_CACHE_TTL_MS: ms.default(15_000),
    // Correlation (correlation/engine.ts). PROMETHEUS_DATASOURCE_UID: Grafana's uid of that Prometheus, for Explore links.
    PROMETHEUS_DATASOURCE_UID: z.preprocess(emptyAsUnset, z.string().max(100).optional()),
    CORRELATION_BUDGET_MS: z.coerce.number().int().min(100).default(10_000),
    CORRELATION_LEAD_MINUTES: z.coerce.number().min(0).max(24 * 60).default(15),
    CORRELATION_REFRESH_MS: ms.default(60_000),
    CORRELATION_POLL_MS: ms.default(2000),
    CORRELATION_DEFAULT_QUERIES: z.preprocess(
      emptyAsUnset,
      z
        .string()
        .transform((v, ctx) => {
          try {
            return JSON.parse(v) as unknown;
          } catch {
            ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
            return z.NEVER;
          }
        })
        .pipe(
          z.strictObject({
            requestRate: z.string().min(1).optional(),
            errorRatio: z.string().min(1).optional(),
            latencyP95: z.string().min(1).optional(),
            errorLogs: z.string().min(1).optional(),
            traces: z.string().min(1).optional(),
          })
        )
        .optional()
    ),
    // Per datasource: a bearer token (basic auth goes in the URL as user:pass@) and a tenant (X-Scope-OrgID).
    PROMETHEUS_TOKEN: z.preprocess(emptyAsUnset, z.string().optional()),
    PROMETHEUS_TENANT: z.preprocess(emptyAsUnset, z.string().optional()),
    // Loki and Tempo (telemetry/loki.ts, tempo.ts): correlation evidence. Unset: that source is skipped.
    LOKI_URL: z.preprocess(emptyAsUnset, z.url({ protocol: /^https?$/ }).optional()),
    LOKI_TIMEOUT_MS: count.default(5000),
    LOKI_TOKEN: z.preprocess(emptyAsUnset, z.string().optional()),
    LOKI_TENANT: z.preprocess(emptyAsUnset, z.string().optional()),
    TEMPO_URL: z.preprocess(emptyAsUnset, z.url({ protocol: /^https?$/ }).optional()),
    TEMPO_TIMEOUT_MS: count.default(5000),
    TEMPO_TOKEN: z.preprocess(emptyAsUnset, z.string().optional()),
    TEMPO_TENANT: z.preprocess(emptyAsUnset, z.string().optional()),
    // Grafana datasource uids for the Explore links on findings; unset: findings carry no link.
    LOKI_DATASOURCE_UID: z.preprocess(emptyAsUnset, z.string().optional()),
    TEMPO_DATASOURCE_UID: z.preprocess(emptyAsUnset, z.string().optional()),
    // Alertmanager sends a whole notification group in one body (max_alerts: 0 means all of them): a 413 there
    // would be retried forever and the alerts lost, so intake gets its own, larger limit.
    INTAKE_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(16 * 1024 * 1024),
    SHUTDOWN_TIMEOUT_MS: count.default(10_000),
    SHUTDOWN_DRAIN_DELAY_MS: ms.optional(),
    // Request limits (http/limits.ts); 0 turns a rate limit or a shedding signal off.
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
    RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: z.coerce.number().int().min(0).default(60),
    RATE_LIMIT_INTAKE_PER_MINUTE: z.coerce.number().int().min(0).default(6000),
    TRUST_PROXY: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    SHED_MAX_IN_FLIGHT: z.coerce.number().int().min(0).default(400),
    SHED_EVENT_LOOP_DELAY_MS: ms.default(200),
    SHED_DB_QUEUE_DELAY_MS: ms.default(100),
    REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s*]+$/, 'must be origins like https://grafana.example.com (no path, no *)'))),
    // Live feed (src/live/). Browser WebSockets must come from these origins; unset: the CORS_ORIGINS list.
    LIVE_ALLOWED_ORIGINS: z.preprocess(
      emptyAsUnset,
      z
        .string()
        .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
        .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s*]+$/, 'must be origins like https://grafana.example.com (no path, no *)')))
        .optional()
    ),
    LIVE_TICKET_TTL_SECONDS: count.max(300).default(30),
    LIVE_HEARTBEAT_MS: z.coerce.number().int().min(1000).default(25_000),
    LIVE_MAX_CONNECTIONS: count.default(10_000),
    LIVE_MAX_BUFFERED_BYTES: z.coerce.number().int().min(16 * 1024).default(4 * 1024 * 1024),
    LIVE_MAX_HELD_EVENTS: count.default(10_000),
    // An outbox seq still uncommitted after this is no longer waited for (see live/ordering.ts); 0 is not allowed.
    LIVE_GAP_TIMEOUT_MS: count.default(30_000),
    EVENTS_RETENTION_HOURS: z.coerce.number().min(0).default(168),
  })
  .transform((env, ctx) => {
    const isProduction = env.NODE_ENV === 'production';
    // Every dependency shares the breaker and retry shape of the design; what differs is passed in.
    const policy = (own: Pick<PolicyOptions, 'timeoutMs' | 'retries' | 'bulkhead'> & { halfOpenAfterMs: number }): PolicyOptions => ({
      timeoutMs: own.timeoutMs,
      retries: own.retries,
      backoff: { baseMs: env.RETRY_BASE_MS, maxMs: env.RETRY_MAX_MS, jitter: env.RETRY_JITTER },
      breaker: {
        consecutiveFailures: env.BREAKER_CONSECUTIVE_FAILURES,
        failureRate: env.BREAKER_FAILURE_RATE,
        windowSize: env.BREAKER_WINDOW,
        closeAfterSuccesses: env.BREAKER_CLOSE_AFTER,
        halfOpenAfterMs: own.halfOpenAfterMs,
      },
      bulkhead: own.bulkhead,
    });
    if (isProduction && (!env.STUDIO_ADMIN_TOKEN || env.STUDIO_ADMIN_TOKEN === DEV_ADMIN_TOKEN)) {
      ctx.addIssue({
        code: 'custom',
        path: ['STUDIO_ADMIN_TOKEN'],
        message: 'must be set to a secret of your own in production',
      });
    }
    if (isProduction && (!env.STUDIO_SECRET_KEY || env.STUDIO_SECRET_KEY.toString('base64') === DEV_SECRET_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['STUDIO_SECRET_KEY'],
        message: 'must be set to a key of your own in production (openssl rand -base64 32)',
      });
    }
    // A lease shorter than a send would let another replica take a job that is still being sent.
    if (env.NOTIFY_LEASE_SECONDS * 1000 < env.NOTIFY_SEND_TIMEOUT_MS + 1000) {
      ctx.addIssue({
        code: 'custom',
        path: ['NOTIFY_LEASE_SECONDS'],
        message: 'must exceed NOTIFY_SEND_TIMEOUT_MS by at least a second',
      });
    }
    return {
      env: env.NODE_ENV,
      port: env.PORT,
      host: env.HOST,
      databaseUrl: env.DATABASE_URL,
      dataDir: env.STUDIO_DATA_DIR,
      embeddedPgPort: env.EMBEDDED_PG_PORT,
      dbPoolMax: env.DB_POOL_MAX,
      dbStatementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
      adminToken: env.STUDIO_ADMIN_TOKEN ?? DEV_ADMIN_TOKEN,
      isDefaultAdminToken: !env.STUDIO_ADMIN_TOKEN || env.STUDIO_ADMIN_TOKEN === DEV_ADMIN_TOKEN,
      demoData: env.STUDIO_DEMO_DATA,
      intakeToken: env.STUDIO_INTAKE_TOKEN,
      secretKey: env.STUDIO_SECRET_KEY ?? Buffer.from(DEV_SECRET_KEY, 'base64'),
      isDefaultSecretKey: !env.STUDIO_SECRET_KEY || env.STUDIO_SECRET_KEY.toString('base64') === DEV_SECRET_KEY,
      notify: {
        publicUrl: env.STUDIO_PUBLIC_URL.replace(/\/+$/, ''),
        grafanaUrl: env.GRAFANA_URL.replace(/\/+$/, ''),
        ackLinkTtlMs: env.ACK_LINK_TTL_HOURS * 3_600_000,
        isWorkerEnabled: env.NOTIFY_WORKER,
        sendTimeoutMs: env.NOTIFY_SEND_TIMEOUT_MS,
        maxAttempts: env.NOTIFY_MAX_ATTEMPTS,
        backoff: { baseMs: env.NOTIFY_RETRY_BASE_MS, maxMs: env.NOTIFY_RETRY_MAX_MS, jitter: 0.25 },
        leaseSeconds: env.NOTIFY_LEASE_SECONDS,
        maintenanceSeconds: env.NOTIFY_MAINTENANCE_SECONDS,
        pollMs: env.NOTIFY_POLL_MS,
        maxConcurrent: env.NOTIFY_MAX_CONCURRENT,
        channelConcurrency: env.NOTIFY_CHANNEL_CONCURRENCY,
        breakerFailures: env.NOTIFY_BREAKER_FAILURES,
        breakerHalfOpenMs: env.NOTIFY_BREAKER_HALF_OPEN_MS,
      },
      escalation: {
        pollMs: env.ESCALATION_POLL_MS,
        leaseSeconds: env.ESCALATION_LEASE_SECONDS,
        maintenanceSeconds: env.NOTIFY_MAINTENANCE_SECONDS,
      },
      maxBodyBytes: env.MAX_BODY_BYTES,
      observability: {
        logLevel: env.LOG_LEVEL,
        slowRequestMs: env.SLOW_REQUEST_MS,
        metricsToken: env.METRICS_TOKEN,
        otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
        otlpTracesEndpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
        serviceName: env.OTEL_SERVICE_NAME,
        resourceAttributes: env.OTEL_RESOURCE_ATTRIBUTES ?? {},
      },
      database: policy({
        timeoutMs: env.DB_TIMEOUT_MS,
        retries: env.DB_RETRIES,
        halfOpenAfterMs: env.DB_BREAKER_HALF_OPEN_MS,
        // The pool is the real limit on concurrent queries; the queue bounds how many requests wait for it.
        bulkhead: { maxConcurrent: env.DB_POOL_MAX, maxQueue: env.DB_QUEUE_MAX },
      }),
      prometheus: {
        url: env.PROMETHEUS_URL,
        token: env.PROMETHEUS_TOKEN,
        tenant: env.PROMETHEUS_TENANT,
        cacheTtlMs: env.TELEMETRY_CACHE_TTL_MS,
        policy: policy({
          timeoutMs: env.PROMETHEUS_TIMEOUT_MS,
          retries: env.TELEMETRY_RETRIES,
          halfOpenAfterMs: env.TELEMETRY_BREAKER_HALF_OPEN_MS,
          bulkhead: { maxConcurrent: env.TELEMETRY_MAX_CONCURRENT, maxQueue: env.TELEMETRY_QUEUE_MAX },
        }),
      },
      loki: {
        url: env.LOKI_URL,
        token: env.LOKI_TOKEN,
        tenant: env.LOKI_TENANT,
        datasourceUid: env.LOKI_DATASOURCE_UID,
        cacheTtlMs: env.TELEMETRY_CACHE_TTL_MS,
        policy: policy({
          timeoutMs: env.LOKI_TIMEOUT_MS,
          retries: env.TELEMETRY_RETRIES,
          halfOpenAfterMs: env.TELEMETRY_BREAKER_HALF_OPEN_MS,
          bulkhead: { maxConcurrent: env.TELEMETRY_MAX_CONCURRENT, maxQueue: env.TELEMETRY_QUEUE_MAX },
        }),
      },
      tempo: {
        url: env.TEMPO_URL,
        token: env.TEMPO_TOKEN,
        tenant: env.TEMPO_TENANT,
        datasourceUid: env.TEMPO_DATASOURCE_UID,
        cacheTtlMs: env.TELEMETRY_CACHE_TTL_MS,
        policy: policy({
          timeoutMs: env.TEMPO_TIMEOUT_MS,
          retries: env.TELEMETRY_RETRIES,
          halfOpenAfterMs: env.TELEMETRY_BREAKER_HALF_OPEN_MS,
          bulkhead: { maxConcurrent: env.TELEMETRY_MAX_CONCURRENT, maxQueue: env.TELEMETRY_QUEUE_MAX },
        }),
      },
      correlation: {
        prometheusDatasourceUid: env.PROMETHEUS_DATASOURCE_UID,
        budgetMs: env.CORRELATION_BUDGET_MS,
        leadMs: env.CORRELATION_LEAD_MINUTES * 60_000,
        refreshMs: env.CORRELATION_REFRESH_MS,
        pollMs: env.CORRELATION_POLL_MS,
        defaultQueries: env.CORRELATION_DEFAULT_QUERIES ?? {},
      },
      intakeMaxBodyBytes: env.INTAKE_MAX_BODY_BYTES,
      shutdown: {
        timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
        // Behind a load balancer, keep serving while readiness reports 503 so it stops sending new requests.
        drainDelayMs: env.SHUTDOWN_DRAIN_DELAY_MS ?? (isProduction ? 5000 : 0),
      },
      limits: {
        rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
        rateLimitUnauthenticatedPerMinute: env.RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE,
        rateLimitIntakePerMinute: env.RATE_LIMIT_INTAKE_PER_MINUTE,
        trustProxy: env.TRUST_PROXY,
        shedMaxInFlight: env.SHED_MAX_IN_FLIGHT,
        shedEventLoopDelayMs: env.SHED_EVENT_LOOP_DELAY_MS,
        shedDatabaseQueueDelayMs: env.SHED_DB_QUEUE_DELAY_MS,
        requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
      } satisfies LimitsConfig,
      corsOrigins: env.CORS_ORIGINS,
      live: {
        allowedOrigins: env.LIVE_ALLOWED_ORIGINS ?? env.CORS_ORIGINS,
        ticketTtlMs: env.LIVE_TICKET_TTL_SECONDS * 1000,
        heartbeatMs: env.LIVE_HEARTBEAT_MS,
        maxConnections: env.LIVE_MAX_CONNECTIONS,
        // Per connection; the worst case for memory is connections × this, reached only if all are stuck at once.
        maxBufferedBytes: env.LIVE_MAX_BUFFERED_BYTES,
        maxHeldEvents: env.LIVE_MAX_HELD_EVENTS,
        gapTimeoutMs: env.LIVE_GAP_TIMEOUT_MS,
        maxMessagesPer10s: 100,
        closeGraceMs: 2000,
        retentionMs: env.EVENTS_RETENTION_HOURS * 3_600_000,
        pruneIntervalMs: 10 * 60_000,
      },
    };
  });

export type Config = Readonly<z.output<typeof ConfigSchema>>;

/** Thrown with one line naming every bad variable, so a misconfigured start fails clearly. */
export class ConfigError extends Error {}

/** Parses the environment once; the result is frozen. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return Object.freeze(parsed.data);
}
