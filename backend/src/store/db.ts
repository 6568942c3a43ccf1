import postgres from 'postgres';
import { DependencyPolicy, type FailureClass, type PolicyOptions } from '../resilience/policy.js';
import type { ResilienceRegistry } from '../resilience/registry.js';

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
// SQLSTATE classes 08 (connection exception), 57P0x (admin shutdown, crash shutdown, cannot connect now), 53
// (insufficient resources: disk full, out of memory, too many connections) and 58 (I/O errors): the database cannot
// serve now, whatever the query.
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-3]|53...|58...)$/;

// Of those, the ones that mean a connection was lost or never made (not "the server is full or failing").
const CONNECTION_LOSS_SQLSTATE = /^(08...|57P0[1-3])$/;

/** True when an error from postgres.js means the database is unreachable (retry later), not a bad query. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return UNAVAILABLE_ERRNOS.has(code) || UNAVAILABLE_DRIVER_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code);
}

/**
 * True for SQLSTATE class 22 (data exception): Postgres refused a value (NUL in text, a number or date out of
 * range, an invalid escape). Whatever caused it came from the request, so it is never the database being unwell.
 */
export function isDataException(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.length === 5 && code.startsWith('22');
}

/** True when a connection was lost or refused (not a full disk or an I/O error on a live connection). */
export function isConnectionLoss(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return false;
  return UNAVAILABLE_ERRNOS.has(code) || UNAVAILABLE_DRIVER_CODES.has(code) || CONNECTION_LOSS_SQLSTATE.test(code);
}

/**
 * postgres.js 3.4.9 can throw "Cannot read properties of null (reading 'write')" from a setImmediate when a
 * connection closes between scheduling a small write and running it (porsager/postgres#1066, #1154, #1208; fixes
 * not released). Thrown from a timer, it escapes every try/catch and would kill the process during a database
 * outage; by then the connection's queries were already rejected with CONNECTION_CLOSED, so nothing is lost by
 * ignoring it. This recognises exactly that error and nothing else.
 */
export function isPostgresJsClosedSocketWrite(err: unknown): boolean {
  // Checked by shape, not class: test runners hand over errors serialised from their workers.
  const { message, stack } = (err ?? {}) as { message?: unknown; stack?: unknown };
  return (
    typeof message === 'string' &&
    message.includes("reading 'write'") &&
    typeof stack === 'string' &&
    /at \S*nextWrite \(.*postgres[\\/]src[\\/]connection\.js/.test(stack)
  );
}

/** How Postgres errors are treated by its policy (see resilience/policy.ts). */
export function classifyDatabaseError(err: unknown): FailureClass {
  if (isDatabaseUnavailable(err)) return { retry: 'idempotent', isFailure: true };
  const code = (err as { code?: unknown } | undefined)?.code;
  // Serialization failure and deadlock: Postgres rolled the transaction back, so running it again is safe.
  if (code === '40001' || code === '40P01') return { retry: 'always', isFailure: false };
  // statement_timeout: the database is too slow to answer, which is its health, not the request's fault.
  if (code === '57014') return { retry: 'never', isFailure: true };
  return { retry: 'never', isFailure: false };
}

/**
 * Postgres behind its resilience policy: routes and auth reach the store only through `read` (retried on lost
 * connections) and `write` (retried only when Postgres rolled it back). When the policy gives up it throws
 * DependencyFailure, which the API answers as 503 DATABASE_UNAVAILABLE with a Retry-After (http/errors.ts);
 * postgres.js reconnects by itself, so the API recovers when the database returns, without a restart.
 */
export class Database {
  readonly policy: DependencyPolicy;
  private pool: Sql;
  private hasLostConnection = false;

  constructor(
    sql: Sql,
    options: PolicyOptions,
    registry: ResilienceRegistry
  ) {
    this.pool = sql;
    this.policy = new DependencyPolicy('postgres', options, classifyDatabaseError, registry);
    this.policy.onStateChange((state) => {
      if (state === 'open' && this.hasLostConnection) this.replacePool();
    });
  }

  /** The pool now (replaced after a lost database, see replacePool); end it with this at shutdown. */
  get sql(): Sql {
    return this.pool;
  }

  read<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.run(fn, true);
  }

  write<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.run(fn, false);
  }

  private run<T>(fn: (sql: Sql) => Promise<T>, isIdempotent: boolean): Promise<T> {
    return this.policy.execute(
      () =>
        fn(this.pool).catch((err: unknown) => {
          if (isConnectionLoss(err)) this.hasLostConnection = true;
          throw err;
        }),
      { isIdempotent }
    );
  }

  /**
   * The breaker opened on lost connections (the database crashed or restarted): the next calls go to a new pool
   * with the same settings, and the old one is destroyed. Why: postgres.js 3.4.9 sends a transaction's ROLLBACK on
   * its connection even after that connection died; the write throws from a timer (isPostgresJsClosedSocketWrite),
   * and the connection object stays broken: its next startup message is never flushed, so every later use waits out
   * connect_timeout (5 s, CONNECT_TIMEOUT) and pool.end() waits for the lost query. After a SIGKILL under load, half
   * the pool was like that (test/db-recovery.test.ts). Nothing runs on the old pool by then that could succeed:
   * the breaker is open because its connections are gone.
   */
  private replacePool(): void {
    this.hasLostConnection = false;
    const old = this.pool;
    // postgres.js takes its own parsed options as they are (same settings, types and transforms); its typings do not say so.
    this.pool = postgres(old.options as unknown as postgres.Options<{}>);
    void old.end({ timeout: 0 }).catch(() => undefined);
  }
}
