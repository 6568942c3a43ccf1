/**
 * What the resilience layer tells the rest of the sidecar: every dependency's breaker state, every cache's stats,
 * and a stream of events (state changes, retries, give-ups). Metrics, logs and health read it; policies write it.
 * Nothing here logs: the listeners decide what to do with an event.
 */

export type BreakerState = 'closed' | 'open' | 'half_open' | 'isolated';

export interface DependencySnapshot {
  /** e.g. "postgres", "prometheus". */
  name: string;
  breaker: BreakerState;
  /** When the breaker last opened (ISO), if it ever did. */
  openedAt: string | null;
  /** Calls admitted but not finished, and calls waiting for a bulkhead slot. */
  inFlight: number;
  queued: number;
}

export interface CacheStats {
  name: string;
  size: number;
  maxSize: number;
  hits: number;
  misses: number;
  evictions: number;
}

export type GiveUpReason = 'timeout' | 'circuit_open' | 'bulkhead_full' | 'retries_exhausted' | 'failed';

export type ResilienceEvent =
  | { type: 'breaker_state'; dependency: string; state: BreakerState }
  | { type: 'retry'; dependency: string; attempt: number; delayMs: number }
  | { type: 'give_up'; dependency: string; reason: GiveUpReason };

export interface DependencySource {
  snapshot(): DependencySnapshot;
}

export interface CacheSource {
  stats(): CacheStats;
}

export class ResilienceRegistry {
  private readonly dependencySources = new Map<string, DependencySource>();
  private readonly cacheSources = new Map<string, CacheSource>();
  private readonly listeners = new Set<(event: ResilienceEvent) => void>();

  addDependency(name: string, source: DependencySource): void {
    this.dependencySources.set(name, source);
  }

  addCache(name: string, source: CacheSource): void {
    this.cacheSources.set(name, source);
  }

  dependencies(): DependencySnapshot[] {
    return [...this.dependencySources.values()].map((s) => s.snapshot());
  }

  caches(): CacheStats[] {
    return [...this.cacheSources.values()].map((s) => s.stats());
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (event: ResilienceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ResilienceEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
