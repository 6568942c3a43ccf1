import { CircuitState, type IBreaker } from 'cockatiel';

export interface BreakerOptions {
  /** Open after this many failures in a row (design: 5). */
  consecutiveFailures: number;
  /** ...or when at least this share of the last `windowSize` calls failed (design: 0.5 of 10). */
  failureRate: number;
  windowSize: number;
  /** After a half-open probe succeeds, this many successes in all (the probe included) close it for good (design: 3). */
  closeAfterSuccesses: number;
}

/**
 * When a dependency's circuit opens: after N consecutive failures or a failure rate over the last M calls,
 * whichever comes first. cockatiel closes the circuit on the first successful half-open probe; this breaker then
 * keeps it on probation until `closeAfterSuccesses` successes, and any failure during probation reopens it at once,
 * so a dependency that answers one probe and falls over again is not flooded.
 */
export class StudioBreaker implements IBreaker {
  private consecutive = 0;
  private window: boolean[] = [];
  private probationLeft = 0;

  constructor(private readonly options: BreakerOptions) {}

  get state(): unknown {
    return { consecutive: this.consecutive, window: [...this.window], probationLeft: this.probationLeft };
  }

  set state(value: unknown) {
    const v = value as { consecutive: number; window: boolean[]; probationLeft: number };
    this.consecutive = v.consecutive;
    this.window = [...v.window];
    this.probationLeft = v.probationLeft;
  }

  /** True while a recently half-opened circuit has not yet proved itself. */
  get isOnProbation(): boolean {
    return this.probationLeft > 0;
  }

  success(state: CircuitState): void {
    if (state === CircuitState.HalfOpen) {
      this.reset();
      this.probationLeft = this.options.closeAfterSuccesses - 1;
      return;
    }
    if (this.probationLeft > 0) this.probationLeft--;
    this.consecutive = 0;
    this.record(true);
  }

  failure(state: CircuitState): boolean {
    if (state === CircuitState.HalfOpen || this.probationLeft > 0) {
      this.reset();
      return true;
    }
    this.consecutive++;
    this.record(false);
    if (this.consecutive >= this.options.consecutiveFailures) return this.trip();
    const failures = this.window.filter((ok) => !ok).length;
    if (this.window.length >= this.options.windowSize && failures / this.window.length >= this.options.failureRate) {
      return this.trip();
    }
    return false;
  }

  private trip(): true {
    this.reset();
    return true;
  }

  private reset(): void {
    this.consecutive = 0;
    this.window = [];
    this.probationLeft = 0;
  }

  private record(ok: boolean): void {
    this.window.push(ok);
    if (this.window.length > this.options.windowSize) this.window.shift();
  }
}
