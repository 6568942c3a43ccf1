import { chmod, mkdtemp, rm } from 'node:fs/promises';
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
}

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
  };
}
