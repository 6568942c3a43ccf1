/**
 * `correlate`: the p95 of a full correlation run (engine.run through the real Prometheus, Loki, Tempo and change
 * sources, the advisory lock, and storing the run) against fake backends that each answer after a fixed latency
 * L (200 ms). Target: p95 ≤ 1.3 × L, i.e. the sources and their queries run in parallel (serially it would be
 * several L). Then Prometheus stops answering (it hangs): once its breaker is open, runs still take ≤ 1.3 × L
 * because the open breaker fails its queries at once instead of waiting for a timeout.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { ChangeSource } from '../src/correlation/changeSource.js';
import { CorrelationEngine } from '../src/correlation/engine.js';
import { createLokiSource } from '../src/correlation/lokiSource.js';
import { PrometheusSource } from '../src/correlation/prometheusSource.js';
import { createTempoSource } from '../src/correlation/tempoSource.js';
import { loadConfig } from '../src/config.js';
import { ResilienceRegistry } from '../src/resilience/registry.js';
import { createSql, Database } from '../src/store/db.js';
import { createChange } from '../src/store/changes.js';
import { createIncident } from '../src/store/incidents.js';
import { migrate } from '../src/store/migrate.js';
import { createService } from '../src/store/services.js';
import { createLokiClient } from '../src/telemetry/loki.js';
import { createPrometheusPolicy, PrometheusClient } from '../src/telemetry/prometheus.js';
import { createTempoClient } from '../src/telemetry/tempo.js';
import { createLogger } from '../src/observability/logger.js';
import type { BackendName, BackendsCommand, BackendsMessage } from './correlate-backends.js';
import type { BenchContext } from './run.js';

const LATENCY_MS = Number(process.env.BENCH_CORRELATE_LATENCY_MS ?? 200);
const TARGET = 1.3;
const RUNS = Number(process.env.BENCH_CORRELATE_RUNS ?? 40);
/** The fake backends' process (bench/correlate-backends.ts). */
async function startBackends(): Promise<{ urls: Record<BackendName, string>; hang(backend: BackendName): void; stop(): void }> {
  const child: ChildProcess = fork(new URL('./correlate-backends.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const ready = await new Promise<BackendsMessage>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake backends exited (${code})`)));
    child.once('message', (message: BackendsMessage) => resolve(message));
  });
  return {
    urls: ready.urls,
    hang: (backend) => child.send({ type: 'hang', backend } satisfies BackendsCommand),
    stop: () => child.kill(),
  };
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

async function measure(engine: CorrelationEngine, incidentId: string, runs: number) {
  const durations: number[] = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    last = await engine.run(incidentId, 'manual');
    durations.push(performance.now() - started);
  }
  durations.sort((a, b) => a - b);
  return { p50: percentile(durations, 0.5), p95: percentile(durations, 0.95), max: durations.at(-1)!, last: last! };
}

export async function run({ database, report }: BenchContext): Promise<{ ok: boolean }> {
  const sql = createSql({ url: database.url, poolMax: 5, statementTimeoutMs: 10_000 });
  await migrate(sql);
  const backends = await startBackends();
  try {
    const config = loadConfig({
      DB_POOL_MAX: '5',
      LOKI_URL: backends.urls.loki,
      TEMPO_URL: backends.urls.tempo,
      // Every run must reach the backends: a cached answer would measure the cache, not the parallelism (1 ms, as 0
      // would keep answers for ever in lru-cache).
      TELEMETRY_CACHE_TTL_MS: '1',
    });
    const registry = new ResilienceRegistry();
    const db = new Database(sql, config.database, registry);
    // Built by hand (not createPrometheusClient) to watch its breaker; 1 s per attempt, no retry, so it opens soon.
    const prometheusPolicy = createPrometheusPolicy({ ...config.prometheus.policy, timeoutMs: 1000, retries: 0 }, registry);
    const prometheus = new PrometheusClient({ baseUrl: backends.urls.prometheus, policy: prometheusPolicy });
    const engine = new CorrelationEngine({
      db,
      sources: [
        new PrometheusSource({ client: prometheus, datasourceUid: 'prometheus' }),
        createLokiSource(createLokiClient(config.loki, registry), { datasourceUid: 'loki' }),
        createTempoSource(createTempoClient(config.tempo, registry), { datasourceUid: 'tempo' }),
        new ChangeSource(db),
      ],
      budgetMs: 5000,
      leadMs: 15 * 60_000,
      logger: process.env.BENCH_CORRELATE_LOG ? createLogger({ level: 'info' }) : undefined,
    });
    await createService(sql, { name: 'checkout' });
    await createService(sql, { name: 'payments' });
    const incident = await createIncident(
      sql,
      { title: 'Checkout errors', severity: 'critical', services: ['checkout', 'payments'], startedAt: new Date(Date.now() - 5 * 60_000) },
      { name: 'bench', source: 'api' }
    );
    await createChange(sql, { service: 'checkout', kind: 'deploy', summary: 'checkout v2', author: 'bench', at: new Date(Date.now() - 7 * 60_000) });

    const budget = LATENCY_MS * TARGET;
    await measure(engine, incident.id, 3); // warm-up: connections, JIT
    const healthy = await measure(engine, incident.id, RUNS);
    const statuses = (r: typeof healthy.last) =>
      Object.entries(r!.run!.sources)
        .map(([name, s]) => `${name} ${s.status}${s.durationMs === null ? '' : ` ${s.durationMs} ms`}`)
        .join(', ');
    const queries = 2 * (3 + 4 + 4); // per service: Prometheus 3, Loki 4 (volume and lines, both windows), Tempo 4
    report(`  L = ${LATENCY_MS} ms per backend call; ${queries} backend calls per run; target p95 ≤ ${TARGET} × L = ${budget} ms`);
    report(
      `  all backends up:          p50 ${healthy.p50.toFixed(0)} ms  p95 ${healthy.p95.toFixed(0)} ms (${(healthy.p95 / LATENCY_MS).toFixed(2)} × L)  max ${healthy.max.toFixed(0)} ms  [${statuses(healthy.last)}]`
    );

    backends.hang('prometheus');
    let opening = 0;
    while (prometheusPolicy.state !== 'open' && opening < 10) {
      await engine.run(incident.id, 'manual');
      opening++;
    }
    const dead = await measure(engine, incident.id, RUNS);
    report(`  Prometheus hanging: breaker ${prometheusPolicy.state} after ${opening} run(s) that waited for its 1 s timeout`);
    report(
      `  Prometheus dead, open:    p50 ${dead.p50.toFixed(0)} ms  p95 ${dead.p95.toFixed(0)} ms (${(dead.p95 / LATENCY_MS).toFixed(2)} × L)  max ${dead.max.toFixed(0)} ms  [${statuses(dead.last)}; ${dead.last.run!.sources.prometheus.message}]`
    );
    const healthyOk = healthy.p95 <= budget && healthy.last.run!.sources.prometheus.status === 'ok';
    const deadOk = dead.p95 <= budget && dead.last.run!.sources.prometheus.status === 'failed' && dead.last.run!.sources.loki.status !== 'failed';
    report(`  ${healthyOk ? 'ok' : 'MISS'}: all up p95 ≤ ${budget} ms;  ${deadOk ? 'ok' : 'MISS'}: one dead p95 ≤ ${budget} ms with the others answering`);
    return { ok: healthyOk && deadOk };
  } finally {
    backends.stop();
    await sql.end({ timeout: 1 });
  }
}
