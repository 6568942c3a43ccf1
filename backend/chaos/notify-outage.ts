/**
 * Game day 7: the webhook receiver goes away while alerts keep opening incidents. The real sidecar (src/main.ts,
 * its embedded Postgres, its delivery worker) sends every `declared` to a local receiver that checks signatures and
 * counts idempotency keys; the receiver refuses connections for the first half of the outage and answers 503 for
 * the second. Afterwards every incident's notification has arrived, each key once as new, the studio's records show
 * one delivery per key, and the API stayed fast throughout.
 */
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { alertmanagerPayload } from '../test/support/alerting.js';
import { freePort } from '../test/support/net.js';
import { startSignedReceiver } from '../test/support/signedReceiver.js';
import { check, type Check, type Experiment, type ExperimentContext } from './support/experiment.js';
import { loops, quantile, send, tally, type Outcome } from './support/http.js';
import { ADMIN_TOKEN, startChaosSidecar } from './support/stack.js';

export interface NotifyOutageSettings {
  outageMs: number;
  /** Alerts flowing with the receiver up, before the outage and after it. */
  steadyMs: number;
  alertSenders: number;
  /** Pause between one sender's alerts (each opens an incident). */
  alertPauseMs: number;
  readers: number;
}

export const FULL: NotifyOutageSettings = { outageMs: 60_000, steadyMs: 10_000, alertSenders: 2, alertPauseMs: 400, readers: 2 };
export const SHORT: NotifyOutageSettings = { outageMs: 4000, steadyMs: 3000, alertSenders: 1, alertPauseMs: 300, readers: 1 };

const SIGNING_SECRET = 'chaos-signing-secret-0123456789';
const INTAKE_TOKEN = 'chaos-intake-token-0123456789';
/**
 * Retries and the breaker shortened from production's (backoff from 30 s, breaker open 60 s: a catch-up of a
 * couple of minutes after such an outage) so a run takes minutes; the attempt budget is raised to match, as an
 * operator shortening the backoff would.
 */
const NOTIFY_ENV = {
  NOTIFY_RETRY_BASE_MS: '1000',
  NOTIFY_RETRY_MAX_MS: '10000',
  NOTIFY_BREAKER_HALF_OPEN_MS: '5000',
  NOTIFY_MAX_ATTEMPTS: '30',
};
/** Half-open delay plus the longest backoff, with room for the backlog. */
const CATCH_UP_MS = 30_000;
const P95_TARGET_MS = 500;
const WINDOW_MS = 10_000;

export const notifyOutage: Experiment<NotifyOutageSettings> = {
  name: 'notify-outage',
  hypothesis:
    'A webhook receiver refusing connections, then answering 503, while critical alerts open incidents: within 30 s of its return ' +
    'every incident notification has arrived with a valid signature, no key delivered as new twice, one delivered record per ' +
    'key; GET /api/incidents p95 < 500 ms in every 10 s window',
  timeLimitMs: (s) => 180_000 + s.outageMs + 2 * s.steadyMs + CATCH_UP_MS,
  run,
};

async function run({ guard, registry, log }: ExperimentContext, settings: NotifyOutageSettings): Promise<Check[]> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'studio-chaos-notify-'));
  registry.defer('remove the data directory', () => rm(dataDir, { recursive: true, force: true }));
  // As root the embedded server runs as the postgres OS user, which must be able to enter it.
  await chmod(dataDir, 0o755);
  const receiver = await startSignedReceiver(SIGNING_SECRET);
  registry.defer('close the receiver', () => receiver.close());
  const pgPort = await freePort();
  const sidecar = await startChaosSidecar(
    registry,
    undefined,
    {
      STUDIO_DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      STUDIO_INTAKE_TOKEN: INTAKE_TOKEN,
      SHUTDOWN_DRAIN_DELAY_MS: '200',
      ...NOTIFY_ENV,
    },
    'sidecar (embedded Postgres, delivery worker)'
  );
  let exitedOnItsOwn: number | null | undefined;
  let isStopping = false;
  void sidecar.exited.then((code) => {
    if (isStopping) return;
    exitedOnItsOwn = code;
    log(`the sidecar exited (${code}) on its own; its last output:\n${sidecar.output().slice(-3000)}`);
  });
  // The studio's own records, read straight from its embedded database.
  const password = (await readFile(path.join(dataDir, 'postgres', 'password'), 'utf8')).trim();
  const sql = postgres(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/studio`, {
    max: 1,
    onnotice: () => {},
  });
  registry.defer('close the checking pool', () => sql.end({ timeout: 1 }));
  const api = (p: string) => sidecar.url + p;

  const channel = await send(api('/api/channels'), {
    token: ADMIN_TOKEN,
    json: { kind: 'webhook', name: 'on-call', secrets: { url: `${receiver.origin}/hooks/studio`, signingSecret: SIGNING_SECRET } },
  });
  const rule = await send(api('/api/notification-rules'), {
    token: ADMIN_TOKEN,
    json: { name: 'every declaration', events: ['declared'], channelIds: [channel.body?.id] },
  });
  if (channel.status !== 201 || rule.status !== 201) throw new Error(`setup failed: channel ${channel.status}, rule ${rule.status}`);

  const reads: Outcome[] = [];
  const alerts: Outcome[] = [];
  const opened = new Set<string>();
  let isRunning = true;
  const options = { isRunning: () => isRunning, signal: guard.signal };
  const load = Promise.all([
    // A reader, as the incident list page polls: its latency is the API's health during the outage.
    loops(settings.readers, async () => void reads.push(await send(api('/api/incidents?limit=20'), { token: ADMIN_TOKEN, timeoutMs: 10_000 })), {
      ...options,
      pauseMs: 50,
    }),
    // Alertmanager's way: one firing critical alert per new group, retried until acknowledged; each opens an incident.
    loops(settings.alertSenders, async (s, n) => {
      const json = alertmanagerPayload([{ labels: { alertname: `NotifyOutage${s}`, severity: 'critical', instance: `host-${s}-${n}` } }], {
        groupKey: `{}:{sender="${s}",n="${n}"}`,
      });
      for (let attempt = 0; !guard.signal.aborted; attempt++) {
        const o = await send(api('/api/integrations/alertmanager'), { token: INTAKE_TOKEN, json, timeoutMs: 10_000 });
        alerts.push(o);
        if (o.status === 200) {
          for (const incident of o.body?.incidents ?? []) if (incident.opened) opened.add(incident.id);
          return;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }, { ...options, pauseMs: settings.alertPauseMs }),
  ]);

  await guard.sleep(settings.steadyMs);
  const downAt = performance.now();
  await receiver.setMode('refusing');
  log(`receiver refusing connections for ${settings.outageMs / 2000} s, then answering 503 for as long`);
  await guard.sleep(settings.outageMs / 2);
  await receiver.setMode('unavailable');
  await guard.sleep(settings.outageMs / 2);
  const receivedBeforeReturn = receiver.receipts.size;
  await receiver.setMode('up');
  const upAt = performance.now();
  log(`receiver back; ${receivedBeforeReturn} notifications arrived so far, ${opened.size} incidents opened`);
  await guard.sleep(settings.steadyMs);
  isRunning = false;
  await guard.race(load);

  // Every incident opened has its notification, or the catch-up bound passes.
  const incidentsNow = async () => (await sql<{ id: string }[]>`select id from incidents`).map((r) => r.id);
  let incidents = await incidentsNow();
  const deadline = upAt + CATCH_UP_MS;
  const received = () => new Set([...receiver.receipts.values()].map((r) => r.incidentId));
  while (incidents.some((id) => !received().has(id)) && performance.now() < deadline) {
    await guard.sleep(200);
    incidents = await incidentsNow();
  }
  const lastReceipt = Math.max(...[...receiver.receipts.values()].map((r) => r.at));
  const catchUpMs = lastReceipt - upAt;
  const missing = incidents.filter((id) => !received().has(id));

  const records = await sql<{ key: string; incidentId: string; state: string; attempts: number; delivered: number }[]>`
    select d.idempotency_key as key, d.incident_id as "incidentId", d.state, d.attempts,
      (select count(*)::int from timeline_events t
        where t.type = 'notification' and t.data ->> 'deliveryId' = d.id::text and t.data ->> 'outcome' = 'delivered') as delivered
    from deliveries d where d.event = 'declared'`;
  const keys = new Set(records.map((r) => r.key));
  const notDelivered = records.filter((r) => r.state !== 'delivered');
  const notOnceOnTimeline = records.filter((r) => r.delivered !== 1);
  const perIncident = new Map<string, number>();
  for (const r of records) perIncident.set(r.incidentId, (perIncident.get(r.incidentId) ?? 0) + 1);
  const incidentsNotOnce = incidents.filter((id) => perIncident.get(id) !== 1);
  const unknownKeys = [...receiver.receipts.keys()].filter((k) => !keys.has(k));
  const notReceived = records.filter((r) => !receiver.receipts.has(r.key));
  const repeats = [...receiver.receipts.values()].reduce((n, r) => n + r.repeats, 0);
  const attempts = records.reduce((n, r) => n + r.attempts, 0);

  // The reader's p95, per 10 s window of the run.
  const start = reads[0]?.at ?? 0;
  const windows = new Map<number, number[]>();
  for (const o of reads) {
    const w = Math.floor((o.at - start) / WINDOW_MS);
    windows.set(w, [...(windows.get(w) ?? []), o.ms]);
  }
  const p95s = [...windows.values()].map((ms) => quantile(ms, 0.95));
  const worstP95 = Math.max(...p95s);
  // Load shedding may turn a read away (503 OVERLOADED, Retry-After) on a busy machine: counted, allowed up to 1 %.
  const shed = reads.filter((o) => o.status === 503 && o.code === 'OVERLOADED');
  const readFailures = reads.filter((o) => o.status !== 200 && !shed.includes(o));
  const alertFailures = alerts.filter((o) => o.status !== 200);

  isStopping = exitedOnItsOwn === undefined;
  log(`reads ${tally(reads)}; alerts ${tally(alerts)}; attempts ${attempts} for ${records.length} deliveries; 503s answered ${receiver.refused503}`);
  const outageS = (upAt - downAt) / 1000;
  return [
    check('the sidecar stayed up', exitedOnItsOwn === undefined, exitedOnItsOwn === undefined ? 'up throughout' : `exited with ${exitedOnItsOwn}`),
    check(
      'every incident notified after the receiver returned',
      incidents.length === opened.size && missing.length === 0 && notDelivered.length === 0 && incidents.length > 0,
      `${incidents.length} incidents (${opened.size} opened by the senders' alerts, ${alertFailures.length} non-200 on intake); ` +
        `${incidents.length - missing.length} notified, ${receivedBeforeReturn} before the receiver's return; ` +
        `last arrived ${(catchUpMs / 1000).toFixed(1)} s after it (bound ${CATCH_UP_MS / 1000} s); missing ${missing.length}, ` +
        `not delivered ${notDelivered.length} (${tally(notDelivered.map((r) => ({ status: 0, error: r.state }) as Outcome))})`
    ),
    check(
      'each key delivered once as new, signature valid',
      receiver.invalid === 0 && unknownKeys.length === 0 && notReceived.length === 0 && incidentsNotOnce.length === 0,
      `${receiver.receipts.size} keys received, ${repeats} repeats of delivered keys, ${receiver.invalid} bad signatures, ` +
        `${unknownKeys.length} keys the studio never made, ${incidentsNotOnce.length} incidents without exactly one delivery`
    ),
    check(
      "the studio's records: one delivered row and one delivered entry per key",
      records.length === keys.size && notOnceOnTimeline.length === 0 && records.length > 0,
      `${records.length} delivery rows, ${keys.size} keys, ${records.length - notOnceOnTimeline.length} with exactly one delivered timeline entry; ` +
        `${attempts} attempts over an outage of ${outageS.toFixed(0)} s`
    ),
    check(
      `GET /api/incidents p95 < ${P95_TARGET_MS} ms in every ${WINDOW_MS / 1000} s window`,
      worstP95 < P95_TARGET_MS && readFailures.length === 0 && shed.length <= reads.length / 100 && reads.length > 0,
      `${reads.length} reads (${tally(reads)}); p95 per window ${p95s.map((ms) => ms.toFixed(0)).join(', ')} ms; ` +
        `worst ${worstP95.toFixed(0)} ms, overall p50 ${quantile(reads.map((o) => o.ms), 0.5)} ms`
    ),
  ];
}
