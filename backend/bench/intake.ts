/**
 * `intake`: alerts/s stored and p99 latency of POST /api/integrations/alertmanager (createApp as main.ts builds
 * it, in its own process), with Alertmanager-shaped payloads of 100 alerts: half new, half repeats of the group's
 * earlier alerts, one notification at a time per group as Alertmanager sends them, several groups in parallel.
 * Baseline, same run, same rows: the alerts upserted straight into Postgres, 100 per statement, same concurrency.
 * Target: intake keeps at least 40 % of the baseline's rows/s, with no alert lost or stored twice.
 */
import http from 'node:http';
import postgres from 'postgres';
import { alertFingerprint } from '../src/domain/alerts.js';
import { createSql } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { createApiToken } from '../src/store/tokens.js';
import type { BenchContext } from './run.js';
import { cpuSpent, sampleCpu, type CpuSpent } from './support/cpu.js';
import { loadSettings, startServerProcess } from './support/load.js';

const TARGET = 0.4;
const ALERTS_PER_PAYLOAD = 100;
const NEW_PER_PAYLOAD = 50;
const GROUPS_PER_WORKER = 8;
const BASE_TIME = Date.parse('2026-01-01T00:00:00Z');

interface BenchAlert {
  fingerprint: string;
  startsAt: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Each group's alerts so far; a payload is the group's next 50 new alerts plus its 50 latest earlier ones. */
class Workload {
  private readonly groups = new Map<number, BenchAlert[]>();
  readonly distinct = new Set<string>();
  deliveries = 0;

  payload(group: number): BenchAlert[] {
    const alerts = this.groups.get(group) ?? [];
    this.groups.set(group, alerts);
    const repeats = alerts.slice(-(ALERTS_PER_PAYLOAD - NEW_PER_PAYLOAD));
    const fresh: BenchAlert[] = [];
    for (let i = 0; fresh.length + repeats.length < ALERTS_PER_PAYLOAD; i++) {
      const n = alerts.length + i;
      const labels = {
        alertname: `BenchAlert${group % 7}`,
        severity: 'warning',
        service: `svc-${group % 20}`,
        job: 'bench',
        instance: `10.0.${group}.${n}:9100`,
      };
      const alert = {
        fingerprint: alertFingerprint(labels),
        startsAt: new Date(BASE_TIME + group * 1000 + n).toISOString(),
        labels,
        annotations: {
          summary: 'Instance is slow',
          description: `Latency on ${labels.instance} is above 500 ms for 5 minutes.`,
        },
      };
      fresh.push(alert);
      this.distinct.add(`${alert.fingerprint}|${alert.startsAt}`);
    }
    alerts.push(...fresh);
    const batch = [...repeats, ...fresh];
    this.deliveries += batch.length;
    return batch;
  }
}

const webhook = (group: number, alerts: BenchAlert[]) =>
  JSON.stringify({
    version: '4',
    groupKey: `{}/{severity="warning"}:{service="svc-${group % 20}", group="${group}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'reliability-studio',
    groupLabels: { group: String(group) },
    commonLabels: { severity: 'warning', job: 'bench' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: alerts.map((a) => ({
      status: 'firing',
      ...a,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
    })),
  });

interface Phase {
  alerts: number;
  seconds: number;
  latenciesMs: number[];
  cpu: CpuSpent;
}

/** `workers` loops, each owning its groups, for `seconds`; waits for the calls in flight. */
async function drive(
  workers: number,
  seconds: number,
  groupOffset: number,
  send: (group: number) => Promise<number>,
  sidecarPid?: number
): Promise<Phase> {
  const latenciesMs: number[] = [];
  let alerts = 0;
  const cpuBefore = sampleCpu(sidecarPid);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let k = 0; performance.now() < deadline; k++) {
        const group = groupOffset + w + workers * (k % GROUPS_PER_WORKER);
        const at = performance.now();
        const sent = await send(group); // not `alerts += await ...`: that reads `alerts` before the await
        alerts += sent;
        latenciesMs.push(performance.now() - at);
      }
    })
  );
  return { alerts, seconds: (performance.now() - started) / 1000, latenciesMs, cpu: cpuSpent(cpuBefore, sampleCpu(sidecarPid)) };
}

const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)] ?? NaN;

const BASELINE_UPSERT = (sql: postgres.Sql, rows: unknown[]) => sql`
  insert into bench_baseline (source, fingerprint, starts_at, status, alertname, severity, labels, annotations, group_key)
  select 'alertmanager', fingerprint, starts_at, 'firing', labels->>'alertname', 'medium', labels, annotations, group_key
  from jsonb_to_recordset(${sql.json(rows as never)}::jsonb)
    as x(fingerprint text, starts_at timestamptz, labels jsonb, annotations jsonb, group_key text)
  on conflict (source, fingerprint, starts_at) do update
    set count = bench_baseline.count + 1, last_seen_at = now(), annotations = excluded.annotations`;

/** Posts one group's next payload to intake over a keep-alive connection; resolves with the answer. */
function poster(serverUrl: string, token: string, connections: number, load: Workload, failures: string[]) {
  // node:http rather than fetch: fetch costs the load generator ~0.5 ms of CPU per request, taken from the two
  // cores the sidecar and Postgres are measured on.
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const { hostname, port } = new URL(serverUrl);
  const post = async (group: number) => {
    const alerts = load.payload(group);
    const body = webhook(group, alerts);
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const headers = {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      };
      const req = http.request(
        { host: hostname, port, path: '/api/integrations/alertmanager', method: 'POST', agent, headers },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        }
      );
      req.on('error', reject);
      req.end(body);
    });
    if (status !== 200) failures.push(`${status} ${text.slice(0, 200)}`);
    return alerts.length;
  };
  return { post, close: () => agent.destroy() };
}

const sum = (phases: Phase[]) => ({
  alerts: phases.reduce((n, p) => n + p.alerts, 0),
  seconds: phases.reduce((n, p) => n + p.seconds, 0),
  latenciesMs: phases.flatMap((p) => p.latenciesMs),
  cpu: {
    sidecar: phases.reduce((n, p) => n + p.cpu.sidecar, 0),
    postgres: phases.reduce((n, p) => n + p.cpu.postgres, 0),
    generator: phases.reduce((n, p) => n + p.cpu.generator, 0),
  },
});

/** CPU milliseconds per 1,000 rows, by role: where the two cores went. */
const cpuPerThousand = ({ alerts, cpu }: ReturnType<typeof sum>) =>
  (Object.entries(cpu) as [string, number][])
    .filter(([, seconds]) => seconds > 0)
    .map(([role, seconds]) => `${role} ${((seconds * 1e6) / alerts).toFixed(0)}`)
    .join(', ');

export async function run({ database, report }: BenchContext): Promise<{ ok: boolean }> {
  // Measured in the steady state: the sidecar is a fresh process, and V8 takes about a thousand requests (seconds,
  // more than the default warm-up) to optimise the intake path; a production sidecar runs for days.
  const { connections, durationS, warmupS, rounds } = loadSettings({ durationS: 3, rounds: 4, warmupS: 10 });
  const sql = createSql({ url: database.url, poolMax: connections, statementTimeoutMs: 30_000 });
  await migrate(sql);
  // The baseline's own copy of the alerts table (columns, indexes, fillfactor), so the run can check afterwards
  // that intake stored exactly what was sent.
  await sql`create table bench_baseline (like alerts including all) with (fillfactor = 80)`;
  const { token } = await createApiToken(sql, 'bench-alertmanager', 'integration');
  report(
    `  ${ALERTS_PER_PAYLOAD} alerts per payload (${NEW_PER_PAYLOAD} new), ${connections} groups at a time, ` +
      `${warmupS} s warm-up each, then ${rounds} rounds of ${durationS} s of baseline and intake taking turns`
  );

  const baselineLoad = new Workload();
  const upsert = async (group: number) => {
    const rows = baselineLoad.payload(group).map((a) => ({ ...a, starts_at: a.startsAt, group_key: `g${group}` }));
    await BASELINE_UPSERT(sql, rows);
    return rows.length;
  };
  const server = await startServerProcess('bench/overhead-server.ts', ['full'], {
    BENCH_DATABASE_URL: database.url,
    STUDIO_ADMIN_TOKEN: 'bench-admin-token-0123456789',
    // Intake has its own per-token budget; a run must not reach it (the limiter still runs on every request).
    RATE_LIMIT_INTAKE_PER_MINUTE: '1000000000',
    DB_POOL_MAX: String(connections),
  });
  const load = new Workload();
  const failures: string[] = [];
  const intakeClient = poster(server.url, token, connections, load, failures);
  // Taking turns in short slices: other work on the machine then weighs on both sides alike. The groups stay the
  // same throughout, so the warm-up opens their incidents and the rounds measure the steady state (alerts joining
  // open incidents), not the one-off promotions.
  const baselinePhases: Phase[] = [];
  const intakePhases: Phase[] = [];
  try {
    await drive(connections, warmupS, 0, upsert);
    await drive(connections, warmupS, 0, intakeClient.post);
    for (let round = 1; round <= rounds; round++) {
      baselinePhases.push(await drive(connections, durationS, 0, upsert));
      intakePhases.push(await drive(connections, durationS, 0, intakeClient.post, server.pid));
    }
  } finally {
    intakeClient.close();
    await server.stop();
  }
  const baseline = sum(baselinePhases);
  const intake = sum(intakePhases);

  const [stored] = await sql<{ rows: number; distinct: number; deliveries: number }[]>`
    select count(*)::int as rows, count(distinct (fingerprint, starts_at))::int as distinct, sum(count)::int as deliveries from alerts`;
  const [incidents] = await sql<{ n: number; timeline: number }[]>`
    select (select count(*)::int from incidents) as n, (select count(*)::int from timeline_events where type = 'alert_fired') as timeline`;
  await sql.end({ timeout: 1 });

  const lost = load.distinct.size - stored!.distinct;
  const duplicated = stored!.rows - stored!.distinct;
  const alertsPerS = intake.alerts / intake.seconds;
  const baselinePerS = baseline.alerts / baseline.seconds;
  const ratio = alertsPerS / baselinePerS;
  const perRound = intakePhases.map(
    (p, n) =>
      `${((p.alerts / p.seconds / (baselinePhases[n]!.alerts / baselinePhases[n]!.seconds)) * 100).toFixed(0)} %`
  );
  report(
    `  baseline  ${baselinePerS.toFixed(0).padStart(6)} rows/s    p99 ${p99(baseline.latenciesMs).toFixed(1)} ms per 100-row upsert statement`
  );
  report(
    `  intake    ${alertsPerS.toFixed(0).padStart(6)} alerts/s  p99 ${p99(intake.latenciesMs).toFixed(1)} ms per payload ` +
      `(${(intake.alerts / ALERTS_PER_PAYLOAD / intake.seconds).toFixed(0)} payloads/s; ${(alertsPerS / 2).toFixed(0)} new alerts/s)`
  );
  report(
    `  stored ${stored!.distinct} distinct alerts of ${load.distinct.size} sent, ${stored!.deliveries} deliveries of ${load.deliveries}; ` +
      `lost ${lost}, duplicated ${duplicated}, non-2xx ${failures.length}; ${incidents!.n} incidents, ${incidents!.timeline} alert_fired entries`
  );
  report(`  CPU ms per 1,000 alerts: baseline ${cpuPerThousand(baseline)}; intake ${cpuPerThousand(intake)}`);
  for (const failure of failures.slice(0, 3)) report(`  failure: ${failure}`);
  const ok =
    ratio >= TARGET &&
    lost === 0 &&
    duplicated === 0 &&
    failures.length === 0 &&
    stored!.deliveries === load.deliveries;
  report(
    `  intake / baseline = ${(ratio * 100).toFixed(1)} % (rounds: ${perRound.join(', ')}; ${ratio >= TARGET ? 'meets' : 'MISSES'} the ${TARGET * 100} % target)`
  );
  return { ok };
}
