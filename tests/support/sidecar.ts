/**
 * Runs the real sidecar process (backend/src/main.ts) on its own embedded PostgreSQL in a temporary folder, for
 * browser tests that need the whole path: page → host proxy → sidecar → Postgres.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

export const SIDECAR_TOKEN = 'e2e-admin-token-0123456789';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningSidecar {
  url: string;
  port: number;
  /** Data folder and embedded Postgres port: pass both back to startSidecar to restart this sidecar in place. */
  dataDir: string;
  embeddedPgPort: number;
  /** fetch against the sidecar's API with the admin token. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** SIGTERM, then wait for the process (and its embedded Postgres) to stop; `keepData` keeps it for a restart. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface SidecarOptions {
  /** Extra environment (e.g. LIVE_ALLOWED_ORIGINS). */
  env?: Record<string, string>;
  /** Restart in place: the same port, data folder and embedded Postgres port as a stopped sidecar. */
  port?: number;
  dataDir?: string;
  embeddedPgPort?: number;
}

export async function startSidecar(options: SidecarOptions = {}): Promise<RunningSidecar> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'studio-e2e-'));
  chmodSync(dataDir, 0o755); // as root, the embedded Postgres runs as the postgres user and must reach inside
  const port = options.port ?? (await freePort());
  const embeddedPgPort = options.embeddedPgPort ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  // The e2e run always owns its database: a DATABASE_URL in the environment is not for it.
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'backend/src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      STUDIO_DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(embeddedPgPort),
      STUDIO_ADMIN_TOKEN: SIDECAR_TOKEN,
      STUDIO_DEMO_DATA: 'true',
      ...options.env,
    },
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  for (const deadline = Date.now() + 60_000; ; ) {
    if ((await fetch(`${url}/health/ready`).catch(() => undefined))?.ok) {
      break;
    }
    if (hasExited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the sidecar did not become ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  return {
    url,
    port,
    dataDir,
    embeddedPgPort,
    api: (path, init = {}) =>
      fetch(url + path, {
        ...init,
        headers: { authorization: `Bearer ${SIDECAR_TOKEN}`, 'content-type': 'application/json', ...init.headers },
      }),
    stop: async ({ keepData = false } = {}) => {
      if (!hasExited) {
        child.kill('SIGTERM');
        await exited;
      }
      if (!keepData) {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
