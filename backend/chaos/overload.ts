/**
 * Game day 5: overload. The sustainable rate of GET /api/incidents/:id is measured first (closed loop, few
 * connections: the most the sidecar answers without a queue); then 5× that rate is offered for 30 s (open loop,
 * autocannon's overallRate over many connections). Load shedding keeps the admitted requests' p99 within target,
 * /health/live and alert intake keep answering, RSS stays bounded, and throughput returns when the load drops.
 */
import autocannon, { type Options, type Result } from 'autocannon';
import { alertmanagerPayload, manyAlerts } from '../test/support/alerting.js';
import { check, type Check, type Experiment, type ExperimentContext } from './support/experiment.js';
import { quantile, send, tally, type Outcome } from './support/http.js';
import { ADMIN_TOKEN, rssMiB, startChaosPostgres, startChaosSidecar } from './support/stack.js';

export interface OverloadSettings {
  measureS: number;
  overloadS: number;
  factor: number;
  connections: number;
}

export const FULL: OverloadSettings = { measureS: 8, overloadS: 30, factor: 5, connections: 400 };
export const SHORT: OverloadSettings = { measureS: 4, overloadS: 8, factor: 5, connections: 200 };

/** p99 of admitted (2xx) requests under overload: twice the API's p95 objective of 500 ms. */
const P99_TARGET_MS = 1000;
/** A liveness probe's default timeout in Kubernetes (deploy/kubernetes sets none, so 1 s applies). */
const LIVE_TIMEOUT_MS = 1000;
/** Alert intake answers within this, so a sender's notification queue does not back up behind us. */
const INTAKE_TARGET_MS = 5000;
/** The Kubernetes example's memory limit (deploy/kubernetes/deployment.yaml). */
const RSS_LIMIT_MIB = 512;
/** After the overload, the closed-loop rate must come back to this share of the one measured before. */
const RETURN_SHARE = 0.8;
/** ...within this long after the load drops. */
const RETURN_LIMIT_MS = 20_000;

export const overload: Experiment<OverloadSettings> = {
  name: 'overload',
  hypothesis:
    '5× the sustainable rate for 30 s: shedding keeps p99 of admitted requests < 1 s; /health/live (p99 < 1 s) and alert ' +
    'intake (2xx, p99 < 5 s) keep answering; RSS stays under 512 MiB; throughput returns (≥ 80 %) within 20 s of the load dropping',
  timeLimitMs: (s) => 150_000 + (2 * s.measureS + s.overloadS) * 1000,
  run,
};

/**
 * Admitted (200) answers to the target route by the sidecar's own histogram (http_request_duration_seconds): bucket
 * counts by upper bound, to compare what the generator measured with what the sidecar spent. The generator shares the
 * machine's cores, so its figures include its own queueing.
 */
async function admittedBuckets(sidecarUrl: string): Promise<Map<number, number>> {
  const text = await (await fetch(`${sidecarUrl}/metrics`)).text();
  const buckets = new Map<number, number>();
  for (const m of text.matchAll(/^http_request_duration_seconds_bucket\{le="([^"]+)",method="GET",route="\/api\/incidents\/:id",status="200"\} (\d+)$/gm)) {
    buckets.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  }
  return buckets;
}

/** The smallest bucket bound (s) holding `q` of the answers counted between two readings. */
function bucketQuantile(before: Map<number, number>, after: Map<number, number>, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  return bounds.find((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0) >= q * total) ?? Infinity;
}

/**
 * One autocannon run in a worker thread, so this thread's probes are not queued behind the load generator's own
 * work.
 */
async function cannon(options: Options): Promise<Result & { statusCodeStats: Record<string, { count: number }> }> {
  return (await autocannon({ ...options, workers: 1 })) as Result & { statusCodeStats: Record<string, { count: number }> };
}

async function run({ guard, registry, log }: ExperimentContext, settings: OverloadSettings): Promise<Check[]> {
  const pg = await startChaosPostgres(registry);
  // Production defaults for shedding (SHED_MAX_IN_FLIGHT 400, SHED_EVENT_LOOP_DELAY_MS 200).
  const sidecar = await startChaosSidecar(registry, pg.url, { SHUTDOWN_DRAIN_DELAY_MS: '200' });
  const created = await send(`${sidecar.url}/api/incidents`, { token: ADMIN_TOKEN, json: { title: 'overload target', severity: 'high' } });
  if (created.status !== 201) throw new Error(`seeding failed: ${created.status}`);
  const target = { url: `${sidecar.url}/api/incidents/${created.body.id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };

  await cannon({ ...target, connections: 4, duration: 2 }); // warm-up (JIT, pool)
  guard.check();
  const sustainable = await cannon({ ...target, connections: 4, duration: settings.measureS });
  const rate = sustainable.requests.average;
  log(`sustainable: ${rate.toFixed(0)} req/s, p99 ${sustainable.latency.p99} ms, non-2xx ${sustainable.non2xx}`);
  guard.check();

  // Probes that must keep working meanwhile, and the sidecar's memory.
  const health: Outcome[] = [];
  const intake: Outcome[] = [];
  const rss: number[] = [await rssMiB(sidecar.pid)];
  let isRunning = true;
  const every = (ms: number, step: (n: number) => Promise<void>) =>
    (async () => {
      for (let n = 0; isRunning && !guard.signal.aborted; n++) {
        await step(n);
        await new Promise((r) => setTimeout(r, ms));
      }
    })();
  const probes = Promise.all([
    every(250, async () => void health.push(await send(`${sidecar.url}/health/live`, { timeoutMs: 10_000 }))),
    every(250, async (n) => {
      const json = alertmanagerPayload(manyAlerts(1, { alertname: 'OverloadProbe' }, n));
      intake.push(await send(`${sidecar.url}/api/integrations/alertmanager`, { token: pg.intakeToken, json, timeoutMs: 10_000 }));
    }),
    every(500, async () => void rss.push(await rssMiB(sidecar.pid).catch(() => NaN))),
  ]);

  const offered = Math.round(rate * settings.factor);
  const bucketsBefore = await admittedBuckets(sidecar.url);
  // Latency of the admitted (2xx) answers only: by default autocannon mixes in the refusals, whose fast answers
  // hid the admitted ones' latency (a p50 of 35 ms that was really 583 ms). As each answer measured: autocannon
  // 8's coordinated-omission correction uses an interval of ceil(1 / rate) = 1 ms where 1000 / rate ms (40 ms
  // here) is meant, so every late answer added 40× too many synthetic samples. What the generator could not send
  // is reported beside it (offered vs sent).
  const overloaded = await guard.race(
    cannon({
      ...target,
      connections: settings.connections,
      duration: settings.overloadS,
      overallRate: offered,
      excludeErrorStats: true,
      ignoreCoordinatedOmission: true,
    })
  );
  const shed = overloaded.statusCodeStats['503']?.count ?? 0;
  const bucketsAfter = await admittedBuckets(sidecar.url);
  const serverP99 = bucketQuantile(bucketsBefore, bucketsAfter, 0.99);
  isRunning = false;
  await probes;
  const total = overloaded.requests.total;
  log(
    `overload: offered ${offered} req/s, sent ${(total / settings.overloadS).toFixed(0)} req/s, admitted ${overloaded['2xx']} ` +
      `(${(overloaded['2xx'] / settings.overloadS).toFixed(0)} req/s), shed ${shed}, errors ${overloaded.errors}, timeouts ${overloaded.timeouts}`
  );
  log(`probes: /health/live ${tally(health)}; intake ${tally(intake)}`);

  // Throughput after the load drops: closed-loop windows of 2 s until one reaches the share (or the bound passes).
  const droppedAt = Date.now();
  let after = await cannon({ ...target, connections: 4, duration: 2 });
  while ((after.requests.average < RETURN_SHARE * rate || after.non2xx > 0) && Date.now() - droppedAt < RETURN_LIMIT_MS) {
    guard.check();
    after = await cannon({ ...target, connections: 4, duration: 2 });
  }
  const returnedS = (Date.now() - droppedAt) / 1000;
  const peakRss = Math.max(...rss.filter(Number.isFinite));
  const healthOk = health.filter((o) => o.status === 200);
  const intakeOk = intake.filter((o) => o.status >= 200 && o.status < 300);

  return [
    check(
      'shedding keeps admitted p99 within target',
      overloaded['2xx'] > 0 && overloaded.latency.p99 < P99_TARGET_MS && overloaded.errors === 0 && overloaded.timeouts === 0,
      `sustainable ${rate.toFixed(0)} req/s; offered ${offered} req/s (sent ${(total / settings.overloadS).toFixed(0)}/s) for ${settings.overloadS} s: ` +
        `admitted ${overloaded['2xx']}, shed (503) ${shed}; admitted p50 ${overloaded.latency.p50} ms, p99 ${overloaded.latency.p99} ms (target < ${P99_TARGET_MS}); ` +
        `the sidecar's own histogram: p99 ≤ ${serverP99 === Infinity ? '> 10' : serverP99} s`
    ),
    check(
      'health and alert intake keep answering',
      health.length > 0 &&
        healthOk.length === health.length &&
        quantile(health.map((o) => o.ms), 0.99) < LIVE_TIMEOUT_MS &&
        intake.length > 0 &&
        intakeOk.length === intake.length &&
        quantile(intake.map((o) => o.ms), 0.99) < INTAKE_TARGET_MS,
      `/health/live ${tally(health)}, p99 ${quantile(health.map((o) => o.ms), 0.99)} ms; intake ${tally(intake)}, p99 ${quantile(intake.map((o) => o.ms), 0.99)} ms`
    ),
    check('memory bounded', peakRss < RSS_LIMIT_MIB, `RSS ${rss[0]!.toFixed(0)} MiB before, peak ${peakRss.toFixed(0)} MiB (limit ${RSS_LIMIT_MIB})`),
    check(
      'throughput returns',
      after.requests.average >= RETURN_SHARE * rate && after.non2xx === 0,
      `${after.requests.average.toFixed(0)} req/s (${((after.requests.average / rate) * 100).toFixed(0)} % of before), non-2xx ${after.non2xx}, ` +
        `in the 2 s window ending ${returnedS.toFixed(0)} s after the load dropped (limit ${RETURN_LIMIT_MS / 1000} s)`
    ),
  ];
}
