import postgres from 'postgres';

export type Sql = postgres.Sql;

export interface DbOptions {
  url: string;
  poolMax: number;
  statementTimeoutMs: number;
}

/**
 * One postgres.js pool for the process. Columns come back camelCase (SQL stays snake_case),
 * timestamps as Date. Timeouts follow the design's Postgres policy: connect 5 s, statement 10 s.
 */
export function createSql(options: DbOptions): Sql {
  return postgres(options.url, {
    max: options.poolMax,
    connect_timeout: 5,
    idle_timeout: 60,
    transform: { column: { from: postgres.toCamel } },
    connection: { statement_timeout: options.statementTimeoutMs, application_name: 'reliability-studio' },
    onnotice: () => {},
  });
}

// Error classes that mean "the database is not there right now" rather than "this request is wrong".
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_DRIVER_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);
// SQLSTATE classes 08 (connection exception), 57P0x (admin shutdown, crash shutdown, cannot connect now), 53300.
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-3]|53300)$/;

/** True when an error from postgres.js means the database is unreachable (retry later), not a bad query. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return UNAVAILABLE_ERRNOS.has(code) || UNAVAILABLE_DRIVER_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code);
}
