import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';

const BACKEND = fileURLToPath(new URL('../..', import.meta.url));

export interface SidecarProcess {
  url: string;
  /** Everything the process printed (its JSON log lines), for failure messages. */
  output(): string;
  /** Sends the signal; `exited` settles when the process is gone. */
  kill(signal: NodeJS.Signals): void;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * The real sidecar (src/main.ts) in its own process on `databaseUrl`: a replica, as production runs it. Without a
 * URL it starts its embedded Postgres (pass STUDIO_DATA_DIR and EMBEDDED_PG_PORT in `env`).
 */
export async function startSidecarProcess(
  databaseUrl: string | undefined,
  token: string,
  env: Record<string, string> = {}
): Promise<SidecarProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { DATABASE_URL: _inherited, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: BACKEND,
    stdio: 'pipe',
    env: {
      ...inherited,
      PORT: String(port),
      HOST: '127.0.0.1',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      STUDIO_ADMIN_TOKEN: token,
      ...env,
    },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  for (let ready = false; !ready; await new Promise((r) => setTimeout(r, 100))) {
    ready = (await fetch(`${url}/health/ready`).catch(() => undefined))?.ok ?? false;
    if (child.exitCode !== null) throw new Error(`the sidecar exited before it was ready:\n${output}`);
  }
  return {
    url,
    output: () => output,
    kill: (signal) => child.kill(signal),
    exited,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
