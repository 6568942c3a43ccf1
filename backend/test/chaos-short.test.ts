/**
 * The short game days (chaos/, `npm run chaos` runs the full ones): Postgres SIGKILLed under mixed load with 20
 * live clients and a 3 s outage, a replica SIGKILLed under its live clients, SIGTERM under load, a webhook receiver
 * down for 4 s while alerts open incidents, a replica SIGKILLed with escalations in flight. Same experiments
 * and hypotheses as the full run, with less load and shorter outages, against real processes. Each check carries
 * what was measured, so a failure says what broke; an abort (machine too busy, time bound) fails too, with why.
 */
import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { notifyOutage, SHORT as NOTIFY_OUTAGE } from '../chaos/notify-outage.js';
import { postgresKill, SHORT as POSTGRES_KILL } from '../chaos/postgres-kill.js';
import { replicaKill, SHORT as REPLICA_KILL } from '../chaos/replica-kill.js';
import { replicaKillEscalation, SHORT as REPLICA_KILL_ESCALATION } from '../chaos/replica-kill-escalation.js';
import { sigterm, SHORT as SIGTERM } from '../chaos/sigterm.js';
import { runExperiment, type Experiment, type ExperimentResult } from '../chaos/support/experiment.js';

// The test run itself keeps two files going at once, so the bound is looser than the runner's 5× the cores.
const MAX_LOAD = Number(process.env.CHAOS_MAX_LOAD) || 7 * cpus().length;

async function play<S>(experiment: Experiment<S>, settings: S): Promise<ExperimentResult> {
  const result = await runExperiment(experiment, settings, {
    maxLoad: MAX_LOAD,
    log: process.env.CHAOS_VERBOSE ? (line) => console.log(line) : undefined,
  });
  console.log(
    [
      `${experiment.name}: ${result.verdict} in ${result.durationS.toFixed(0)} s`,
      ...result.checks.map((c) => `  ${c.ok ? 'ok' : 'FAIL'} ${c.name}: ${c.measured}`),
      ...result.notes.map((n) => `  note: ${n}`),
    ].join('\n')
  );
  return result;
}

function expectKept(result: ExperimentResult): void {
  expect(result.verdict === 'aborted' || result.verdict === 'error' ? result.notes.join('\n') : 'ran to the end').toBe('ran to the end');
  for (const c of result.checks) expect.soft(c.ok, `${c.name}: ${c.measured}`).toBe(true);
  // Nothing it started is left running, and nothing had to be killed the hard way.
  expect(result.notes.filter((n) => n.startsWith('cleanup:'))).toEqual([]);
  expect(result.checks.length).toBeGreaterThan(0);
}

describe('game days, short', () => {
  it('Postgres SIGKILLed under mixed load: nothing acknowledged lost, clean 503s, back within 5 s, live clients miss nothing', { timeout: 150_000 }, async () => {
    expectKept(await play(postgresKill, POSTGRES_KILL));
  });

  it('a replica SIGKILLed: its live clients resume on the survivor with no gap', { timeout: 120_000 }, async () => {
    expectKept(await play(replicaKill, REPLICA_KILL));
  });

  it('SIGTERM under load: no request dropped, readiness 503 before the listener closes', { timeout: 120_000 }, async () => {
    expectKept(await play(sigterm, SIGTERM));
  });

  it('the webhook receiver down while alerts open incidents: every notification arrives, each key once, the API stays fast', { timeout: 180_000 }, async () => {
    expectKept(await play(notifyOutage, NOTIFY_OUTAGE));
  });

  it('a replica SIGKILLed with escalations in flight: every step fires once, within the lease of its due time', { timeout: 150_000 }, async () => {
    expectKept(await play(replicaKillEscalation, REPLICA_KILL_ESCALATION));
  });
});
