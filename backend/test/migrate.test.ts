import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql, type Sql } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { createTestDatabase } from './support/sidecar.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: Sql;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createSql({ url: db.url, poolMax: 4, statementTimeoutMs: 5000 });
});
afterAll(async () => {
  await sql.end();
  await db.drop();
});

describe('migrate', () => {
  it('applies every migration once, even when replicas start together, and is safe to run again', async () => {
    const files = (await readdir(new URL('../src/store/migrations/', import.meta.url))).filter((f) => f.endsWith('.sql')).sort();
    expect(files.slice(0, 2)).toEqual(['001_initial.sql', '002_alerts_slos.sql']);
    const [a, b] = await Promise.all([migrate(sql), migrate(sql)]);
    expect([...a.applied, ...b.applied]).toEqual(files);
    const again = await migrate(sql);
    expect(again).toEqual({ applied: [], alreadyApplied: files.length });
    const recorded = await sql`select version from schema_migrations order by version`;
    expect(recorded.map((r) => r.version)).toEqual(files);
  });

  it('creates the tables of the design', async () => {
    const tables = await sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`;
    expect(tables.map((t) => t.tableName)).toEqual(
      expect.arrayContaining(['api_tokens', 'events', 'incident_services', 'incidents', 'services', 'timeline_events'])
    );
  });

  it('rejects values the domain does not allow, whatever path they come by', async () => {
    await expect(sql`insert into incidents (title, severity, created_by) values ('x', 'urgent', 't')`).rejects.toThrow(
      /check constraint/
    );
  });
});
