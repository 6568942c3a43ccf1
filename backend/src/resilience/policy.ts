import {
  BrokenCircuitError,
  BulkheadRejectedError,
  circuitBreaker,
  CircuitState,
  handleWhen,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  bulkhead as bulkheadPolicy,
  type IPolicy,
} from 'cockatiel';
import { JitteredBackoff, type BackoffOptions } from './backoff.js';
import { StudioBreaker, type BreakerOptions } from './breaker.js';
import { QueueDelay } from './queueDelay.js';
import type { BreakerState, DependencySnapshot, GiveUpReason, ResilienceRegistry } from './registry.js';

/**
 * How an error from a dependency is treated. `retry`: `always` for failures known to have changed nothing
 * (e.g. a rolled-back serialization failure), `idempotent` for failures that may have (a lost connection: only
 * safe for reads), `never` otherwise. `isFailure`: whether it says the dependency is unwell (counts towards the
 * breaker); a caller's mistake (4xx, a constraint violation) never does.
 */
export interface FailureClass {
  retry: 'always' | 'idempotent' | 'never';
  isFailure: boolean;
}

export type Classifier = (err: unknown) => FailureClass;

export interface PolicyOptions {
  /** Per attempt; the call is abandoned after it (design: 5 s for telemetry, 10 s for Postgres). */
  timeoutMs: number;
  /** Retries after the first attempt (design: 3). */
  retries: number;
  backoff: BackoffOptions;
  breaker: BreakerOptions & { halfOpenAfterMs: number };
  /** Concurrent calls, and calls allowed to wait for a slot; beyond that, fail fast. */
  bulkhead: { maxConcurrent: number; maxQueue: number };
  /**
   * A call that arrives while the half-open probe runs waits for the probe's outcome (at most `timeoutMs`, or
   * until its own signal aborts) and goes ahead if the probe closed the circuit, instead of failing fast. For
   * callers that send a burst of queries at once (a correlation run): without it, the first run after a backend
   * returns loses every query but the probe. Off by default: a flood of API requests must not queue behind a probe.
   */
  waitForProbe?: boolean;
}

/** Thrown when the policy gave up on a call; `cause` holds the last error, if any. */
export class DependencyFailure extends Error {
  constructor(
    readonly dependency: string,
    readonly reason: GiveUpReason,
    /** While the breaker is open: how long until it lets a probe through. */
    readonly retryAfterMs: number | undefined,
    cause?: unknown
  ) {
    super(`${dependency}: ${reason.replace('_', ' ')}`, { cause });
    this.name = 'DependencyFailure';
  }
}

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * The one resilience policy of a dependency, shared by every call to it: bulkhead → retry → circuit breaker →
 * timeout (per attempt). Built from cockatiel policies; reports breaker changes, retries and give-ups to the
 * registry instead of logging them.
 */
export class DependencyPolicy {
  private readonly breaker: ReturnType<typeof circuitBreaker>;
  private readonly bulkhead: ReturnType<typeof bulkheadPolicy>;
  private readonly forReads: IPolicy;
  private readonly forWrites: IPolicy;
  private openedAt: number | null = null;
  /** Attempts running inside the dependency right now (past the bulkhead). */
  private running = 0;
  private readonly queueDelay = new QueueDelay(() => this.bulkhead.queueSlots === this.options.bulkhead.maxQueue);

  constructor(
    readonly name: string,
    private readonly options: PolicyOptions,
    private readonly classify: Classifier,
    private readonly registry: ResilienceRegistry
  ) {
    const isTimeout = (e: unknown) => e instanceof TaskCancelledError;
    this.bulkhead = bulkheadPolicy(options.bulkhead.maxConcurrent, options.bulkhead.maxQueue);
    this.breaker = circuitBreaker(
      handleWhen((e) => isTimeout(e) || classify(e).isFailure),
      { halfOpenAfter: options.breaker.halfOpenAfterMs, breaker: new StudioBreaker(options.breaker) }
    );
    // abortOnReturn off: aborting a finished call's signal builds a DOMException with a stack on every success,
    // the largest cost of the policy on fast queries. The signal still aborts when the timeout fires.
    const timeoutPolicy = timeout(options.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
    const retryWhen = (isIdempotent: boolean) =>
      retry(
        handleWhen((e) => {
          // A retry while a half-open probe runs would wait for the probe (see execute).
          if (e instanceof BrokenCircuitError || this.breaker.state === CircuitState.HalfOpen) return false;
          if (isTimeout(e)) return isIdempotent;
          const { retry: r } = classify(e);
          return r === 'always' || (isIdempotent && r === 'idempotent');
        }),
        { maxAttempts: options.retries, backoff: new JitteredBackoff(options.backoff) }
      );
    const readRetry = retryWhen(true);
    const writeRetry = retryWhen(false);
    for (const r of [readRetry, writeRetry]) {
      r.onRetry(({ attempt, delay }) => registry.emit({ type: 'retry', dependency: name, attempt, delayMs: delay }));
    }
    this.forReads = wrap(this.bulkhead, readRetry, this.breaker, timeoutPolicy);
    this.forWrites = wrap(this.bulkhead, writeRetry, this.breaker, timeoutPolicy);

    this.breaker.onStateChange((state) => {
      if (state === CircuitState.Open) this.openedAt = Date.now();
      registry.emit({ type: 'breaker_state', dependency: name, state: STATE_NAMES[state] });
    });
    registry.addDependency(name, this);
  }

  /**
   * Runs one call to the dependency. `isIdempotent` allows retrying failures that may have had an effect. The
   * signal passed to `fn` aborts on timeout or when the caller's `signal` aborts; pass it on to fetch/queries.
   * `attempt` is 0 on the first try and counts the retries after it (an HTTP client span's resend count).
   * Throws DependencyFailure when the policy gives up; errors that are not failures pass through untouched.
   */
  async execute<T>(
    fn: (signal: AbortSignal, attempt: number) => Promise<T>,
    opts: { isIdempotent: boolean; signal?: AbortSignal }
  ): Promise<T> {
    const policy = opts.isIdempotent ? this.forReads : this.forWrites;
    let attempts = 0;
    // cockatiel makes every call that arrives while the half-open probe runs wait for the probe's outcome (up to
    // its timeout: 10 s for Postgres), outside the timeout policy. Such a call fails fast instead, like one that
    // arrives while the circuit is open: the dependency has not proved itself yet.
    if (this.breaker.state === CircuitState.HalfOpen) {
      if (!this.options.waitForProbe || !(await this.probeCloses(opts.signal))) {
        throw this.giveUp(new BrokenCircuitError(), 0);
      }
    }
    // Full: refused here rather than by cockatiel, whose rejection error (with its stack) cost a tenth of the CPU
    // when overload pushed thousands of requests a second at a full bulkhead.
    if (this.bulkhead.executionSlots === 0 && this.bulkhead.queueSlots === 0) {
      this.registry.emit({ type: 'give_up', dependency: this.name, reason: 'bulkhead_full' });
      throw new DependencyFailure(this.name, 'bulkhead_full', undefined);
    }
    const queuedAt = performance.now();
    try {
      return await policy.execute(async ({ signal }) => {
        if (attempts === 0) this.queueDelay.record(performance.now() - queuedAt);
        attempts++;
        this.running++;
        try {
          return await fn(signal, attempts - 1);
        } finally {
          this.running--;
        }
      }, opts.signal);
    } catch (err) {
      throw this.giveUp(err, attempts);
    }
  }

  /** Whether the running half-open probe closes the circuit: false when it reopens, times out or `signal` aborts. */
  private probeCloses(signal: AbortSignal | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (closed: boolean) => {
        clearTimeout(timer);
        listener.dispose();
        signal?.removeEventListener('abort', aborted);
        resolve(closed);
      };
      const aborted = () => done(false);
      const timer = setTimeout(() => done(false), this.options.timeoutMs);
      const listener = this.breaker.onStateChange((state) => {
        if (state !== CircuitState.HalfOpen) done(state === CircuitState.Closed);
      });
      if (signal?.aborted) aborted();
      else signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  /** Calls `listener` on every breaker state change (after the registry hears of it). */
  onStateChange(listener: (state: BreakerState) => void): void {
    this.breaker.onStateChange((state) => listener(STATE_NAMES[state]));
  }

  /**
   * How full the bulkhead's queue is, 0 to 1 (1: a call now would be refused). Load shedding reads it to refuse
   * requests before they do any work, rather than after, at the bulkhead.
   */
  get queueShare(): number {
    const max = this.options.bulkhead.maxQueue;
    if (max === 0) return this.bulkhead.executionSlots === 0 ? 1 : 0;
    return (max - this.bulkhead.queueSlots) / max;
  }

  /** How long calls wait in the bulkhead's queue now (ms; see QueueDelay). Load shedding reads it too. */
  get queueDelayMs(): number {
    return this.queueDelay.current();
  }

  get state(): BreakerState {
    return STATE_NAMES[this.breaker.state];
  }

  /** Milliseconds until an open breaker lets a probe through; undefined when not open. */
  msUntilHalfOpen(): number | undefined {
    if (this.breaker.state !== CircuitState.Open || this.openedAt === null) return undefined;
    return Math.max(0, this.options.breaker.halfOpenAfterMs - (Date.now() - this.openedAt));
  }

  snapshot(): DependencySnapshot {
    return {
      name: this.name,
      breaker: this.state,
      openedAt: this.openedAt === null ? null : new Date(this.openedAt).toISOString(),
      inFlight: this.running,
      queued: this.options.bulkhead.maxQueue - this.bulkhead.queueSlots,
    };
  }

  private giveUp(err: unknown, attempts: number): unknown {
    let reason: GiveUpReason;
    if (err instanceof BrokenCircuitError) reason = 'circuit_open';
    else if (err instanceof BulkheadRejectedError) reason = 'bulkhead_full';
    else if (err instanceof TaskCancelledError) reason = 'timeout';
    else if (this.classify(err).isFailure) reason = attempts > 1 ? 'retries_exhausted' : 'failed';
    else return err; // not the dependency's fault (a 4xx, a constraint violation, our own AppError): pass it on
    this.registry.emit({ type: 'give_up', dependency: this.name, reason });
    // Open: until the next probe; half-open: a probe is running now, so soon.
    const retryAfterMs = reason !== 'circuit_open' ? undefined : (this.msUntilHalfOpen() ?? (this.state === 'half_open' ? 1000 : undefined));
    return new DependencyFailure(this.name, reason, retryAfterMs, err);
  }
}
