import path from 'node:path';
import { createApp } from './app.js';
import { serveApp } from './http/server.js';
import { ConfigError, loadConfig } from './config.js';
import { Lifecycle } from './lifecycle.js';
import { ResilienceRegistry } from './resilience/registry.js';
import { Database, isPostgresJsClosedSocketWrite } from './store/db.js';
import { provisionIntakeToken } from './store/tokens.js';
import { seedDemoData } from './store/demo.js';
import { openDatabase } from './store/open.js';
import { createPrometheusClient } from './telemetry/prometheus.js';
import { createLogger, flushLogger, logResilienceEvents } from './observability/logger.js';
import { createTracing } from './observability/tracing.js';
import { createMetrics } from './observability/metrics.js';
import { startLive } from './live/server.js';
import { ChangeSource } from './correlation/changeSource.js';
import { CorrelationEngine } from './correlation/engine.js';
import { PrometheusSource } from './correlation/prometheusSource.js';
import { createLokiSource } from './correlation/lokiSource.js';
import { createTempoSource } from './correlation/tempoSource.js';
import { createLokiClient } from './telemetry/loki.js';
import { createTempoClient } from './telemetry/tempo.js';
import { CorrelationRefresher } from './correlation/refresher.js';
import { createNotifier } from './notify/notifier.js';
import { DeliveryWorker } from './notify/worker.js';
import { Escalator } from './notify/escalator.js';
// Imported rather than read from disk, so the build carries it to dist (which mirrors the repository: contract/).
import packageJson from '../package.json' with { type: 'json' };

const { version } = packageJson;

// Created before the config is read so a failed start is logged too; LOG_LEVEL applies from then on.
const logger = createLogger();

// Survive exactly one known driver bug during database outages (see isPostgresJsClosedSocketWrite); anything else
// uncaught is still fatal, as Node would have it, after the log line is written.
process.on('uncaughtException', (err) => {
  if (isPostgresJsClosedSocketWrite(err)) {
    logger.warn(
      { err },
      'postgres.js wrote to a closed connection (known driver bug); its queries were already failed'
    );
    return;
  }
  logger.fatal({ err }, 'uncaught exception');
  setTimeout(() => process.exit(1), 1000).unref();
  void flushLogger(logger).finally(() => process.exit(1));
});

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  logger.level = config.observability.logLevel;
  if (config.isDefaultAdminToken) {
    logger.info({}, 'STUDIO_ADMIN_TOKEN is unset or the development token: fine for a trial, refused in production');
  }
  if (config.isDefaultSecretKey) {
    logger.info(
      {},
      'STUDIO_SECRET_KEY is unset: channel secrets are encrypted with the development key, refused in production'
    );
  }

  const { sql, embedded, applied } = await openDatabase(config, (line) => logger.info({}, line));
  if (applied.length) logger.info({ applied }, 'migrations applied');
  if (config.demoData && (await seedDemoData(sql))) logger.info({}, 'demo data added');
  if (config.intakeToken) {
    const outcome = await provisionIntakeToken(sql, config.intakeToken);
    if (outcome === 'revoked')
      logger.warn({}, 'STUDIO_INTAKE_TOKEN names a revoked token: alert intake with it stays refused');
    else if (outcome !== 'unchanged')
      logger.info({ outcome }, 'integration token from STUDIO_INTAKE_TOKEN provisioned');
  }

  const resilience = new ResilienceRegistry();
  const db = new Database(sql, config.database, resilience);
  const lifecycle = new Lifecycle();
  logResilienceEvents(resilience, logger);
  const tracing = createTracing({
    endpoint: config.observability.otlpEndpoint,
    tracesEndpoint: config.observability.otlpTracesEndpoint,
    serviceName: config.observability.serviceName,
    resourceAttributes: config.observability.resourceAttributes,
    version,
  });
  // One registry for the HTTP app and the live feed, so /metrics shows both.
  const metrics = createMetrics({
    resilience,
    dbPoolMax: config.dbPoolMax,
    version,
    dataDir: embedded ? path.resolve(config.dataDir) : undefined,
  });
  // One Prometheus client (one policy, one cache) for SLO status and correlation alike.
  const prometheus = createPrometheusClient(config.prometheus, resilience, tracing?.tracer);
  const correlation = new CorrelationEngine({
    db,
    sources: [
      new PrometheusSource({ client: prometheus, datasourceUid: config.correlation.prometheusDatasourceUid }),
      createLokiSource(createLokiClient(config.loki, resilience, tracing?.tracer), {
        datasourceUid: config.loki.datasourceUid,
      }),
      createTempoSource(createTempoClient(config.tempo, resilience, tracing?.tracer), {
        datasourceUid: config.tempo.datasourceUid,
      }),
      new ChangeSource(db),
    ],
    budgetMs: config.correlation.budgetMs,
    leadMs: config.correlation.leadMs,
    refreshMs: config.correlation.refreshMs,
    defaultQueries: config.correlation.defaultQueries,
    logger,
  });
  const refresher = new CorrelationRefresher({
    db,
    engine: correlation,
    pollMs: config.correlation.pollMs,
    refreshMs: config.correlation.refreshMs,
    logger,
    tracer: tracing?.tracer,
  });
  const notifier = createNotifier(config);
  const app = createApp({
    notifier,
    publicUrl: config.notify.publicUrl,
    metrics,
    liveTicketTtlMs: config.live.ticketTtlMs,
    db,
    resilience,
    lifecycle,
    adminToken: config.adminToken,
    maxBodyBytes: config.maxBodyBytes,
    intakeMaxBodyBytes: config.intakeMaxBodyBytes,
    prometheus,
    correlation,
    limits: config.limits,
    corsOrigins: config.corsOrigins,
    version,
    logger,
    tracing,
    slowRequestMs: config.observability.slowRequestMs,
    metricsToken: config.observability.metricsToken,
  });
  const server = serveApp(app, { port: config.port, hostname: config.host }, (info) => {
    logger.info(
      {
        port: info.port,
        database: embedded ? `embedded (${path.resolve(config.dataDir, 'postgres')})` : 'DATABASE_URL',
      },
      `sidecar listening on http://localhost:${info.port} (API description: /api/openapi.json)`
    );
  });
  // Every replica sends notifications; NOTIFY_WORKER=false keeps one out (it still writes deliveries).
  const worker = config.notify.isWorkerEnabled
    ? new DeliveryWorker({
        db,
        databaseUrl: config.databaseUrl ?? embedded!.url,
        notifier,
        config: config.notify,
        logger,
        registry: metrics.registry,
      })
    : undefined;
  // Escalation timers fire wherever notifications are sent.
  const escalator = config.notify.isWorkerEnabled
    ? new Escalator({ db, databaseUrl: config.databaseUrl ?? embedded!.url, config: config.escalation, logger })
    : undefined;
  /** Set once the live feed is attached; a signal that arrives before then has no feed to close. */
  let live: Awaited<ReturnType<typeof startLive>> | undefined;

  /**
   * Graceful shutdown: readiness turns 503 at once, requests keep being served for the drain delay (so a load
   * balancer can stop sending), then the listener closes, idle keep-alive connections are dropped, in-flight
   * requests finish, the pool closes. Past the bound the process exits anyway; a second signal exits at once.
   */
  const shutdown = async (signal: string) => {
    if (lifecycle.isDraining) {
      logger.info({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    lifecycle.startDraining();
    logger.info({ signal, drainDelayMs: config.shutdown.drainDelayMs }, 'draining');
    setTimeout(() => {
      logger.error({ timeoutMs: config.shutdown.timeoutMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, config.shutdown.timeoutMs).unref();
    await new Promise((resolve) => setTimeout(resolve, config.shutdown.drainDelayMs));
    // WebSockets hold their sockets open, so they go first: 1001 tells each client to reconnect to another replica.
    await live?.close();
    await refresher.stop();
    // A step being fired commits or rolls back as a whole; one cut short fires on another replica after its lease.
    await escalator?.stop();
    // Sends in flight get half the shutdown bound; one cut short is sent again by another replica after its lease.
    await worker?.stop(config.shutdown.timeoutMs / 2);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    (server as import('node:http').Server).closeIdleConnections();
    await closed;
    await db.sql.end({ timeout: 5 });
    await embedded?.stop();
    await tracing?.shutdown();
    logger.info({}, 'stopped');
    await flushLogger(logger);
    process.exit(0);
  };
  // Handlers go in before the slower starts below (the queue, the live feed): a signal during them must drain, not
  // kill the process with the default action.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  refresher.start();
  await worker?.start();
  await escalator?.start();
  live = await startLive({
    server,
    db,
    databaseUrl: config.databaseUrl ?? embedded!.url,
    adminToken: config.adminToken,
    lifecycle,
    logger,
    registry: metrics.registry,
    config: config.live,
  });
  // Ready (and started) only once everything serves: the queue's worker and the live feed included.
  if (!lifecycle.isDraining) lifecycle.markServing();
}

main().catch((err) => {
  logger.error({ err }, 'sidecar failed to start');
  process.exit(1);
});
