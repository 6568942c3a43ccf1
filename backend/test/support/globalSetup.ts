import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/store/embedded.js';
import { freePort } from './net.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A server URL (database part ignored) where tests may create databases. */
    postgresUrl: string;
  }
}

/**
 * One real PostgreSQL for the whole run: DATABASE_URL when set (e.g. the machine's PostgreSQL 15), else an
 * embedded one in a temporary folder. Test files create their own databases on it.
 */
export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide('postgresUrl', process.env.DATABASE_URL);
    return;
  }
  // Under the OS temp dir: as root, the server runs as the `postgres` user, which must be able to write there.
  const dir = await mkdtemp(path.join(tmpdir(), 'studio-test-pg-'));
  const db = await startEmbeddedPostgres({ dir, port: await freePort(), database: 'postgres' });
  project.provide('postgresUrl', db.url);
  return async () => {
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
