import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Options, type Result } from 'autocannon';

const BACKEND = fileURLToPath(new URL('../..', import.meta.url));
const TSX = path.join(BACKEND, '..', 'node_modules', '.bin', 'tsx');

export interface LoadSettings {
  connections: number;
  /** Seconds per measured round. */
  durationS: number;
  rounds: number;
  warmupS: number;
}

/**
 * Connections, round length and count, warm-up; overridable for a quick look (BENCH_DURATION_S=2 npm run bench).
 * The defaults measure each target for 12 s in all, in three rounds of 4 s; a benchmark may set its own.
 */
export function loadSettings(defaults: Partial<LoadSettings> = {}): LoadSettings {
  const int = (name: string, fallback: number) => {
    const value = Number(process.env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
    return value;
  };
  return {
    connections: int('BENCH_CONNECTIONS', defaults.connections ?? 10),
    durationS: int('BENCH_DURATION_S', defaults.durationS ?? 4),
    rounds: int('BENCH_ROUNDS', defaults.rounds ?? 3),
    warmupS: int('BENCH_WARMUP_S', defaults.warmupS ?? 3),
  };
}

async function once(options: Options, connections: number, durationS: number): Promise<Result> {
  const result = await autocannon({ ...options, connections, duration: durationS });
  // A refused or failed request makes the figure meaningless, so it stops the run instead of being averaged in.
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${options.url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return result;
}

export interface Measured {
  /** Mean requests/s over the rounds. */
  rps: number;
  rounds: number[];
  /** Latency percentiles (ms) of the last round. */
  p50: number;
  p99: number;
}

/**
 * Warms every target up (JIT, pools), then measures them in turn, round after round: on a shared machine a
 * burst of background work then lands on all targets alike instead of on whichever ran at that moment.
 */
export async function compare(targets: { name: string; options: Options }[], settings: LoadSettings): Promise<Record<string, Measured>> {
  for (const { options } of targets) await once(options, settings.connections, settings.warmupS);
  const results: Record<string, Measured> = {};
  for (let round = 0; round < settings.rounds; round++) {
    for (const { name, options } of targets) {
      const r = await once(options, settings.connections, settings.durationS);
      const m = (results[name] ??= { rps: 0, rounds: [], p50: 0, p99: 0 });
      m.rounds.push(r.requests.average);
      m.rps = m.rounds.reduce((a, b) => a + b, 0) / m.rounds.length;
      m.p50 = r.latency.p50;
      m.p99 = r.latency.p99;
    }
  }
  return results;
}

export interface ServerProcess {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Runs a benchmark server in its own process, so the load generator (this process) does not share its event
 * loop. The script prints `listening <port>` when ready.
 */
export function startServerProcess(script: string, args: string[], env: Record<string, string>): Promise<ServerProcess> {
  const child: ChildProcess = spawn(TSX, [script, ...args], {
    cwd: BACKEND,
    // Production refuses to start without a STUDIO_SECRET_KEY of its own.
    env: { STUDIO_SECRET_KEY: 'YmVuY2gtc2VydmVycy1zZWNyZXQta2V5LTMyYnl0ZSE=', ...process.env, ...env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let output = '';
    child.on('exit', (code) => reject(new Error(`${script} ${args.join(' ')} exited (${code}) before listening: ${output}`)));
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const port = /listening (\d+)/.exec(output)?.[1];
      if (port) {
        resolve({
          url: `http://127.0.0.1:${port}`,
          pid: child.pid,
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
  });
}
