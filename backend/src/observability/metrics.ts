/**
 * The sidecar's Prometheus metrics. Names are a contract with dashboards and alert rules (README lists them):
 * rename only with them. One Registry per app instance, so tests building several apps never share series.
 */
import { statfs } from 'node:fs/promises';
import type { StatsFs } from 'node:fs';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerState, ResilienceRegistry } from '../resilience/registry.js';

// Seconds. From a cached read (~1 ms) to a slow correlation query; 10 s is past every upstream timeout.
export const HTTP_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// Numeric so alert rules can say `dependency_circuit_state == 2`; isolated (held open by hand) rejects calls as
// open does, so it reads as open.
const CIRCUIT_STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2, isolated: 2 };

export interface MetricsOptions {
  /** Breaker states and cache stats are read from it at scrape time; its events feed the counters. */
  resilience?: ResilienceRegistry;
  /** postgres.js exposes only its configured pool size; the live connection counts are internal to it. */
  dbPoolMax?: number;
  version?: string;
  /** The embedded Postgres' data directory: its filesystem's free and total bytes are exported for disk alerts. */
  dataDir?: string;
}

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly httpInFlight: Gauge;
  /** Requests refused by load shedding (http/shedding.ts), by route class and signal. */
  readonly httpShed: Counter<'class' | 'reason'>;
  /** The exposition text for GET /metrics. */
  render(): Promise<string>;
  readonly contentType: string;
  /** Stops listening to the resilience registry (the Registry itself needs no closing). */
  close(): void;
}

/** Builds the registry with the default process metrics (event-loop lag percentiles included) and ours. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to its response, by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers,
  });
  const httpInFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests received and not yet answered.',
    registers,
  });

  new Gauge({
    name: 'sidecar_build_info',
    help: 'Always 1; the version label says which sidecar build is running.',
    labelNames: ['version'] as const,
    registers,
  }).set({ version: options.version ?? 'unknown' }, 1);

  if (options.dbPoolMax !== undefined) {
    new Gauge({ name: 'db_pool_max_connections', help: 'Configured size of the Postgres connection pool.', registers }).set(
      options.dbPoolMax
    );
  }

  if (options.dataDir) registerDiskMetrics(options.dataDir, registers);

  const unsubscribe = options.resilience ? registerResilienceMetrics(options.resilience, registers) : () => {};

  const httpShed = new Counter({
    name: 'http_requests_shed_total',
    help: 'Requests refused with 503 OVERLOADED by load shedding, by route class (read, write, critical) and signal.',
    labelNames: ['class', 'reason'] as const,
    registers,
  });
  return {
    registry,
    httpRequests,
    httpDuration,
    httpInFlight,
    httpShed,
    render: () => registry.metrics(),
    contentType: registry.contentType,
    close: unsubscribe,
  };
}

/** Free and total bytes of the data directory's filesystem, read at scrape time (one statfs call). */
function registerDiskMetrics(dataDir: string, registers: Registry[]): void {
  const read = async (pick: (s: StatsFs) => number, gauge: Gauge) => {
    try {
      gauge.set(pick(await statfs(dataDir)));
    } catch {
      gauge.reset(); // a missing directory exports nothing rather than a wrong zero
    }
  };
  new Gauge({
    name: 'data_dir_free_bytes',
    help: 'Bytes available to the sidecar on the filesystem of its data directory (embedded Postgres).',
    registers,
    async collect() {
      await read((s) => s.bavail * s.bsize, this);
    },
  });
  new Gauge({
    name: 'data_dir_size_bytes',
    help: 'Size in bytes of the filesystem holding the data directory (embedded Postgres).',
    registers,
    async collect() {
      await read((s) => s.blocks * s.bsize, this);
    },
  });
}

/** Breaker, bulkhead and cache gauges read at scrape time, and counters fed by the registry's events. */
function registerResilienceMetrics(resilience: ResilienceRegistry, registers: Registry[]): () => void {
  const dependencyGauge = (name: string, help: string, read: (d: ReturnType<ResilienceRegistry['dependencies']>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['dependency'] as const,
      registers,
      collect() {
        this.reset();
        for (const d of resilience.dependencies()) this.set({ dependency: d.name }, read(d));
      },
    });
  dependencyGauge(
    'dependency_circuit_state',
    'Circuit breaker state per dependency: 0 closed, 1 half-open, 2 open (or isolated).',
    (d) => CIRCUIT_STATE_VALUE[d.breaker]
  );
  dependencyGauge('dependency_in_flight', 'Calls to the dependency admitted and not finished.', (d) => d.inFlight);
  dependencyGauge('dependency_queued', 'Calls waiting for a bulkhead slot of the dependency.', (d) => d.queued);

  type Stats = ReturnType<ResilienceRegistry['caches']>[number];
  // Cache counts are cumulative in the cache itself; exposing them as counters (reset, then set by inc) keeps
  // rate() meaningful and the `_total` names honest.
  const cacheCounter = (name: string, help: string, read: (s: Stats) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['cache'] as const,
      registers,
      collect() {
        this.reset();
        for (const s of resilience.caches()) this.inc({ cache: s.name }, read(s));
      },
    });
  const cacheGauge = (name: string, help: string, read: (s: Stats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['cache'] as const,
      registers,
      collect() {
        this.reset();
        for (const s of resilience.caches()) this.set({ cache: s.name }, read(s));
      },
    });
  cacheCounter('cache_hits_total', 'Cache lookups answered from the cache.', (s) => s.hits);
  cacheCounter('cache_misses_total', 'Cache lookups that had to call the dependency.', (s) => s.misses);
  cacheCounter('cache_evictions_total', 'Entries the cache dropped to stay within its size.', (s) => s.evictions);
  cacheGauge('cache_size', 'Entries currently held.', (s) => s.size);
  cacheGauge('cache_max_size', 'Most entries the cache will hold.', (s) => s.maxSize);

  const retries = new Counter({
    name: 'dependency_retries_total',
    help: 'Calls to a dependency retried after a retryable failure.',
    labelNames: ['dependency'] as const,
    registers,
  });
  const giveUps = new Counter({
    name: 'dependency_give_ups_total',
    help: 'Calls to a dependency abandoned, by reason (timeout, circuit_open, bulkhead_full, retries_exhausted, failed).',
    labelNames: ['dependency', 'reason'] as const,
    registers,
  });
  // The state gauge is sampled per scrape and misses a breaker that opened and closed in between; this does not.
  const transitions = new Counter({
    name: 'dependency_circuit_transitions_total',
    help: 'Circuit breaker state changes per dependency, by the state entered.',
    labelNames: ['dependency', 'state'] as const,
    registers,
  });
  return resilience.on((event) => {
    if (event.type === 'retry') retries.inc({ dependency: event.dependency });
    else if (event.type === 'give_up') giveUps.inc({ dependency: event.dependency, reason: event.reason });
    else transitions.inc({ dependency: event.dependency, state: event.state });
  });
}
