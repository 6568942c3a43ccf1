import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createApp } from '../../src/app.js';
import type { CorrelationEngine } from '../../src/correlation/engine.js';
import { loadConfig } from '../../src/config.js';
import { Lifecycle } from '../../src/lifecycle.js';
import { ResilienceRegistry } from '../../src/resilience/registry.js';
import { createSql, Database, type Sql } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { createPrometheusClient } from '../../src/telemetry/prometheus.js';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import type { Tracing } from '../../src/observability/tracing.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { startLive, type LiveService } from '../../src/live/server.js';
import { serveApp } from '../../src/http/server.js';
import type { ChannelKind } from '../../src/domain/notifications.js';
import type { ChannelSender } from '../../src/notify/channels/channel.js';
import { createNotifier, type Notifier } from '../../src/notify/notifier.js';
import { DeliveryWorker } from '../../src/notify/worker.js';
import { Escalator } from '../../src/notify/escalator.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** Creates a fresh database on the run's Postgres, migrated, and returns its URL. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = new URL(inject('postgresUrl'));
  const name = `studio_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(server.href, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(server.href);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export interface TestSidecar {
  url: string;
  /** The database this sidecar uses (another sidecar given it acts as a second replica). */
  databaseUrl: string;
  /** The live feed, when started with `live: true`. */
  live?: LiveService;
  /** Channel senders, secrets and acknowledge links, as the app has them. */
  notifier: Notifier;
  /** The delivery worker, when started with `worker: true`. */
  worker?: DeliveryWorker;
  /** The escalator (escalation step timers), started with the worker as main.ts does. */
  escalator?: Escalator;
  sql: Sql;
  db: Database;
  resilience: ResilienceRegistry;
  lifecycle: Lifecycle;
  /** fetch against the sidecar with the admin token unless `token` is given (null: no Authorization). */
  call(path: string, init?: RequestInit & { token?: string | null; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/** A real sidecar on a real socket, on its own freshly migrated database. */
export async function startSidecar(
  options: {
    maxBodyBytes?: number;
    databaseUrl?: string;
    env?: Record<string, string>;
    /** Defaults to a debug-level logger writing nowhere, so every test runs the logging and redaction path. */
    logger?: Logger;
    tracing?: Tracing;
    /** Adds routes after the real ones (test/observability*: a handler that fails in a chosen way). */
    extend?: (app: ReturnType<typeof createApp>) => void;
    /** Attaches the live feed (/live) as main.ts does; LIVE_* settings come from `env`. */
    live?: boolean;
    /** Builds the correlation engine the app gets (test/correlation-*: real sources against test servers). */
    correlation?: (deps: { db: Database; resilience: ResilienceRegistry }) => CorrelationEngine;
    /** Channel senders by kind; by default the real ones (notify/channels/index.ts). */
    senders?: Record<ChannelKind, ChannelSender>;
    /** Runs the delivery worker and the escalator as main.ts does; NOTIFY_* and ESCALATION_* settings come from `env`. */
    worker?: boolean;
  } = {}
): Promise<TestSidecar> {
  const testDb = options.databaseUrl ? undefined : await createTestDatabase();
  const sql = createSql({ url: options.databaseUrl ?? testDb!.url, poolMax: 5, statementTimeoutMs: 5000 });
  if (testDb) await migrate(sql);
  // The production config parser, so tests run with the real defaults unless they say otherwise.
  // Rate limits and load shedding are off unless a test asks: every test is one client hammering one token, and
  // the event loop and database queue it shares with the test runner (and the other test files) are no measure of
  // the sidecar's load (test/limits*.test.ts).
  const config = loadConfig({
    DB_POOL_MAX: '5',
    RATE_LIMIT_PER_MINUTE: '0',
    RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '0',
    SHED_MAX_IN_FLIGHT: '0',
    SHED_EVENT_LOOP_DELAY_MS: '0',
    SHED_DB_QUEUE_DELAY_MS: '0',
    ...options.env,
  });
  const resilience = new ResilienceRegistry();
  const db = new Database(sql, config.database, resilience);
  const lifecycle = new Lifecycle();
  lifecycle.markServing();
  // The live feed and the delivery worker register their series in the app's registry, as in main.ts.
  const notifier = createNotifier(config, options.senders);
  const metrics = options.live || options.worker ? createMetrics({ resilience, dbPoolMax: 5, version: 'test' }) : undefined;
  const app = createApp({
    correlation: options.correlation?.({ db, resilience }),
    db,
    resilience,
    lifecycle,
    adminToken: ADMIN_TOKEN,
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    prometheus: createPrometheusClient(config.prometheus, resilience),
    limits: config.limits,
    corsOrigins: config.corsOrigins,
    version: 'test',
    logger: options.logger ?? createLogger({ level: 'debug', destination: { write: () => {} } }),
    tracing: options.tracing,
    slowRequestMs: config.observability.slowRequestMs,
    metricsToken: config.observability.metricsToken,
    metrics,
    liveTicketTtlMs: config.live.ticketTtlMs,
    notifier,
  });
  options.extend?.(app);
  const server = await new Promise<Server>((resolve) => {
    const s = serveApp(app, { port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const databaseUrl = options.databaseUrl ?? testDb!.url;
  const live = options.live
    ? await startLive({
        server,
        db,
        databaseUrl,
        adminToken: ADMIN_TOKEN,
        lifecycle,
        logger: options.logger ?? createLogger({ level: 'silent' }),
        registry: metrics!.registry,
        config: config.live,
      })
    : undefined;
  const worker = options.worker
    ? new DeliveryWorker({
        db,
        databaseUrl,
        notifier,
        config: config.notify,
        logger: options.logger ?? createLogger({ level: 'silent' }),
        registry: metrics!.registry,
      })
    : undefined;
  await worker?.start();
  const escalator = options.worker
    ? new Escalator({
        db,
        databaseUrl,
        config: config.escalation,
        logger: options.logger ?? createLogger({ level: 'silent' }),
      })
    : undefined;
  await escalator?.start();
  return {
    url,
    databaseUrl,
    live,
    notifier,
    worker,
    escalator,
    // The Database replaces its pool after a lost database (store/db.ts): always the current one.
    get sql() {
      return db.sql;
    },
    db,
    resilience,
    lifecycle,
    call: (path, init = {}) => {
      const { token = ADMIN_TOKEN, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null) headers.set('authorization', `Bearer ${token}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(url + path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
    },
    close: async () => {
      await escalator?.stop();
      await worker?.stop(1000);
      await live?.close();
      await new Promise((resolve) => server.close(resolve));
      await db.sql.end({ timeout: 1 });
      await testDb?.drop();
    },
  };
}

/** Reads a response as JSON and asserts its status, printing the body when it is not the expected one. */
export async function expectStatus<T = any>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) {
    throw new Error(`expected HTTP ${status}, got ${res.status}: ${text}`);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}
