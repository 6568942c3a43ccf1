/**
 * Game day 2: 2 s of latency injected (a TCP proxy of our own) between the sidecar and Postgres, then between the
 * sidecar and each of Prometheus (Debian's real binary), Loki and Tempo (the fixture server). Timeouts trip and
 * breakers open; requests that do not need the slow dependency stay within the API's objective (p95 < 500 ms);
 * correlation answers with partial results, the slow source failed.
 */
import { startFaultProxy, type FaultProxy } from '../test/support/faultProxy.js';
import { lokiStreams, startFixtureServer, tempoSearch } from '../test/support/fixtureServer.js';
import { startExporter, startPrometheus } from '../test/support/prometheusServer.js';
import { check, type Check, type Experiment, type ExperimentContext } from './support/experiment.js';
import { loops, quantile, send, tally, type Outcome } from './support/http.js';
import { ADMIN_TOKEN, startChaosPostgres, startChaosSidecar } from './support/stack.js';

export interface LatencySettings {
  /** How long each dependency stays slow. */
  phaseMs: number;
  readers: number;
}

export const FULL: LatencySettings = { phaseMs: 10_000, readers: 4 };
export const SHORT: LatencySettings = { phaseMs: 5000, readers: 2 };

const DELAY_MS = 2000;
const TIMEOUT_MS = 1000;
const HALF_OPEN_MS = 3000;
const OBJECTIVE_P95_MS = 500;
/** Correlation runs allowed for a breaker to open (5 consecutive failures, or half of the last 10 calls). */
const MAX_RUNS = 10;

export const latency: Experiment<LatencySettings> = {
  name: 'latency',
  hypothesis:
    '2 s added to Postgres, then to Prometheus, Loki, Tempo in turn: timeouts trip, breakers open; incident API requests not ' +
    'needing the slow one keep p95 < 500 ms; correlation answers with partial results, the slow source failed',
  timeLimitMs: (s) => 180_000 + 6 * s.phaseMs,
  run,
};

async function run(context: ExperimentContext, settings: LatencySettings): Promise<Check[]> {
  const { guard, registry, log } = context;
  const pg = await startChaosPostgres(registry);
  const exporter = await startExporter(() => 'http_requests_total{service="checkout",code="200"} 1\n');
  registry.defer('stop the exporter', () => exporter.close());
  const prometheus = await startPrometheus([exporter.target], '1s');
  registry.defer('stop Prometheus', () => prometheus.stop());
  const fixtures = await startFixtureServer();
  registry.defer('stop the Loki/Tempo fixture server', () => fixtures.close());
  fixtures.route('/loki/api/v1/query_range', () =>
    lokiStreams([{ labels: { service_name: 'checkout', level: 'error' }, lines: [[new Date(), 'payment provider timeout']] }])
  );
  fixtures.route('/api/search', () => tempoSearch([]));

  const proxies: Record<string, FaultProxy> = {};
  for (const [name, url] of [
    ['postgres', pg.url],
    ['prometheus', prometheus.url],
    ['loki', fixtures.url],
    ['tempo', fixtures.url],
  ] as const) {
    const target = new URL(url);
    proxies[name] = await startFaultProxy(Number(target.port));
    registry.defer(`stop the ${name} proxy`, () => proxies[name]!.close());
  }
  const via = (url: string, proxy: FaultProxy) => {
    const u = new URL(url);
    u.port = String(proxy.port);
    return u.href.replace(/\/$/, '');
  };
  const sidecar = await startChaosSidecar(registry, via(pg.url, proxies.postgres!), {
    PROMETHEUS_URL: via(prometheus.url, proxies.prometheus!),
    LOKI_URL: via(fixtures.url, proxies.loki!),
    TEMPO_URL: via(fixtures.url, proxies.tempo!),
    DB_TIMEOUT_MS: String(TIMEOUT_MS),
    DB_RETRIES: '0',
    PROMETHEUS_TIMEOUT_MS: String(TIMEOUT_MS),
    LOKI_TIMEOUT_MS: String(TIMEOUT_MS),
    TEMPO_TIMEOUT_MS: String(TIMEOUT_MS),
    TELEMETRY_RETRIES: '0',
    // 1 ms, not 0: lru-cache reads a TTL of 0 as "never expires", and each run must reach the slow source.
    TELEMETRY_CACHE_TTL_MS: '1',
    TELEMETRY_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
    CORRELATION_BUDGET_MS: '5000',
    SHUTDOWN_DRAIN_DELAY_MS: '200',
  });
  const call = (path: string, init: { json?: unknown; method?: string } = {}) =>
    send(sidecar.url + path, { token: ADMIN_TOKEN, timeoutMs: 20_000, ...init });
  const service = await call('/api/services', { json: { name: 'checkout' } });
  if (service.status !== 201) throw new Error(`creating the service failed: ${service.status} ${service.code}`);
  const incident = await call('/api/incidents', { json: { title: 'Checkout errors', severity: 'critical', services: ['checkout'] } });
  if (incident.status !== 201) throw new Error(`creating the incident failed: ${incident.status} ${incident.code}`);
  const incidentId: string = incident.body.id;
  const breakers = async (): Promise<Record<string, string>> => {
    const o = await send(`${sidecar.url}/health/circuit-breakers`);
    return Object.fromEntries((o.body?.items ?? []).map((d: { name: string; breaker: string }) => [d.name, d.breaker]));
  };
  const before = await call(`/api/incidents/${incidentId}/correlate`, { method: 'POST' });
  const sourcesBefore = before.body?.run?.sources ?? {};
  log(`baseline correlation: ${Object.entries(sourcesBefore).map(([k, v]) => `${k} ${(v as { status: string }).status}`).join(', ')}`);

  /** The incident API under a steady read/write load while `body` runs; returns the outcomes. */
  const underLoad = async (ms: number, body: () => Promise<void>): Promise<Outcome[]> => {
    const outcomes: Outcome[] = [];
    let isRunning = true;
    const load = loops(
      settings.readers,
      async (r, n) => {
        const path = n % 3 === 0 ? '/api/incidents?limit=20' : `/api/incidents/${incidentId}`;
        outcomes.push(n % 5 === 4 ? await call('/api/incidents', { json: { title: `latency ${r}-${n}`, severity: 'low' } }) : await call(path));
      },
      { isRunning: () => isRunning, signal: guard.signal, pauseMs: 50 }
    );
    const ends = Date.now() + ms;
    await body();
    await guard.sleep(Math.max(0, ends - Date.now()));
    isRunning = false;
    await guard.race(load);
    return outcomes;
  };

  const checks: Check[] = [];

  // Postgres slow: every API call needs it, so the hypothesis is fail-fast, not speed.
  proxies.postgres!.setDelay(DELAY_MS);
  const slowDb = await underLoad(settings.phaseMs, async () => {});
  const dbBreakers = await breakers();
  const live = await send(`${sidecar.url}/health/live`);
  proxies.postgres!.setDelay(0);
  const openSince = slowDb.findIndex((o) => o.ms < 100 && o.status === 503);
  const whileOpen = openSince < 0 ? [] : slowDb.slice(openSince);
  checks.push(
    check(
      'postgres: timeout trips, breaker opens, fails fast',
      slowDb.every((o) => o.status === 503 && o.code === 'DATABASE_UNAVAILABLE' && o.ms < TIMEOUT_MS + 1000) &&
        dbBreakers.postgres === 'open' &&
        quantile(whileOpen.map((o) => o.ms), 0.95) < 100 &&
        live.status === 200,
      `${slowDb.length} requests: ${tally(slowDb)}; slowest ${Math.max(0, ...slowDb.map((o) => o.ms))} ms (timeout ${TIMEOUT_MS} ms); ` +
        `breaker ${dbBreakers.postgres}; p95 while open ${quantile(whileOpen.map((o) => o.ms), 0.95)} ms; /health/live ${live.status} in ${live.ms} ms`
    )
  );
  // Back to normal before the next dependency: the breaker half-opens, probes, closes.
  const dbBack = Date.now();
  while ((await call('/api/incidents?limit=1')).status !== 200 && Date.now() - dbBack < 30_000) await guard.sleep(200);
  log(`postgres: API back ${Date.now() - dbBack} ms after the delay was removed`);

  for (const name of ['prometheus', 'loki', 'tempo'] as const) {
    guard.check();
    proxies[name]!.setDelay(DELAY_MS);
    const correlations: Outcome[] = [];
    const outcomes = await underLoad(settings.phaseMs, async () => {
      // Runs until the breaker has counted enough timeouts to open (each run queries the source once or a few times).
      for (let i = 0; i < MAX_RUNS && !guard.signal.aborted; i++) {
        correlations.push(await call(`/api/incidents/${incidentId}/correlate`, { method: 'POST' }));
        if ((await breakers())[name] === 'open') break;
      }
      // One more with the breaker open: the source fails at once instead of waiting for its timeout.
      correlations.push(await call(`/api/incidents/${incidentId}/correlate`, { method: 'POST' }));
    });
    const states = await breakers();
    proxies[name]!.setDelay(0);
    const last = correlations.at(-1);
    const sources: Record<string, { status: string }> = last?.body?.run?.sources ?? {};
    const others = Object.entries(sources).filter(([k]) => k !== name);
    const p95 = quantile(outcomes.map((o) => o.ms), 0.95);
    checks.push(
      check(
        `${name}: breaker opens, API p95 < ${OBJECTIVE_P95_MS} ms, partial correlation`,
        states[name] === 'open' &&
          outcomes.every((o) => o.status >= 200 && o.status < 300) &&
          p95 < OBJECTIVE_P95_MS &&
          correlations.every((o) => o.status === 200) &&
          (sources[name]?.status === 'failed' || sources[name]?.status === 'degraded') &&
          others.some(([, s]) => s.status === 'ok'),
        `breaker ${states[name]} after ${correlations.length - 1} runs; API ${outcomes.length} requests ${tally(outcomes)}, p95 ${p95} ms; ` +
          `correlate ${correlations.map((o) => `${o.status} in ${(o.ms / 1000).toFixed(1)} s`).join(', ')}; last run's sources ` +
          `${Object.entries(sources).map(([k, v]) => `${k} ${v.status}`).join(', ')}`
      )
    );
    // Let the breaker half-open and close again before the next one is slowed.
    await guard.sleep(HALF_OPEN_MS + 500);
    for (let i = 0; i < 2; i++) await call(`/api/incidents/${incidentId}/correlate`, { method: 'POST' });
    log(`${name}: breakers after recovery ${JSON.stringify(await breakers())}`);
  }
  return checks;
}
