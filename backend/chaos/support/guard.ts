import { cpus, loadavg } from 'node:os';

/** Why an experiment was stopped before its end. */
export class AbortedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'AbortedError';
  }
}

export interface GuardOptions {
  /** Abort when the 1-minute load average passes this. */
  maxLoad: number;
  /** Abort when the experiment runs longer than this. */
  timeLimitMs: number;
  /** How often the load is looked at. */
  intervalMs?: number;
}

/**
 * The default load bound: 5× the cores. The machines these run on are shared (other builds and test runs: on the
 * 2-core machine the README's figures come from, the load stood at 5–9 before anything started), and an experiment
 * itself puts three or four busy processes on the run queue (sidecar, Postgres, load generator), so a tighter bound
 * aborts every run; past it the figures measure the neighbours more than the sidecar, so the experiment stops.
 * CHAOS_MAX_LOAD overrides.
 */
export function defaultMaxLoad(): number {
  const configured = Number(process.env.CHAOS_MAX_LOAD);
  return Number.isFinite(configured) && configured > 0 ? configured : 5 * cpus().length;
}

/**
 * The abort switch of one experiment: watches the machine's load and the experiment's time bound, and aborts
 * `signal` when either is passed. Experiments call check() between steps and hand `signal` to their load loops.
 */
export class LoadGuard {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly deadline: NodeJS.Timeout;
  /** Highest 1-minute load average seen while the experiment ran. */
  peakLoad = loadavg()[0] ?? 0;

  constructor(private readonly options: GuardOptions) {
    this.timer = setInterval(() => {
      const load = loadavg()[0] ?? 0;
      this.peakLoad = Math.max(this.peakLoad, load);
      if (load > options.maxLoad) this.abort(`machine load ${load.toFixed(1)} passed the bound ${options.maxLoad}`);
    }, options.intervalMs ?? 1000);
    this.deadline = setTimeout(() => this.abort(`time bound of ${Math.round(options.timeLimitMs / 1000)} s passed`), options.timeLimitMs);
    this.timer.unref();
    this.deadline.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Aborts from outside (Ctrl-C). */
  abort(reason: string): void {
    if (!this.controller.signal.aborted) this.controller.abort(new AbortedError(reason));
  }

  /** Throws AbortedError once aborted: call between steps. */
  check(): void {
    if (this.controller.signal.aborted) throw this.controller.signal.reason as AbortedError;
  }

  /** Waits `ms`, or throws AbortedError as soon as the guard trips. */
  async sleep(ms: number): Promise<void> {
    this.check();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(this.controller.signal.reason as AbortedError);
      };
      const timer = setTimeout(() => {
        this.controller.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.controller.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Resolves with `promise`, or throws AbortedError as soon as the guard trips. */
  race<T>(promise: Promise<T>): Promise<T> {
    this.check();
    return Promise.race([
      promise,
      new Promise<never>((_, reject) =>
        this.controller.signal.addEventListener('abort', () => reject(this.controller.signal.reason as AbortedError), { once: true })
      ),
    ]);
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.deadline);
  }
}
