/**
 * Where the process is in its life, read by the health probes and the HTTP layer: `starting` until migrations ran
 * and the listener is up, `serving`, then `draining` from the first SIGTERM (readiness answers 503 so load
 * balancers stop sending, responses ask clients to reconnect elsewhere, in-flight requests finish).
 */
export class Lifecycle {
  private current: 'starting' | 'serving' | 'draining' = 'starting';

  get phase(): 'starting' | 'serving' | 'draining' {
    return this.current;
  }

  get isDraining(): boolean {
    return this.current === 'draining';
  }

  markServing(): void {
    if (this.current === 'starting') this.current = 'serving';
  }

  startDraining(): void {
    this.current = 'draining';
  }
}
