import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSql, type Sql } from '../../src/store/db.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/store/embedded.js';
import { migrate } from '../../src/store/migrate.js';
import { freePort } from './net.js';

export interface StoppablePostgres {
  /** Same URL across restarts: same folder, same port. */
  url: string;
  stop(): Promise<void>;
  /** Starts it again on the same data; resolves once it accepts connections. */
  restart(): Promise<void>;
  /** Stops it and deletes its data. */
  remove(): Promise<void>;
  /** The postmaster's process id while it runs (from postmaster.pid), e.g. to track or kill it. */
  pid(): Promise<number | undefined>;
  /**
   * Sends `signal` to the postmaster and resolves once it is gone, as a crash would leave things (SIGKILL: no
   * shutdown checkpoint; its backends exit when they notice). restart() then runs crash recovery.
   */
  kill(signal: NodeJS.Signals): Promise<void>;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A PostgreSQL of the test's own, migrated, that it may stop and restart (the shared test server must not be
 * stopped). `prepare` runs once on it before the test uses it, e.g. to create tokens.
 */
export async function startStoppablePostgres(prepare?: (sql: Sql) => Promise<void>): Promise<StoppablePostgres> {
  const dir = await mkdtemp(path.join(tmpdir(), 'studio-stoppable-pg-'));
  await chmod(dir, 0o755); // as root, the server runs as the postgres user, which must reach inside
  const port = await freePort();
  const start = () => startEmbeddedPostgres({ dir, port });
  let pg: EmbeddedDatabase = await start();
  const setup = createSql({ url: pg.url, poolMax: 1, statementTimeoutMs: 5000 });
  await migrate(setup);
  await prepare?.(setup);
  await setup.end();
  const pid = async () => {
    const text = await readFile(path.join(dir, 'cluster', 'postmaster.pid'), 'utf8').catch(() => '');
    const found = Number(text.split('\n')[0]);
    return Number.isInteger(found) && found > 0 && isAlive(found) ? found : undefined;
  };
  return {
    url: pg.url,
    stop: () => pg.stop(),
    restart: async () => {
      pg = await start();
    },
    remove: async () => {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    },
    pid,
    kill: async (signal) => {
      const target = await pid();
      if (target === undefined) return;
      process.kill(target, signal);
      while (isAlive(target)) await new Promise((resolve) => setTimeout(resolve, 20));
    },
  };
}
