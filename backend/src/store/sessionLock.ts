import postgres from 'postgres';
import type { Database } from './db.js';

/**
 * A connection of its own (outside the pool) for Postgres session advisory locks held for a while, e.g. one
 * correlation run. Ending it releases every lock it holds, and so does Postgres when the connection dies.
 *
 * Why not `sql.reserve()` on the pool: postgres.js 3.4.9 puts a reserved connection back in its idle list on
 * `release()` even when that connection died meanwhile (a database restart), and a query sent to a dead connection
 * is never answered (its write throws from a timer, see isPostgresJsClosedSocketWrite). One such connection caught
 * queries for ever after a Postgres crash: every half-open probe that reached it waited the whole DB_TIMEOUT_MS, so
 * the API did not come back (test/db-recovery.test.ts). Here the connection is closed, never reused, and a query is
 * never sent on it once it is known to be gone.
 */
export class LockConnection {
  /** The session it held locks in is gone (or ended): no query is sent on it again. */
  private isClosed = false;
  private hasSession = false;

  private constructor(
    private readonly db: Database,
    private readonly client: postgres.Sql
  ) {}

  /** A new connection with the pool's settings; it connects on its first query. */
  static open(db: Database): LockConnection {
    const o = db.sql.options;
    let lock: LockConnection | undefined = undefined;
    const client = postgres({
      host: o.host as unknown as string,
      port: o.port as unknown as number,
      path: o.path || undefined,
      database: o.database,
      user: o.user,
      pass: o.pass ?? undefined,
      ssl: o.ssl as postgres.Options<{}>['ssl'],
      connect_timeout: o.connect_timeout,
      connection: { ...o.connection, application_name: 'reliability-studio-lock' },
      max: 1,
      fetch_types: false,
      onnotice: () => {},
      // A failed connection attempt closes too; only a session that existed takes its locks with it.
      onclose: () => {
        if (lock?.hasSession) lock.isClosed = true;
      },
    });
    lock = new LockConnection(db, client);
    return lock;
  }

  /**
   * Takes the lock if it is free (true) or says it is held elsewhere (false), through the database's policy (a down
   * database fails fast with DATABASE_UNAVAILABLE). Fails if this connection is gone: whatever it held is released.
   */
  tryLock(key: string): Promise<boolean> {
    return this.db.read(async () => {
      if (this.isClosed) throw Object.assign(new Error('the lock connection closed'), { code: 'CONNECTION_CLOSED' });
      const [row] = await this.client<{ locked: boolean }[]>`select pg_try_advisory_lock(hashtextextended(${key}, 0)) as locked`;
      this.hasSession = true;
      return row!.locked;
    });
  }

  /** Ends the session, which releases every lock it holds (no unlock query on a connection that may be gone). Never throws. */
  async close(): Promise<void> {
    this.isClosed = true;
    await this.client.end({ timeout: 1 }).catch(() => undefined);
  }
}
