/**
 * The real pieces an experiment runs against, each registered for cleanup: a Postgres of its own (embedded,
 * killable), sidecar processes (src/main.ts), and the integration token alert intake needs.
 */
import postgres from 'postgres';
import { createApiToken } from '../../src/store/tokens.js';
import { startSidecarProcess, type SidecarProcess } from '../../test/support/sidecarProcess.js';
import { startStoppablePostgres, type StoppablePostgres } from '../../test/support/stoppablePostgres.js';
import type { ProcessRegistry } from './registry.js';

export const ADMIN_TOKEN = 'chaos-admin-token-0123456789';

/**
 * Settings every experiment's sidecar gets: quiet logs (the output is kept in memory), and no per-token rate limit,
 * since the load generator is a handful of tokens sending far more than one person would; rate limiting is proven
 * in test/limits.test.ts, and here it would only turn load into 429s.
 */
export const BASE_ENV: Record<string, string> = {
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_MINUTE: '0',
  RATE_LIMIT_INTAKE_PER_MINUTE: '0',
  NODE_ENV: 'production',
  // Production refuses to start without one of its own.
  STUDIO_SECRET_KEY: 'Y2hhb3MtZXhwZXJpbWVudHMtc2VjcmV0LWtleS0zMiE=',
};

export interface ChaosPostgres extends StoppablePostgres {
  /** An integration token (alert intake), created before anything else runs. */
  intakeToken: string;
  /** A small pool of the experiment's own, for checking what was stored. */
  sql: postgres.Sql;
}

/** A migrated Postgres of the experiment's own, tracked (its postmaster) and removed at cleanup. */
export async function startChaosPostgres(registry: ProcessRegistry): Promise<ChaosPostgres> {
  let intakeToken = '';
  const pg = await startStoppablePostgres(async (sql) => {
    intakeToken = (await createApiToken(sql, 'alertmanager', 'integration')).token;
  });
  registry.defer('remove the Postgres', () => pg.remove());
  const pid = await pg.pid();
  if (pid) registry.track(pid, 'postgres');
  const sql = postgres(pg.url, { max: 2, onnotice: () => {}, connect_timeout: 5 });
  registry.defer('close the checking pool', () => sql.end({ timeout: 1 }));
  return {
    ...pg,
    intakeToken,
    sql,
    restart: async () => {
      await pg.restart();
      const again = await pg.pid();
      if (again) registry.track(again, 'postgres (restarted)');
    },
  };
}

/** The real sidecar in its own process group, tracked; stopped with SIGTERM at cleanup (killed if it lingers). */
export async function startChaosSidecar(
  registry: ProcessRegistry,
  databaseUrl: string | undefined,
  env: Record<string, string> = {},
  label = 'sidecar'
): Promise<SidecarProcess> {
  const sidecar = await startSidecarProcess(
    databaseUrl,
    ADMIN_TOKEN,
    { ...BASE_ENV, ...env },
    { detached: true, readyTimeoutMs: 60_000, onSpawn: (pid) => registry.track(pid, label, { group: true }) }
  );
  registry.defer(`stop the ${label}`, () => sidecar.stop());
  return sidecar;
}

/** Resident set size of a process in MiB, from /proc (Linux). */
export async function rssMiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}
