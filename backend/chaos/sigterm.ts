/**
 * Game day 4: SIGTERM to a sidecar under mixed load. The load generator acts as a load balancer: it polls
 * readiness and routes no new request to the replica once it says 503. Every request sent gets a complete answer
 * (a 2xx, or a clean 503), readiness turns 503 before the listener closes, and every acknowledged write is stored.
 */
import { connect } from 'node:net';
import { check, type Check, type Experiment, type ExperimentContext } from './support/experiment.js';
import { loops, send, tally, type Outcome } from './support/http.js';
import { ADMIN_TOKEN, startChaosPostgres, startChaosSidecar } from './support/stack.js';

export interface SigtermSettings {
  /** Load before the signal. */
  steadyMs: number;
  writers: number;
  readers: number;
  drainDelayMs: number;
}

export const FULL: SigtermSettings = { steadyMs: 5000, writers: 8, readers: 4, drainDelayMs: 2000 };
export const SHORT: SigtermSettings = { steadyMs: 2000, writers: 4, readers: 2, drainDelayMs: 1000 };

const SHUTDOWN_TIMEOUT_MS = 10_000;
/** How often the balancer asks /health/ready (a typical probe period is 1–10 s; a short one is the hard case). */
const PROBE_MS = 100;

/** Resolves true when a TCP connection to the port is accepted (the listener is open). */
const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

export const sigterm: Experiment<SigtermSettings> = {
  name: 'sigterm',
  hypothesis:
    'SIGTERM during load: zero dropped requests (each got a complete 2xx or a clean 503), readiness 503 before the listener ' +
    'closed, exit 0 within the bound, every acknowledged write stored',
  timeLimitMs: (s) => 90_000 + s.steadyMs,
  run,
};

async function run({ guard, registry, log }: ExperimentContext, settings: SigtermSettings): Promise<Check[]> {
  const pg = await startChaosPostgres(registry);
  const sidecar = await startChaosSidecar(registry, pg.url, {
    SHUTDOWN_DRAIN_DELAY_MS: String(settings.drainDelayMs),
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  });
  const port = Number(new URL(sidecar.url).port);
  const seed = await send(`${sidecar.url}/api/incidents`, { token: ADMIN_TOKEN, json: { title: 'sigterm seed', severity: 'high' } });
  if (seed.status !== 201) throw new Error(`seeding failed: ${seed.status}`);

  const outcomes: Outcome[] = [];
  const acknowledged: string[] = [];
  let isRouted = true; // the balancer's view of this replica
  const options = { isRunning: () => isRouted, signal: guard.signal, pauseMs: 10 };
  const load = Promise.all([
    loops(settings.writers, async (w, n) => {
      const o = await send(`${sidecar.url}/api/incidents`, { token: ADMIN_TOKEN, json: { title: `sigterm ${w}-${n}`, severity: 'low' } });
      outcomes.push(o);
      if (o.status === 201) acknowledged.push(o.body.id);
    }, options),
    loops(settings.readers, async (_, n) => {
      outcomes.push(await send(`${sidecar.url}${n % 2 ? `/api/incidents/${seed.body.id}` : '/api/incidents?limit=20'}`, { token: ADMIN_TOKEN }));
    }, options),
  ]);

  let notReadyAt: number | undefined;
  let listenerClosedAt: number | undefined;
  const watch = (async () => {
    while (!notReadyAt && !guard.signal.aborted) {
      const o = await send(`${sidecar.url}/health/ready`, { timeoutMs: 2000 });
      if (o.status === 503) {
        notReadyAt = o.at;
        isRouted = false;
      }
      await new Promise((r) => setTimeout(r, PROBE_MS));
    }
    // Then only TCP connects, no requests: when does the listener stop accepting?
    while (!listenerClosedAt && !guard.signal.aborted) {
      const at = Date.now();
      if (!(await canConnect(port))) listenerClosedAt = at;
      else await new Promise((r) => setTimeout(r, 20));
    }
  })();

  await guard.sleep(settings.steadyMs);
  const signalledAt = Date.now();
  sidecar.kill('SIGTERM');
  log(`SIGTERM sent after ${outcomes.length} requests`);
  const code = await guard.race(sidecar.exited);
  const exitMs = Date.now() - signalledAt;
  isRouted = false;
  await guard.race(Promise.all([load, watch]));

  const cut = outcomes.filter((o) => o.status === 0);
  const unclean = outcomes.filter((o) => o.status !== 0 && !(o.status >= 200 && o.status < 300) && !(o.status === 503 && Number(o.retryAfter) >= 1));
  const afterSignal = outcomes.filter((o) => o.at >= signalledAt);
  const stored = acknowledged.length
    ? (await pg.sql<{ n: number }[]>`select count(*)::int as n from incidents where id = any(${acknowledged})`)[0]!.n
    : 0;
  const rel = (t: number | undefined) => (t === undefined ? 'never' : `${t - signalledAt} ms`);
  log(`requests ${outcomes.length}: ${tally(outcomes)}; exit ${code} after ${exitMs} ms`);

  return [
    check(
      'no request dropped',
      cut.length === 0 && unclean.length === 0,
      `${outcomes.length} requests (${afterSignal.length} sent after SIGTERM): ${tally(outcomes)}; cut or refused ${cut.length}, unclean ${unclean.length}`
    ),
    check(
      'readiness 503 before the listener closed',
      notReadyAt !== undefined && listenerClosedAt !== undefined && notReadyAt < listenerClosedAt,
      `readiness 503 at ${rel(notReadyAt)}, listener closed at ${rel(listenerClosedAt)} after SIGTERM (drain delay ${settings.drainDelayMs} ms)`
    ),
    check('exit 0 within the bound', code === 0 && exitMs < SHUTDOWN_TIMEOUT_MS, `exit ${code} after ${exitMs} ms (bound ${SHUTDOWN_TIMEOUT_MS} ms)`),
    check('acknowledged writes stored', stored === acknowledged.length, `${stored}/${acknowledged.length}`),
  ];
}
