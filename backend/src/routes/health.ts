import { Hono } from 'hono';
import type { AppEnv } from '../http/context.js';
import type { Sql } from '../store/db.js';

// How long readiness waits for SELECT 1: a probe must answer faster than the orchestrator's timeout.
const READY_TIMEOUT_MS = 2000;

export interface HealthDeps {
  sql: Sql;
  version: string;
  startedAt: number;
}

async function pingDatabase(sql: Sql): Promise<{ status: 'up' | 'down'; latencyMs: number; error?: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    });
    await Promise.race([sql`select 1`, timeout]);
    return { status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    // Name the failure class only: probes are unauthenticated, so no connection strings or hostnames.
    const code = (err as { code?: string }).code;
    const error = code ? `unreachable (${code})` : err instanceof Error && err.message.startsWith('no answer') ? err.message : 'unreachable';
    return { status: 'down', latencyMs: Math.round(performance.now() - started), error };
  } finally {
    clearTimeout(timer);
  }
}

/** Probes, unauthenticated by design: orchestrators and load balancers call them without credentials. */
export function healthRoutes({ sql, version, startedAt }: HealthDeps) {
  return new Hono<AppEnv>()
    .get('/', (c) => c.json({ status: 'ok', version, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) }))
    .get('/live', (c) => c.json({ status: 'ok' }))
    .get('/ready', async (c) => {
      const database = await pingDatabase(sql);
      const isReady = database.status === 'up';
      return c.json({ status: isReady ? 'ready' : 'not_ready', checks: { database } }, isReady ? 200 : 503);
    });
}
