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
/** The Kubernetes example's memory limit (deploy/kubernetes/deployment.yaml). */
const RSS_LIMIT_MIB = 512;
/** After the overload, the closed-loop rate must come back to this share of the one measured before. */
const RETURN_SHARE = 0.8;

export const overload: Experiment<OverloadSettings> = {
  name: 'overload',
  hypothesis:
    '5× the sustainable rate for 30 s: shedding keeps p99 of admitted requests < 1 s; /health/live and alert intake keep ' +
    'answering; RSS stays under 512 MiB; throughput returns (≥ 80 %) when the load drops',
  timeLimitMs: (s) => 120_000 + (3 * s.measureS + s.overloadS) * 1000,
  run,
};

/**
 * One autocannon run in a worker thread, so this thread's probes are not queued behind the load generator's own
 * work. Its latency figures count only 2xx answers: the admitted requests.
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
  const overloaded = await guard.race(
    cannon({ ...target, connections: settings.connections, duration: settings.overloadS, overallRate: offered })
  );
  const shed = overloaded.statusCodeStats['503']?.count ?? 0;
  isRunning = false;
  await probes;
  const total = overloaded.requests.total;
  log(
    `overload: offered ${offered} req/s, sent ${(total / settings.overloadS).toFixed(0)} req/s, admitted ${overloaded['2xx']} ` +
      `(${(overloaded['2xx'] / settings.overloadS).toFixed(0)} req/s), shed ${shed}, errors ${overloaded.errors}, timeouts ${overloaded.timeouts}`
  );
  log(`probes: /health/live ${tally(health)}; intake ${tally(intake)}`);

  await guard.sleep(2000); // the shedding windows settle
  const after = await cannon({ ...target, connections: 4, duration: settings.measureS });
  const peakRss = Math.max(...rss.filter(Number.isFinite));
  const healthOk = health.filter((o) => o.status === 200);
  const intakeOk = intake.filter((o) => o.status >= 200 && o.status < 300);

  return [
    check(
      'shedding keeps admitted p99 within target',
      overloaded['2xx'] > 0 && overloaded.latency.p99 < P99_TARGET_MS && overloaded.errors === 0 && overloaded.timeouts === 0,
      `sustainable ${rate.toFixed(0)} req/s; offered ${offered} req/s (sent ${(total / settings.overloadS).toFixed(0)}/s) for ${settings.overloadS} s: ` +
        `admitted ${overloaded['2xx']}, shed (503) ${shed}; admitted p50 ${overloaded.latency.p50} ms, p99 ${overloaded.latency.p99} ms (target < ${P99_TARGET_MS})`
    ),
    check(
      'health and alert intake keep answering',
      healthOk.length === health.length && intakeOk.length === intake.length && health.length > 0,
      `/health/live ${tally(health)}, p99 ${quantile(health.map((o) => o.ms), 0.99)} ms; intake ${tally(intake)}, p99 ${quantile(intake.map((o) => o.ms), 0.99)} ms`
    ),
    check('memory bounded', peakRss < RSS_LIMIT_MIB, `RSS ${rss[0]!.toFixed(0)} MiB before, peak ${peakRss.toFixed(0)} MiB (limit ${RSS_LIMIT_MIB})`),
    check(
      'throughput returns',
      after.requests.average >= RETURN_SHARE * rate && after.non2xx === 0,
      `${after.requests.average.toFixed(0)} req/s after (${((after.requests.average / rate) * 100).toFixed(0)} % of before), non-2xx ${after.non2xx}`
    ),
  ];
}
