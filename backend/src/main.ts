import { readFileSync } from 'node:fs';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { createApp, type Logger } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createSql } from './store/db.js';
import { seedDemoData } from './store/demo.js';
import { startEmbeddedPostgres } from './store/embedded.js';
import { migrate } from './store/migrate.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

// Structured logging with redaction arrives with the resilience work; until then, one JSON line per event.
const logger: Logger & { info(fields: Record<string, unknown>, message: string): void } = {
  info: (fields, message) => console.log(JSON.stringify({ level: 'info', time: new Date().toISOString(), message, ...fields })),
  error: (fields, message) => console.error(JSON.stringify({ level: 'error', time: new Date().toISOString(), message, ...fields })),
};

// How long shutdown may take before the process exits anyway (in-flight requests, pool, embedded Postgres).
const SHUTDOWN_BOUND_MS = 10_000;

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
  if (config.isDefaultAdminToken) {
    logger.info({}, 'STUDIO_ADMIN_TOKEN is unset or the development token: fine for a trial, refused in production');
  }

  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({
        dir: path.join(config.dataDir, 'postgres'),
        port: config.embeddedPgPort,
        log: (line) => logger.info({}, line),
      });
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  const sql = createSql({ url: databaseUrl, poolMax: config.dbPoolMax, statementTimeoutMs: config.dbStatementTimeoutMs });

  const { applied } = await migrate(sql);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  if (config.demoData && (await seedDemoData(sql))) logger.info({}, 'demo data added');

  const app = createApp({ sql, adminToken: config.adminToken, maxBodyBytes: config.maxBodyBytes, version, logger });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    logger.info(
      { port: info.port, database: embedded ? `embedded (${path.resolve(config.dataDir, 'postgres')})` : 'DATABASE_URL' },
      `sidecar listening on http://localhost:${info.port} (API description: /api/openapi.json)`
    );
  });

  let isStopping = false;
  const shutdown = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), SHUTDOWN_BOUND_MS).unref();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sql.end({ timeout: 5 });
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  logger.error({ err: err instanceof Error ? err.stack : String(err) }, 'sidecar failed to start');
  process.exit(1);
});
