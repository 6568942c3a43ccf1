import path from 'node:path';
import type { Config } from '../config.js';
import { createSql, type Sql } from './db.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded.js';
import { migrate } from './migrate.js';

export interface OpenedDatabase {
  sql: Sql;
  /** The embedded server when DATABASE_URL is unset (stop it after closing the pool). */
  embedded: EmbeddedDatabase | undefined;
  /** Migrations this call applied. */
  applied: string[];
}

type DatabaseConfig = Pick<Config, 'databaseUrl' | 'dataDir' | 'embeddedPgPort' | 'dbPoolMax' | 'dbStatementTimeoutMs'>;

/**
 * The studio's database as the sidecar and the CLI both find it: DATABASE_URL, or else the embedded PostgreSQL
 * in STUDIO_DATA_DIR (reused when a running sidecar already started it), migrated to the current schema.
 */
export async function openDatabase(config: DatabaseConfig, log: (line: string) => void): Promise<OpenedDatabase> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dir: path.join(config.dataDir, 'postgres'), port: config.embeddedPgPort, log });
  const url = config.databaseUrl ?? embedded!.url;
  const sql = createSql({ url, poolMax: config.dbPoolMax, statementTimeoutMs: config.dbStatementTimeoutMs });
  const { applied } = await migrate(sql);
  return { sql, embedded, applied };
}
