/**
 * Game day 1: Postgres SIGKILLed under mixed load (incident writes, timeline notes, reads, alert intake, live
 * clients on `incidents`), restarted after an outage. Nothing acknowledged is lost or doubled, the outage is a
 * clean fast 503, the API is back within 5 s of Postgres, and the live clients miss nothing.
 */
import { alertFingerprint } from '../src/domain/alerts.js';
import { alertmanagerPayload, manyAlerts } from '../test/support/alerting.js';
import { check, type Check, type Experiment, type ExperimentContext } from './support/experiment.js';
import { loops, quantile, send, tally, type Outcome } from './support/http.js';
import { compareWithOutbox, ResumingClient } from './support/live.js';
import { ADMIN_TOKEN, startChaosPostgres, startChaosSidecar } from './support/stack.js';

export interface PostgresKillSettings {
  liveClients: number;
  outageMs: number;
  /** Load before the kill and after recovery. */
  steadyMs: number;
  /** Concurrent loops of each kind. */
  writers: number;
  readers: number;
  alertSenders: number;
}

export const FULL: PostgresKillSettings = { liveClients: 200, outageMs: 10_000, steadyMs: 4000, writers: 4, readers: 2, alertSenders: 2 };
export const SHORT: PostgresKillSettings = { liveClients: 20, outageMs: 3000, steadyMs: 2000, writers: 2, readers: 1, alertSenders: 1 };

/** The sidecar's default (config.ts); the experiment runs with production defaults for every timeout. */
const REQUEST_TIMEOUT_MS = 15_000;
const RECOVERY_TARGET_MS = 5000;

type Kind = 'incident' | 'note' | 'read' | 'alert';
type Tagged = Outcome & { kind: Kind };

export const postgresKill: Experiment<PostgresKillSettings> = {
  name: 'postgres-kill',
  hypothesis:
    'Postgres SIGKILLed under mixed load, back after an outage: every 2xx write stored exactly once; outage answers are 503 + Retry-After, ' +
    'none past REQUEST_TIMEOUT_MS; API back within 5 s of Postgres; live clients miss no event; a graceful stop afterwards exits 0 within 5 s',
  timeLimitMs: (s) => 120_000 + s.outageMs + 2 * s.steadyMs,
  run,
};

async function run({ guard, registry, log }: ExperimentContext, settings: PostgresKillSettings): Promise<Check[]> {
  const pg = await startChaosPostgres(registry);
  const sidecar = await startChaosSidecar(registry, pg.url, {
    SHUTDOWN_DRAIN_DELAY_MS: '200',
  });
  const api = (path: string) => sidecar.url + path;
  let exitedWith: number | null | undefined;
  let exitedAfterStop = false;
  void sidecar.exited.then((code) => {
    exitedWith = code;
    if (!exitedAfterStop) log(`the sidecar exited (${code}) on its own; its last output:\n${sidecar.output().slice(-3000)}`);
  });
  const seeded: string[] = [];
  for (let i = 0; i < 4; i++) {
    const o = await send(api('/api/incidents'), { token: ADMIN_TOKEN, json: { title: `chaos seed ${i}`, severity: 'high' } });
    if (o.status !== 201) throw new Error(`seeding failed: ${o.status} ${o.code ?? o.error}`);
    seeded.push(o.body.id);
  }

  const clients = Array.from({ length: settings.liveClients }, () => new ResumingClient([sidecar.url], ADMIN_TOKEN).start());
  registry.defer('close the live clients', async () => void (await Promise.all(clients.map((c) => c.stop()))));
  await guard.race(Promise.all(clients.map((c) => c.ready)));
  log(`${clients.length} live clients subscribed`);

  const outcomes: Tagged[] = [];
  const ackIncidents = new Map<string, string>(); // title -> id
  const ackNotes = new Map<string, string>(); // message -> id
  const ackAlerts = new Set<string>();
  const sentAlerts = new Set<string>();
  let isRunning = true;
  const timeout = REQUEST_TIMEOUT_MS + 3000; // past this a request counts as hung
  const record = (kind: Kind, o: Outcome) => outcomes.push({ ...o, kind });
  const options = { isRunning: () => isRunning, signal: guard.signal, pauseMs: 20 };

  const load = Promise.all([
    loops(settings.writers, async (w, n) => {
      const title = `chaos write ${w}-${n}`;
      const o = await send(api('/api/incidents'), { token: ADMIN_TOKEN, json: { title, severity: 'low' }, timeoutMs: timeout });
      record('incident', o);
      if (o.status === 201) ackIncidents.set(title, o.body.id);
    }, options),
    loops(settings.writers, async (w, n) => {
      const message = `chaos note ${w}-${n}`;
      const id = seeded[n % seeded.length]!;
      const o = await send(api(`/api/incidents/${id}/timeline`), { token: ADMIN_TOKEN, json: { message }, timeoutMs: timeout });
      record('note', o);
      if (o.status === 201) ackNotes.set(message, o.body.id);
    }, options),
    loops(settings.readers, async (_, n) => {
      const path = n % 2 ? `/api/incidents/${seeded[0]}` : '/api/incidents?limit=20';
      record('read', await send(api(path), { token: ADMIN_TOKEN, timeoutMs: timeout }));
    }, options),
    // Alertmanager's way: the same notification is retried until it is acknowledged; each batch brings 5 new alerts.
    loops(settings.alertSenders, async (s, batch) => {
      const alerts = manyAlerts(5, { alertname: `ChaosSender${s}` }, batch * 5);
      for (const a of alerts) sentAlerts.add(alertFingerprint(a.labels));
      const json = alertmanagerPayload(alerts, { groupKey: `{}:{sender="${s}"}` });
      for (let attempt = 0; isRunning && !guard.signal.aborted; attempt++) {
        const o = await send(api('/api/integrations/alertmanager'), { token: pg.intakeToken, json, timeoutMs: timeout });
        record('alert', o);
        if (o.status >= 200 && o.status < 300) {
          for (const a of alerts) ackAlerts.add(alertFingerprint(a.labels));
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(500, Number(o.retryAfter ?? 1) * 1000)));
      }
    }, options),
  ]);

  await guard.sleep(settings.steadyMs);
  const killedAt = Date.now();
  await pg.kill('SIGKILL');
  log(`Postgres SIGKILLed; outage ${settings.outageMs / 1000} s`);
  await guard.sleep(settings.outageMs);
  const restartBegan = Date.now();
  await guard.race(pg.restart());
  const backAt = Date.now();
  log(`Postgres back after ${((backAt - restartBegan) / 1000).toFixed(1)} s of crash recovery`);
  let recoveredAt: number | undefined;
  while (!recoveredAt && Date.now() - backAt < 20_000) {
    await guard.sleep(50);
    recoveredAt = outcomes.find((o) => o.at >= backAt && o.kind === 'incident' && o.status === 201)?.at;
  }
  await guard.sleep(settings.steadyMs);
  isRunning = false;
  await guard.race(load);

  // The live clients catch up with the outbox (or the comparison shows what they missed).
  const outbox = (await pg.sql<{ seq: string }[]>`select seq from events where topic = 'incidents' order by seq`).map((r) => Number(r.seq));
  const last = outbox.at(-1) ?? 0;
  const caughtUpBy = Date.now() + 15_000;
  while (clients.some((c) => c.lastSeq < last) && Date.now() < caughtUpBy) await guard.sleep(100);
  const gaps = compareWithOutbox(clients, outbox);

  // What was acknowledged is stored, exactly once.
  const titles = [...ackIncidents.keys()];
  const storedIncidents = await pg.sql<{ title: string; n: number }[]>`
    select title, count(*)::int as n from incidents where title = any(${titles}) group by title`;
  const messages = [...ackNotes.keys()];
  const storedNotes = await pg.sql<{ message: string; n: number }[]>`
    select message, count(*)::int as n from timeline_events where message = any(${messages}) group by message`;
  const storedAlerts = await pg.sql<{ fingerprint: string; n: number }[]>`
    select fingerprint, count(*)::int as n from alerts where fingerprint = any(${[...ackAlerts]}) group by fingerprint`;
  const once = (rows: { n: number }[], expected: number) => rows.length === expected && rows.every((r) => r.n === 1);

  const during = outcomes.filter((o) => o.at > killedAt + 500 && o.at < restartBegan);
  const duringClean = during.filter((o) => o.status === 503 && Number(o.retryAfter) >= 1);
  const hung = outcomes.filter((o) => o.error === 'TIMEOUT' || o.ms > REQUEST_TIMEOUT_MS);
  const serverErrors = outcomes.filter((o) => o.status >= 500 && o.status !== 503);
  const transport = outcomes.filter((o) => o.status === 0);
  const recoveryMs = recoveredAt === undefined ? Infinity : Math.max(0, recoveredAt - backAt);
  const totalReconnects = clients.reduce((n, c) => n + c.closes.length, 0);
  // A graceful stop must still work after the outage (it once hit the 10 s bound: the pool waited for queries lost
  // on dead connections).
  const stopAt = Date.now();
  exitedAfterStop = exitedWith === undefined;
  sidecar.kill('SIGTERM');
  const stopCode = await guard.race(sidecar.exited);
  const stopMs = Date.now() - stopAt;
  log(`requests ${outcomes.length}: ${tally(outcomes)}; live reconnects ${totalReconnects}`);
  const slow = outcomes.filter((o) => o.ms > 2000);
  for (const o of [...serverErrors, ...transport, ...slow].slice(0, 8)) {
    log(`  ${o.kind} ${o.error ?? o.status} ${o.code ?? ''} sent ${o.at - killedAt} ms after the kill (restart at ${restartBegan - killedAt}), took ${o.ms} ms`);
  }

  return [
    check(
      'the sidecar stayed up, and stops gracefully afterwards',
      (exitedWith === undefined || exitedAfterStop) && stopCode === 0 && stopMs < 5000,
      `${exitedAfterStop ? 'up throughout' : `exited with ${exitedWith}`}; SIGTERM afterwards: exit ${stopCode} in ${(stopMs / 1000).toFixed(1)} s`
    ),
    check(
      'acknowledged writes stored exactly once',
      once(storedIncidents, titles.length) && once(storedNotes, messages.length) && once(storedAlerts, ackAlerts.size),
      `incidents ${storedIncidents.length}/${titles.length}, notes ${storedNotes.length}/${messages.length}, ` +
        `alerts ${storedAlerts.length}/${ackAlerts.size} (sent ${sentAlerts.size})`
    ),
    check(
      'outage answered 503 + Retry-After, fast',
      during.length > 0 && duringClean.length === during.length && hung.length === 0 && serverErrors.length === 0 && transport.length === 0,
      `${during.length} requests in outage: ${tally(during)}; slowest ${Math.max(0, ...during.map((o) => o.ms))} ms, ` +
        `p95 ${quantile(during.map((o) => o.ms), 0.95)} ms (timeout ${REQUEST_TIMEOUT_MS} ms); hung ${hung.length}, other 5xx ${serverErrors.length}`
    ),
    check(
      'recovered within 5 s of Postgres',
      recoveryMs < RECOVERY_TARGET_MS,
      `first 201 ${recoveryMs === Infinity ? 'never' : `${(recoveryMs / 1000).toFixed(2)} s`} after Postgres accepted connections`
    ),
    check(
      'live clients resumed with no missing event',
      gaps.missing === 0 && gaps.duplicates === 0 && gaps.clientsWithGap === 0 && gaps.resyncs === 0,
      `${gaps.clients} clients, ${outbox.filter((s) => s > Math.min(...clients.map((c) => c.startSeq ?? 0))).length} events each, ` +
        `missing ${gaps.missing}, duplicates ${gaps.duplicates}, reconnects ${totalReconnects}`
    ),
  ];
}
