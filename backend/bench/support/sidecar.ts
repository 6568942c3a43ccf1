import type { Server } from 'node:http';
import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { Lifecycle } from '../../src/lifecycle.js';
import { startLive } from '../../src/live/server.js';
import { serveApp } from '../../src/http/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { ResilienceRegistry } from '../../src/resilience/registry.js';
import { Database, type Sql } from '../../src/store/db.js';

/**
 * The sidecar as main.ts wires it (createApp, then the live feed reading the outbox) on `sql`, listening on a free
 * port of 127.0.0.1; resolves once the live feed knows its position. Logs are written as in production (info),
 * to /dev/null instead of a terminal.
 */
export async function startBenchSidecar(config: Config, sql: Sql): Promise<Server> {
  const resilience = new ResilienceRegistry();
  const metrics = createMetrics({ resilience, dbPoolMax: config.dbPoolMax, version: 'bench' });
  const db = new Database(sql, config.database, resilience);
  const lifecycle = new Lifecycle();
  lifecycle.markServing();
  const logger = createLogger({ level: config.observability.logLevel, destination: pino.destination({ dest: '/dev/null', sync: false }) });
  const app = createApp({
    db,
    metrics,
    resilience,
    lifecycle,
    adminToken: config.adminToken,
    maxBodyBytes: config.maxBodyBytes,
    limits: config.limits,
    corsOrigins: config.corsOrigins,
    version: 'bench',
    logger,
    slowRequestMs: config.observability.slowRequestMs,
    metricsToken: config.observability.metricsToken,
  });
  const server = serveApp(app, { port: 0, hostname: '127.0.0.1' });
  await startLive({
    server,
    db,
    databaseUrl: config.databaseUrl!,
    adminToken: config.adminToken,
    lifecycle,
    logger,
    registry: metrics.registry,
    config: config.live,
  });
  return server;
}
