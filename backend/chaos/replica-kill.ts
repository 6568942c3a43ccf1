/**
 * Game day 3: one of two sidecar replicas SIGKILLed while live clients are connected to it and incidents are
 * being written through the other. Its clients reconnect to the survivor and resume with `since`: no gap, no
 * duplicate, within a few seconds.
 */
import { check, type Check, type Experiment, type ExperimentContext } from './support/experiment.js';
import { loops, send, tally, type Outcome } from './support/http.js';
import { compareWithOutbox, ResumingClient } from './support/live.js';
import { ADMIN_TOKEN, startChaosPostgres, startChaosSidecar } from './support/stack.js';

export interface ReplicaKillSettings {
  /** Clients on the replica that is killed (as many again stay on the survivor throughout). */
  liveClients: number;
  /** Writing before and after the kill. */
  steadyMs: number;
  writers: number;
}

export const FULL: ReplicaKillSettings = { liveClients: 200, steadyMs: 5000, writers: 4 };
export const SHORT: ReplicaKillSettings = { liveClients: 20, steadyMs: 2000, writers: 2 };

const RESUME_TARGET_MS = 5000;

export const replicaKill: Experiment<ReplicaKillSettings> = {
  name: 'replica-kill',
  hypothesis:
    'A replica SIGKILLed with live clients connected, a second replica up on the same database: its clients reconnect to the ' +
    'survivor within 5 s and resume with since, with no missing and no duplicate event',
  timeLimitMs: (s) => 120_000 + 3 * s.steadyMs,
  run,
};

async function run({ guard, registry, log }: ExperimentContext, settings: ReplicaKillSettings): Promise<Check[]> {
  const pg = await startChaosPostgres(registry);
  const env = { SHUTDOWN_DRAIN_DELAY_MS: '200' };
  const [survivor, victim] = await Promise.all([
    startChaosSidecar(registry, pg.url, env, 'replica A'),
    startChaosSidecar(registry, pg.url, env, 'replica B'),
  ]);
  // Clients list B first: they start there and fail over to A, as behind a load balancer that drops B.
  const onVictim = Array.from({ length: settings.liveClients }, () => new ResumingClient([victim.url, survivor.url], ADMIN_TOKEN).start());
  const onSurvivor = Array.from({ length: settings.liveClients }, () => new ResumingClient([survivor.url], ADMIN_TOKEN).start());
  const clients = [...onVictim, ...onSurvivor];
  registry.defer('close the live clients', async () => void (await Promise.all(clients.map((c) => c.stop()))));
  await guard.race(Promise.all(clients.map((c) => c.ready)));
  log(`${onVictim.length} clients on B, ${onSurvivor.length} on A`);

  let isRunning = true;
  const outcomes: Outcome[] = [];
  const load = loops(
    settings.writers,
    async (w, n) => {
      outcomes.push(await send(`${survivor.url}/api/incidents`, { token: ADMIN_TOKEN, json: { title: `replica ${w}-${n}`, severity: 'low' } }));
    },
    { isRunning: () => isRunning, signal: guard.signal, pauseMs: 20 }
  );
  await guard.sleep(settings.steadyMs);
  const killedAt = Date.now();
  victim.kill('SIGKILL');
  await guard.race(victim.exited);
  log('replica B SIGKILLed');
  await guard.sleep(settings.steadyMs);
  isRunning = false;
  await guard.race(load);

  const outbox = (await pg.sql<{ seq: string }[]>`select seq from events where topic = 'incidents' order by seq`).map((r) => Number(r.seq));
  const last = outbox.at(-1) ?? 0;
  const caughtUpBy = Date.now() + 15_000;
  while (clients.some((c) => c.lastSeq < last) && Date.now() < caughtUpBy) await guard.sleep(100);
  const gaps = compareWithOutbox(clients, outbox);
  const moved = onVictim.filter((c) => c.sessions.at(-1) === survivor.url && c.resumedAt.length > 0);
  const resumeMs = onVictim.map((c) => (c.resumedAt[0] ?? Infinity) - killedAt);
  const slowest = Math.max(...resumeMs);
  const writesFailed = outcomes.filter((o) => o.status !== 201);
  log(`writes through A: ${tally(outcomes)}`);

  return [
    check(
      "B's clients moved to A",
      moved.length === onVictim.length && slowest < RESUME_TARGET_MS,
      `${moved.length}/${onVictim.length} resumed on A; slowest ${slowest === Infinity ? 'never' : `${(slowest / 1000).toFixed(2)} s`} after the kill, ` +
        `median ${((resumeMs.sort((a, b) => a - b)[Math.floor(resumeMs.length / 2)] ?? 0) / 1000).toFixed(2)} s`
    ),
    check(
      'no gap, no duplicate',
      gaps.missing === 0 && gaps.duplicates === 0 && gaps.clientsWithGap === 0 && gaps.resyncs === 0,
      `${gaps.clients} clients, ${outbox.length} events written, missing ${gaps.missing}, duplicates ${gaps.duplicates}, resync_required ${gaps.resyncs}`
    ),
    check('the survivor kept serving writes', writesFailed.length === 0, `${outcomes.length} writes through A: ${tally(outcomes)}`),
  ];
}
