/**
 * Game day 8: one of two replicas SIGKILLed while escalations are in flight. Alerts open incidents through both
 * replicas; each incident's policy pages the on-call person's webhook, waits, pages the team's room, waits, and
 * does it all once more. Mid-run replica B is killed, holding (or about to take) some of the due steps' timers.
 * Afterwards every step of every escalation has fired exactly once, each within the lease
 * (ESCALATION_LEASE_SECONDS) of its due time, and every page reached the receiver.
 */
import { alertmanagerPayload } from '../test/support/alerting.js';
import { setUpPaging } from '../test/support/pagingSetUp.js';
import { startSignedReceiver } from '../test/support/signedReceiver.js';
import { check, type Check, type Experiment, type ExperimentContext } from './support/experiment.js';
import { send } from './support/http.js';
import { ADMIN_TOKEN, startChaosPostgres, startChaosSidecar } from './support/stack.js';

export interface ReplicaKillEscalationSettings {
  /** Incidents opened (half through each replica) before the kill. */
  incidents: number;
  /** Each step's wait, in seconds. */
  stepWaitS: number;
  /** How long after the last incident opened replica B is killed. */
  killAfterMs: number;
}

export const FULL: ReplicaKillEscalationSettings = { incidents: 60, stepWaitS: 6, killAfterMs: 7000 };
export const SHORT: ReplicaKillEscalationSettings = { incidents: 12, stepWaitS: 3, killAfterMs: 3500 };

const SIGNING_SECRET = 'chaos-signing-secret-0123456789';
const LEASE_S = 5;
/** Steps per pass (the person, then the room) and passes (the first and one repeat). */
const STEPS = 2;
const PASSES = 2;
/** Polling and the timer job's pick-up add to the lease: a step is late only past lease + this. */
const SLACK_MS = 2000;

export const replicaKillEscalation: Experiment<ReplicaKillEscalationSettings> = {
  name: 'replica-kill-escalation',
  hypothesis:
    'A replica SIGKILLed with escalations in flight, a second replica up on the same database: every due step of every ' +
    `escalation fires exactly once, within the lease (${LEASE_S} s) of its due time, and every page arrives`,
  timeLimitMs: (s) => 120_000 + STEPS * PASSES * s.stepWaitS * 1000 + s.killAfterMs + 30_000,
  run,
};

async function run(
  { guard, registry, log }: ExperimentContext,
  settings: ReplicaKillEscalationSettings
): Promise<Check[]> {
  const pg = await startChaosPostgres(registry);
  const receiver = await startSignedReceiver(SIGNING_SECRET);
  registry.defer('close the receiver', () => receiver.close());
  const env = {
    SHUTDOWN_DRAIN_DELAY_MS: '200',
    ESCALATION_LEASE_SECONDS: String(LEASE_S),
    ESCALATION_POLL_MS: '200',
    NOTIFY_POLL_MS: '500',
    NOTIFY_LEASE_SECONDS: '12',
    NOTIFY_SEND_TIMEOUT_MS: '5000',
  };
  const [survivor, victim] = await Promise.all([
    startChaosSidecar(registry, pg.url, env, 'replica A'),
    startChaosSidecar(registry, pg.url, env, 'replica B'),
  ]);

  const created = async (path: string, json: unknown) => {
    const o = await send(`${survivor.url}${path}`, { token: ADMIN_TOKEN, json });
    if (o.status !== 201) throw new Error(`setup ${path}: ${o.status} ${JSON.stringify(o.body)}`);
    return o.body as { id: string };
  };
  await setUpPaging(created, {
    receiverOrigin: receiver.origin,
    signingSecret: SIGNING_SECRET,
    waitMinutes: settings.stepWaitS / 60,
    repeat: PASSES - 1,
  });

  // Opened through both replicas, as behind a load balancer.
  const opened: string[] = [];
  for (let i = 0; i < settings.incidents; i++) {
    const replica = i % 2 === 0 ? survivor : victim;
    const o = await send(`${replica.url}/api/integrations/alertmanager`, {
      token: pg.intakeToken,
      json: alertmanagerPayload(
        [{ labels: { alertname: 'PaymentsDown', severity: 'critical', service: 'payments', instance: `host-${i}` } }],
        {
          groupKey: `{}:{chaos="escalation",n="${i}"}`,
        }
      ),
    });
    const incident = (o.body?.incidents ?? []).find((x: { opened: boolean }) => x.opened);
    if (o.status !== 200 || !incident) throw new Error(`alert ${i}: ${o.status} ${JSON.stringify(o.body)}`);
    opened.push(incident.id);
  }
  log(`${opened.length} escalations started through replicas A and B`);
  let survivorExit: number | null | undefined;
  void survivor.exited.then((code) => (survivorExit = code));
  await guard.sleep(settings.killAfterMs);
  victim.kill('SIGKILL');
  await guard.race(victim.exited);
  const killedAt = Date.now();
  log('replica B SIGKILLed');

  // Every step's due time has passed, with the lease to spare, by the end of the last one.
  const expected = settings.incidents * STEPS * PASSES;
  const deadline = Date.now() + STEPS * PASSES * settings.stepWaitS * 1000 + LEASE_S * 1000 + 20_000;
  let fired = 0;
  while (Date.now() < deadline) {
    const [row] = await pg.sql<{ fired: number }[]>`select count(*)::int as fired from escalation_steps`;
    fired = row!.fired;
    if (fired >= expected) break;
    await guard.sleep(500);
  }
  // Give a step that fires twice the chance to show itself.
  await guard.sleep(LEASE_S * 1000);

  const steps = await pg.sql<{ incidentId: string; step: number; pass: number; firedAt: Date; trigger: string }[]>`
    select incident_id as "incidentId", step, pass, fired_at as "firedAt", trigger from escalation_steps
    order by incident_id, fired_at`;
  const perStep = new Map<string, number>();
  for (const s of steps)
    perStep.set(`${s.incidentId} ${s.pass} ${s.step}`, (perStep.get(`${s.incidentId} ${s.pass} ${s.step}`) ?? 0) + 1);
  const twice = [...perStep.values()].filter((n) => n > 1).length;
  // A timer's due time is the previous step's firing plus its wait.
  const lateness: number[] = [];
  let previous: (typeof steps)[number] | undefined;
  for (const s of steps) {
    if (previous?.incidentId === s.incidentId)
      lateness.push(s.firedAt.getTime() - previous.firedAt.getTime() - settings.stepWaitS * 1000);
    previous = s;
  }
  const worst = Math.max(0, ...lateness);
  const afterKill = steps.filter((s) => s.firedAt.getTime() > killedAt).length;
  // The pages: one per step (the person has one contact method, the room is a channel).
  const pages = [...receiver.receipts.values()].filter((r) => r.event === 'paged' && opened.includes(r.incidentId));
  const pageRepeats = pages.reduce((k, r) => k + r.repeats, 0);
  const [owed] = await pg.sql<{ undelivered: number }[]>`
    select count(*)::int as undelivered from deliveries where event = 'paged' and state <> 'delivered'`;
  const undelivered = owed!.undelivered;
  log(
    `${steps.length} steps fired (${afterKill} after the kill), worst lateness ${worst} ms; ${pages.length} pages received`
  );

  return [
    check(
      'every step of every escalation fired exactly once',
      perStep.size === expected && twice === 0 && steps.length === expected,
      `${steps.length} steps fired for ${expected} expected (${perStep.size} distinct, ${twice} fired more than once); ${afterKill} fired after the kill`
    ),
    check(
      `each within the lease (${LEASE_S} s) of its due time`,
      lateness.length === settings.incidents * (STEPS * PASSES - 1) && worst <= LEASE_S * 1000 + SLACK_MS,
      `worst ${worst} ms after its due time (bound ${LEASE_S * 1000 + SLACK_MS} ms: the lease and ${SLACK_MS} ms of polling); ` +
        `p50 ${median(lateness)} ms over ${lateness.length} timed steps`
    ),
    check(
      'every page arrived, each once as new',
      pages.length === expected && undelivered === 0 && receiver.invalid === 0,
      `${pages.length} pages received for ${expected} steps, ${pageRepeats} repeated copies (same key, dropped), ${undelivered} not delivered, ` +
        `${receiver.invalid} bad signatures`
    ),
    check(
      'replica A stayed up',
      survivorExit === undefined,
      survivorExit === undefined ? 'up throughout' : `exited ${survivorExit}`
    ),
  ];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
