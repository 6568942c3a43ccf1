/**
 * `lists`: the first page of every filter and sort the incidents and alerts pages offer (and GET
 * /api/incidents/active with its count), through the full app over HTTP, with 1,000 and with 1,000,000 incidents and
 * alerts in two databases on one PostgreSQL server, in one run. Rounds alternate between the two sizes, so
 * background load hits both alike; medians are compared. Target: each at most 1.5 × its 1,000-row time. Also prints
 * the plan (EXPLAIN ANALYZE) of the query behind the slowest case on the large database.
 * BENCH_LISTS_ROWS (1000000), BENCH_LISTS_SMALL (1000) and BENCH_LISTS_ROUNDS (21) change it.
 */
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import { loadConfig } from '../src/config.js';
import type { Sql } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import type { BenchContext } from './run.js';
import { siblingDatabase } from './support/database.js';
import { startBenchSidecar } from './support/sidecar.js';

const TARGET = 1.5;
const TOKEN = 'bench-admin-token-0123456789';
const WARMUP = 3;
const ACTIVE = 'open,investigating,identified,monitoring';
const WORDS = [
  'latency',
  'errors',
  'timeouts',
  'saturation',
  'outage',
  'degraded',
  'crashloop',
  'backlog',
  'disk',
  'memory',
];

/** A first page as the pages ask for it (their page sizes: incidents 50, alerts 100). */
interface Case {
  name: string;
  path: string;
}

const since24h = () => new Date(Date.now() - 24 * 3_600_000).toISOString();

const CASES: Case[] = [
  { name: 'incidents newest', path: '/api/incidents?limit=50' },
  { name: 'incidents oldest', path: '/api/incidents?limit=50&sort=oldest' },
  { name: 'incidents severity', path: '/api/incidents?limit=50&sort=severity' },
  { name: 'incidents status', path: '/api/incidents?limit=50&sort=status' },
  { name: 'incidents duration', path: '/api/incidents?limit=50&sort=duration' },
  { name: 'incidents active (landing)', path: `/api/incidents?limit=50&status=${ACTIVE}` },
  { name: 'incidents active, oldest', path: `/api/incidents?limit=50&status=${ACTIVE}&sort=oldest` },
  { name: 'incidents active, severity', path: `/api/incidents?limit=50&status=${ACTIVE}&sort=severity` },
  { name: 'incidents active, status', path: `/api/incidents?limit=50&status=${ACTIVE}&sort=status` },
  { name: 'incidents active, duration', path: `/api/incidents?limit=50&status=${ACTIVE}&sort=duration` },
  { name: 'incidents status=open', path: '/api/incidents?limit=50&status=open' },
  { name: 'incidents resolved', path: '/api/incidents?limit=50&status=resolved' },
  { name: 'incidents resolved, severity', path: '/api/incidents?limit=50&status=resolved&sort=severity' },
  { name: 'incidents resolved, duration', path: '/api/incidents?limit=50&status=resolved&sort=duration' },
  { name: 'incidents severity=critical', path: '/api/incidents?limit=50&severity=critical' },
  { name: 'incidents service', path: '/api/incidents?limit=50&service=svc-7' },
  { name: 'incidents text (common word)', path: '/api/incidents?limit=50&q=latency' },
  { name: 'incidents text (3 matches)', path: '/api/incidents?limit=50&q=frobnicator' },
  { name: 'incidents text (no match)', path: '/api/incidents?limit=50&q=zzznotfound' },
  { name: 'incidents last 24 h', path: `/api/incidents?limit=50&from=${encodeURIComponent(since24h())}` },
  {
    name: 'incidents last 24 h, severity',
    path: `/api/incidents?limit=50&sort=severity&from=${encodeURIComponent(since24h())}`,
  },
  { name: 'active incidents + count', path: '/api/incidents/active' },
  { name: 'active incidents critical + count', path: '/api/incidents/active?severity=critical&limit=10' },
  { name: 'active incidents of a service + count', path: '/api/incidents/active?service=svc-7&limit=10' },
  { name: 'alerts newest', path: '/api/alerts?limit=100' },
  { name: 'alerts firing', path: '/api/alerts?limit=100&status=firing' },
  { name: 'alerts resolved', path: '/api/alerts?limit=100&status=resolved' },
  { name: 'alerts severity=critical', path: '/api/alerts?limit=100&severity=critical' },
  { name: 'alerts source=grafana', path: '/api/alerts?limit=100&source=grafana' },
  { name: 'alerts alertname', path: '/api/alerts?limit=100&alertname=BenchAlert3' },
  { name: 'alerts with incident', path: '/api/alerts?limit=100&hasIncident=true' },
  { name: 'alerts without incident', path: '/api/alerts?limit=100&hasIncident=false' },
  { name: 'alerts last 24 h', path: `/api/alerts?limit=100&from=${encodeURIComponent(since24h())}` },
];

/**
 * `count` incidents (one in ten active, a minute apart, newest first, one of 10 services each, varied durations, three
 * with a rare word) and as many alerts (one in ten firing, one in five on an incident, 5 alert names), each table in
 * one `insert … select generate_series`. Every case's first page is full at 1,000 rows too (but for status=open, 25),
 * so both sizes answer the same amount.
 */
export async function seed(url: string, count: number): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`insert into services (name) select 'svc-' || s from generate_series(1, 10) s`;
    await sql`
      insert into incidents (title, description, severity, status, service_ids, created_by, started_at, detected_at,
                             resolved_at)
      select 'Bench incident ' || n || ': ' || (${WORDS}::text[])[1 + n % 10]
               || case when n in (7, 307, 707) then ' frobnicator' else '' end,
             'Seeded for the lists bench: ' || (${WORDS}::text[])[1 + (n / 10) % 10] || ' after a deploy',
             (array['critical','high','medium','low'])[1 + n % 4],
             case when n % 10 = 0 then (array['open','investigating','identified','monitoring'])[1 + (n / 10) % 4]
                  else 'resolved' end,
             array[(select id from services where name = 'svc-' || 1 + (n / 10) % 10)],
             'bench', now() - n * interval '1 minute', now() - n * interval '1 minute',
             case when n % 10 = 0 then null else now() - n * interval '1 minute' + (n % 240 + 5) * interval '1 minute' end
      from generate_series(1, ${count}::int) n`;
    await sql`insert into incident_services (incident_id, service_id) select id, service_ids[1] from incidents`;
    await sql`
      insert into alerts (source, fingerprint, starts_at, ends_at, status, alertname, severity, labels, group_key,
                          incident_id)
      select (array['alertmanager','grafana'])[1 + n % 2], md5(n::text), now() - n * interval '1 minute',
             case when n % 10 = 0 then null else now() - n * interval '1 minute' + interval '10 minutes' end,
             case when n % 10 = 0 then 'firing' else 'resolved' end,
             'BenchAlert' || n % 5, (array['critical','high','medium','low'])[1 + n % 4],
             jsonb_build_object('alertname', 'BenchAlert' || n % 5, 'service', 'svc-' || 1 + n % 10),
             'group-' || n % 1000, i.id
      from generate_series(1, ${count}::int) n
      left join incidents i on n % 5 = 0 and i.number = 1 + (n / 5) % ${count}::int`;
    // What autovacuum does after a bulk load: statistics for the planner, the visibility map for index-only counts.
    await sql`vacuum analyze`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** The app's own pool (as createSql makes it), recording the last list statement it sent, for EXPLAIN. */
function recordingSql(
  url: string,
  poolMax: number,
  statementTimeoutMs: number
): { sql: Sql; last(): { query: string; params: unknown[] } } {
  let lastList = { query: '', params: [] as unknown[] };
  const sql = postgres(url, {
    max: poolMax,
    transform: { column: { from: postgres.toCamel } },
    connection: { statement_timeout: statementTimeoutMs, application_name: 'reliability-studio' },
    onnotice: () => {},
    debug: (_connection, query, params) => {
      if (/from (incidents i|alerts a)\b[\s\S]*\border by\b/.test(query))
        lastList = { query, params: params as unknown[] };
    },
  });
  return { sql, last: () => lastList };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeRequest(base: string, path: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(base + path, { headers: { authorization: `Bearer ${TOKEN}` } });
  const body = await res.text();
  const elapsed = performance.now() - started;
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 300)}`);
  return elapsed;
}

export async function run({ database, report }: BenchContext): Promise<{ ok: boolean }> {
  const rounds = Number(process.env.BENCH_LISTS_ROUNDS ?? 21);
  const sizes = {
    small: Number(process.env.BENCH_LISTS_SMALL ?? 1000),
    large: Number(process.env.BENCH_LISTS_ROWS ?? 1_000_000),
  };
  const second = await siblingDatabase(database.url, 'large');
  const setups = { small: database.url, large: second.url };
  const apps: Array<{ close(): Promise<void> }> = [];
  try {
    const bases = {} as Record<'small' | 'large', string>;
    let lastQuery = () => ({ query: '', params: [] as unknown[] });
    for (const [name, url] of Object.entries(setups) as Array<['small' | 'large', string]>) {
      const config = loadConfig({
        DATABASE_URL: url,
        STUDIO_ADMIN_TOKEN: TOKEN,
        RATE_LIMIT_PER_MINUTE: '0',
        SHED_MAX_IN_FLIGHT: '0',
        SHED_EVENT_LOOP_DELAY_MS: '0',
        SHED_DB_QUEUE_DELAY_MS: '0',
      });
      const recording = recordingSql(url, config.dbPoolMax, config.dbStatementTimeoutMs);
      await migrate(recording.sql);
      const started = performance.now();
      await seed(url, sizes[name]);
      report(
        `  ${name}: ${sizes[name].toLocaleString('en')} incidents and ${sizes[name].toLocaleString('en')} alerts seeded in ${Math.round(performance.now() - started)} ms`
      );
      const server = await startBenchSidecar(config, recording.sql);
      apps.push({
        close: async () => {
          await new Promise((resolve) => server.close(resolve));
          await recording.sql.end({ timeout: 1 });
        },
      });
      bases[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (name === 'large') lastQuery = recording.last;
    }

    const width = Math.max(...CASES.map((c) => c.name.length));
    const k = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));
    report(`  first page, GET through the full app over HTTP, median of ${rounds} each (sizes alternate):`);
    report(
      `    ${'case'.padEnd(width)}  ${k(sizes.small).padStart(8)}  ${k(sizes.large).padStart(8)}  ratio (target ≤ ${TARGET})`
    );
    const results: Array<{ name: string; small: number; large: number; ratio: number }> = [];
    for (const { name, path } of CASES) {
      for (let n = 0; n < WARMUP; n++) {
        for (const size of ['small', 'large'] as const) await timeRequest(bases[size], path);
      }
      const times = { small: [] as number[], large: [] as number[] };
      for (let n = 0; n < rounds; n++) {
        for (const size of n % 2 ? (['large', 'small'] as const) : (['small', 'large'] as const)) {
          times[size].push(await timeRequest(bases[size], path));
        }
      }
      const result = { name, small: median(times.small), large: median(times.large), ratio: 0 };
      result.ratio = result.large / result.small;
      results.push(result);
      const miss = result.ratio > TARGET ? '  MISS' : '';
      report(
        `    ${name.padEnd(width)}  ${result.small.toFixed(1).padStart(5)} ms  ${result.large.toFixed(1).padStart(5)} ms  ${result.ratio.toFixed(2)}${miss}`
      );
    }

    const slowest = results.reduce((a, b) => (b.large > a.large ? b : a));
    await timeRequest(bases.large, CASES.find((c) => c.name === slowest.name)!.path);
    const { query, params } = lastQuery();
    const explain = postgres(second.url, { max: 1, onnotice: () => {} });
    try {
      const plan = await explain.unsafe(`explain (analyze, buffers) ${query}`, params as never[]);
      report(`  plan of the slowest at ${k(sizes.large)} (${slowest.name}, ${slowest.large.toFixed(1)} ms):`);
      for (const row of plan) report(`    ${String(row['QUERY PLAN'])}`);
    } finally {
      await explain.end({ timeout: 1 });
    }

    const misses = results.filter((r) => r.ratio > TARGET);
    const ok = misses.length === 0;
    report(`  ${ok ? 'PASS' : `FAIL: ${misses.map((m) => m.name).join(', ')} over ${TARGET}×`}`);
    return { ok };
  } finally {
    for (const app of apps.reverse()) await app.close();
    await second.drop();
  }
}
