import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../../src/store/embedded.js';
import { freePort } from '../../test/support/net.js';

export interface BenchDatabase {
  /** URL of a fresh, empty database made for this run. */
  url: string;
  /** `select version()` of the server, for the report. */
  serverVersion: string;
  close(): Promise<void>;
}

/**
 * A fresh database the way the tests get one: on DATABASE_URL's server when set, else on an embedded
 * PostgreSQL in a temporary folder that is removed afterwards.
 */
export async function openBenchDatabase(): Promise<BenchDatabase> {
  let serverUrl = process.env.DATABASE_URL;
  let stopServer = async () => {};
  if (!serverUrl) {
    const dir = await mkdtemp(path.join(tmpdir(), 'studio-bench-pg-'));
    await chmod(dir, 0o755); // as root the server runs as the postgres user, which must reach inside
    const server = await startEmbeddedPostgres({ dir, port: await freePort(), database: 'postgres' });
    serverUrl = server.url;
    stopServer = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const name = `studio_bench_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const [{ version }] = (await admin`select version()`) as unknown as [{ version: string }];
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    serverVersion: version.split(' ').slice(0, 2).join(' '),
    close: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
      await stopServer();
    },
  };
}

/** A second database on the same server as `url`, dropped by the returned function. */
export async function siblingDatabase(url: string, suffix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const name = `${new URL(url).pathname.slice(1)}_${suffix}`;
  await admin.unsafe(`create database ${name}`);
  const sibling = new URL(url);
  sibling.pathname = `/${name}`;
  return {
    url: sibling.href,
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
