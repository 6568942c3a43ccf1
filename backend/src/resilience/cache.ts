import { LRUCache } from 'lru-cache';
import type { CacheStats, ResilienceRegistry } from './registry.js';

export interface CacheOptions {
  /** Most entries kept; the least recently used go first. */
  maxEntries: number;
  ttlMs: number;
}

/**
 * An LRU cache with a TTL for dependency answers (telemetry query results), with hit/miss/eviction counts
 * reported to the registry. `getOrLoad` shares one in-flight load among concurrent callers of the same key, so a
 * war room opened by ten people sends one query, not ten.
 */
export class TtlCache<V extends {}> {
  private readonly lru: LRUCache<string, V>;
  private readonly loading = new Map<string, Promise<V>>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(
    readonly name: string,
    private readonly options: CacheOptions,
    registry?: ResilienceRegistry
  ) {
    this.lru = new LRUCache<string, V>({
      max: options.maxEntries,
      ttl: options.ttlMs,
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.evictions++;
      },
    });
    registry?.addCache(name, this);
  }

  get(key: string): V | undefined {
    const value = this.lru.get(key);
    if (value === undefined) this.misses++;
    else this.hits++;
    return value;
  }

  set(key: string, value: V): void {
    // lru-cache reads ttl 0 as "never expires"; here 0 means "do not keep answers" (in-flight loads are still shared).
    if (this.options.ttlMs > 0) this.lru.set(key, value);
  }

  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const promise = load()
      .then((value) => {
        this.set(key, value);
        return value;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, promise);
    return promise;
  }

  stats(): CacheStats {
    return {
      name: this.name,
      size: this.lru.size,
      maxSize: this.options.maxEntries,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
    };
  }
}
