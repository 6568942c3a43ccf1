import { Hono } from 'hono';
import type { AppEnv } from '../http/context.js';
import type { Lifecycle } from '../lifecycle.js';
import type { DependencySnapshot, ResilienceRegistry } from '../resilience/registry.js';
import type { Database } from '../store/db.js';

// How long readiness waits for SELECT 1: a probe must answer faster than the orchestrator's timeout.
const READY_TIMEOUT_MS = 2000;

export interface HealthDeps {
  db: Database;
  resilience: ResilienceRegistry;
  lifecycle: Lifecycle;
  version: string;
  startedAt: number;
}

interface Check {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
}

/**
 * SELECT 1 straight on the pool, past the breaker: readiness must tell the truth about the database even while
 * the breaker is open, so an orchestrator sees it come back.
 */
async function pingDatabase(db: Database): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    });
    await Promise.race([db.sql`select 1`, timeout]);
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

const breakerStates = (dependencies: DependencySnapshot[]) =>
  Object.fromEntries(dependencies.map((d) => [d.name, d.breaker]));

/** Fast and I/O-free: is the process serving at all, and which build (`/health`, and `/api/health` with a token). */
export function processHealth({ lifecycle, version, startedAt }: Pick<HealthDeps, 'lifecycle' | 'version' | 'startedAt'>) {
  return {
    status: lifecycle.isDraining ? ('draining' as const) : ('ok' as const),
    version,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  };
}

/** Probes, unauthenticated by design: orchestrators and load balancers call them without credentials. */
export function healthRoutes(deps: HealthDeps) {
  const { db, resilience, lifecycle, version } = deps;
  return (
    new Hono<AppEnv>()
      .get('/', (c) => c.json(processHealth(deps)))
      // Liveness: the event loop answers. Never the database: a database outage must not get the process killed.
      .get('/live', (c) => c.json({ status: 'ok' }))
      .get('/startup', (c) =>
        lifecycle.phase === 'starting' ? c.json({ status: 'starting' }, 503) : c.json({ status: 'started' })
      )
      // Readiness: send traffic here? Not while draining, and not without a database.
      .get('/ready', async (c) => {
        const breakers = breakerStates(resilience.dependencies());
        if (lifecycle.phase !== 'serving') {
          return c.json({ status: lifecycle.phase, checks: {}, breakers }, 503);
        }
        const database = await pingDatabase(db);
        const isReady = database.status === 'up';
        return c.json({ status: isReady ? 'ready' : 'not_ready', checks: { database }, breakers }, isReady ? 200 : 503);
      })
      // Everything an operator wants at a glance. A dependency whose breaker is open is down for the product even
      // when it answers a ping; a half-open one is degraded.
      .get('/detailed', async (c) => {
        const database = await pingDatabase(db);
        const dependencies = resilience.dependencies().map((d) => {
          const ping = d.name === 'postgres' ? database : undefined;
          const status = ping?.status === 'down' || d.breaker === 'open' ? 'down' : d.breaker === 'closed' ? 'up' : 'degraded';
          return { ...d, status, latencyMs: ping?.latencyMs ?? null, ...(ping?.error ? { error: ping.error } : {}) };
        });
        const status = dependencies.some((d) => d.status === 'down') ? 'down' : dependencies.some((d) => d.status === 'degraded') ? 'degraded' : 'ok';
        return c.json({
          status,
          phase: lifecycle.phase,
          version,
          uptimeSeconds: processHealth(deps).uptimeSeconds,
          dependencies,
          caches: resilience.caches(),
        }, status === 'down' ? 503 : 200);
      })
      .get('/circuit-breakers', (c) => c.json({ items: resilience.dependencies() }))
      .get('/cache', (c) => c.json({ items: resilience.caches() }))
  );
}
