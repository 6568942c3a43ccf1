import type { Sql } from '../../src/store/db.js';

/** Each table's rows, each as the md5 of its text form, sorted. */
export type TableSnapshot = Record<string, string[]>;

// Columns a read legitimately touches: auth refreshes a token's last use.
const VOLATILE: Record<string, string[]> = { api_tokens: ['last_used_at'] };

/**
 * Every row of every table in the public schema (whatever later migrations add), fingerprinted, so a test can
 * tell whether any row that existed before was changed or deleted.
 */
export async function snapshotTables(sql: Sql): Promise<TableSnapshot> {
  const tables = await sql<{ tableName: string }[]>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`;
  const snapshot: TableSnapshot = {};
  for (const { tableName } of tables) {
    const dropped = VOLATILE[tableName] ?? [];
    // to_jsonb minus the volatile keys: a stable text form of the whole row.
    const rows = await sql<{ h: string }[]>`
      select md5((to_jsonb(t) - ${dropped}::text[])::text) as h from ${sql(tableName)} t order by 1`;
    snapshot[tableName] = rows.map((r) => r.h);
  }
  return snapshot;
}
