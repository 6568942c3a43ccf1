import { defineConfig } from 'vitest/config';
import { isPostgresJsClosedSocketWrite } from './src/store/db.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    // Each file gets its own database; two cores run two files at a time comfortably.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // The sidecar process survives this known postgres.js bug (see main.ts); tests that stop Postgres under an
    // in-process sidecar meet it too. Any other unhandled error still fails the run.
    onUnhandledError: (error) => !isPostgresJsClosedSocketWrite(error),
  },
});
