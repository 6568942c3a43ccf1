import type { IBackoff, IRetryBackoffContext } from 'cockatiel';

export interface BackoffOptions {
  /** First delay (design: 100 ms), doubled each attempt, never above `maxMs` (design: 5 s). */
  baseMs: number;
  maxMs: number;
  /** ±share of the delay, so clients that failed together do not retry together (design: 0.25). */
  jitter: number;
  /** Math.random by default; tests pass their own. */
  random?: () => number;
}

/** An error that says how long to wait, e.g. from a 429's Retry-After header. */
export interface HasRetryAfter {
  retryAfterMs?: number;
}

/**
 * Exponential backoff with ±jitter that honours a Retry-After carried by the error (capped at `maxMs`, so a
 * dependency cannot park our request for minutes).
 */
export class JitteredBackoff implements IBackoff<IRetryBackoffContext<unknown>> {
  constructor(
    private readonly options: BackoffOptions,
    private readonly attempt = 0,
    readonly duration = 0
  ) {}

  next(context: IRetryBackoffContext<unknown>): JitteredBackoff {
    const { baseMs, maxMs, jitter, random = Math.random } = this.options;
    const error = 'error' in context.result ? (context.result.error as HasRetryAfter | undefined) : undefined;
    let delay: number;
    if (typeof error?.retryAfterMs === 'number' && error.retryAfterMs >= 0) {
      delay = Math.min(error.retryAfterMs, maxMs);
    } else {
      const exponential = Math.min(baseMs * 2 ** this.attempt, maxMs);
      delay = Math.min(maxMs, exponential * (1 + jitter * (2 * random() - 1)));
    }
    return new JitteredBackoff(this.options, this.attempt + 1, Math.round(delay));
  }
}
