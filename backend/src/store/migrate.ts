import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Sql } from './db.js';
import { installJobQueue } from './jobQueue.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
// Any constant works; it only has to be the same in every replica so two starting together take turns.
const MIGRATION_LOCK_KEY = 7_041_977;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/**
 * Applies every pending migrations/NNN_name.sql in order, all in one transaction (Postgres DDL is
 * transactional, so a failed start leaves the schema as it was), and records each in
 * schema_migrations. Safe to run twice and from several replicas at once (a transaction advisory lock
 * serialises them).
 */
export async function migrate(sql: Sql): Promise<MigrationResult> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
    await tx`
      create table if not exists schema_migrations (
        version text primary key,
        applied_at timestamptz not null default now()
      )`;
    const done = new Set((await tx<{ version: string }[]>`select version from schema_migrations`).map((r) => r.version));
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      await tx.unsafe(await readFile(MIGRATIONS_DIR + file, 'utf8'));
      await tx`insert into schema_migrations (version) values (${file})`;
      applied.push(file);
    }
    await installJobQueue(tx);
    return { applied, alreadyApplied: done.size };
  });
}
