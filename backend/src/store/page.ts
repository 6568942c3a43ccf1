import type { Sql, TransactionSql } from 'postgres';

/** Where a row sits in a list's order: its sort keys as text (exact), then its id. */
export interface Position {
  keys: string[];
  id: string;
}

/** One page of a list: at most `limit` rows, strictly after `after` in the list's order. */
export interface Page {
  limit: number;
  after?: Position;
}

type Db = Sql | TransactionSql;
type Fragment = ReturnType<Sql['unsafe']>;

/**
 * The keyset condition of a page ordered by `columns` then `idColumn`, all ascending or all descending, as a row
 * comparison an index on the same columns serves; `true` on the first page. `columns` are trusted SQL (column
 * names written in the store), each with the type its cursor text is cast to.
 */
export function afterPosition(
  sql: Db,
  page: Page | undefined,
  columns: Array<[column: string, type: 'text' | 'timestamptz' | 'int' | 'bigint']>,
  idColumn: string,
  direction: 'asc' | 'desc' = 'asc'
): Fragment {
  const after = page?.after;
  if (!after) return sql`true`;
  if (after.keys.length !== columns.length) return sql`false`;
  const values = columns.map(([, type], n) => sql`${after.keys[n]!}::${sql.unsafe(type)}`);
  const row = [...columns.map(([column]) => column), idColumn].join(', ');
  const joined = [...values, sql`${after.id}::uuid`].reduce(
    (acc, v, n) => (n === 0 ? sql`${v}` : sql`${acc}, ${v}`),
    sql``
  );
  return sql`(${sql.unsafe(row)}) ${sql.unsafe(direction === 'asc' ? '>' : '<')} (${joined})`;
}

/** `limit n` for a page, nothing without one (callers inside the sidecar that need every row). */
export function pageLimit(sql: Db, page: Page | undefined): Fragment {
  return page ? sql`limit ${page.limit}` : sql``;
}
