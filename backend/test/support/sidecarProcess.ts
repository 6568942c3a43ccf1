import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';

const BACKEND = fileURLToPath(new URL('../..', import.meta.url));

export interface SidecarProcess {
  url: string;
  pid: number;
  /** Everything the process printed (its JSON log lines), for failure messages. */
  output(): string;
  /** Sends the signal; `exited` settles when the process is gone. */
  kill(signal: NodeJS.Signals): void;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface SidecarProcessOptions {
  /**
   * Its own process group, so the whole tree (with an embedded Postgres) can be killed with `kill(-pid)`, and a
   * Ctrl-C in the terminal reaches only the parent, which decides what to stop (the chaos suite).
   */
  detached?: boolean;
  /** Told the pid as soon as the process exists, before it is ready (to track it for cleanup). */
  onSpawn?: (pid: number) => void;
  /** Give up (and kill it) if it is not ready by then; default: wait as long as it runs. */
  readyTimeoutMs?: number;
}

/**
 * The real sidecar (src/main.ts) in its own process on `databaseUrl`: a replica, as production runs it. Without a
 * URL it starts its embedded Postgres (pass STUDIO_DATA_DIR and EMBEDDED_PG_PORT in `env`).
 */
export async function startSidecarProcess(
  databaseUrl: string | undefined,
  token: string,
  env: Record<string, string> = {},
  options: SidecarProcessOptions = {}
): Promise<SidecarProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { DATABASE_URL: _inherited, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: BACKEND,
    stdio: 'pipe',
    detached: options.detached ?? false,
    env: {
      ...inherited,
      PORT: String(port),
      HOST: '127.0.0.1',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      STUDIO_ADMIN_TOKEN: token,
      ...env,
    },
  });
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + (options.readyTimeoutMs ?? Infinity);
  for (let ready = false; !ready; await new Promise((r) => setTimeout(r, 100))) {
    ready = (await fetch(`${url}/health/ready`).catch(() => undefined))?.ok ?? false;
    if (child.exitCode !== null) throw new Error(`the sidecar exited before it was ready:\n${output}`);
    if (!ready && Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the sidecar was not ready within ${options.readyTimeoutMs} ms:\n${output.slice(-2000)}`);
    }
  }
  return {
    url,
    pid: child.pid!,
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
