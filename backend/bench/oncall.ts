/**
 * `oncall`: the cost of "who is on call now" across 500 schedules (3 layers each, one restricted to weekday
 * hours and one to weekends, and 3 overrides each), GET /api/on-call through the full app over HTTP from the
 * database, sequentially, p50/p95. Target: p95 under 50 ms. Baselines in the same run: the same rows read with a
 * plain select (what the database and driver alone cost), and the rotation maths alone on rows already loaded.
 */
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.js';
import { nextHandOff, gaps } from '../src/domain/rotations.js';
import { createSql } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { loadSchedules } from '../src/store/schedules.js';
import type { BenchContext } from './run.js';
import { startBenchSidecar } from './support/sidecar.js';

const SCHEDULES = 500;
const PEOPLE = 200;
const WARMUP = 10;
const ROUNDS = 60;
const TARGET_P95_MS = 50;
const TOKEN = 'bench-admin-token-0123456789';
const HOUR = 3_600_000;
const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'UTC'];

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const stats = (durations: number[]) => {
  const sorted = [...durations].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95) };
};

async function timed(rounds: number, work: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i += 1) await work();
  const durations: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const started = performance.now();
    await work();
    durations.push(performance.now() - started);
  }
  return durations;
}

export async function run({ database, report }: BenchContext): Promise<{ ok: boolean }> {
  const sql = createSql({ url: database.url, poolMax: 5, statementTimeoutMs: 30_000 });
  await migrate(sql);
  const people = await sql<{ id: string }[]>`
    insert into people (login, name, email, time_zone, created_by)
    select 'p' || i, 'Person ' || i, 'p' || i || '@example.com', 'UTC', 'bench' from generate_series(1, ${PEOPLE}) i
    returning id`;
  const pick = (i: number) => people[i % PEOPLE]!.id;
  const now = Date.now();
  for (let s = 0; s < SCHEDULES; s += 1) {
    const timeZone = ZONES[s % ZONES.length]!;
    const team = [0, 1, 2, 3].map((k) => pick(s * 4 + k));
    const layers = [
      {
        id: crypto.randomUUID(),
        name: 'weekly',
        participants: team,
        shiftLength: { unit: 'weeks', count: 1 },
        handOffTime: '10:00',
        handOffDay: 1,
        startDate: '2025-06-02',
        timeZone,
      },
      {
        id: crypto.randomUUID(),
        name: 'business hours',
        participants: team.slice(0, 2),
        shiftLength: { unit: 'days', count: 1 },
        handOffTime: '09:00',
        startDate: '2025-06-02',
        timeZone,
        restrictions: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }],
      },
      {
        id: crypto.randomUUID(),
        name: 'weekend',
        participants: team.slice(2),
        shiftLength: { unit: 'hours', count: 12 },
        handOffTime: '08:00',
        startDate: '2025-06-07',
        timeZone,
        restrictions: [{ days: [6, 7], start: '08:00', end: '20:00' }],
      },
    ];
    const [schedule] = await sql<{ id: string }[]>`
      insert into schedules (name, time_zone, layers, created_by) values (${`schedule-${s}`}, ${timeZone}, ${sql.json(layers)}, 'bench')
      returning id`;
    const overrides = [
      [now - HOUR, now + 2 * HOUR],
      [now + 24 * HOUR, now + 36 * HOUR],
      [now + 5 * 24 * HOUR, now + 7 * 24 * HOUR],
    ];
    for (const [k, [start, end]] of overrides.entries()) {
      await sql`
        insert into schedule_overrides (schedule_id, person_id, starts_at, ends_at, created_by)
        values (${schedule!.id}, ${pick(s * 7 + k)}, ${new Date(start!)}, ${new Date(end!)}, 'bench')`;
    }
  }

  const config = loadConfig({
    DATABASE_URL: database.url,
    STUDIO_ADMIN_TOKEN: TOKEN,
    RATE_LIMIT_PER_MINUTE: '0',
    SHED_MAX_IN_FLIGHT: '0',
    SHED_EVENT_LOOP_DELAY_MS: '0',
  });
  const appSql = createSql({
    url: database.url,
    poolMax: config.dbPoolMax,
    statementTimeoutMs: config.dbStatementTimeoutMs,
  });
  const server = await startBenchSidecar(config, appSql);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/on-call?limit=${SCHEDULES}`;
  try {
    const check = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await check.json()) as { items?: unknown[] };
    if (check.status !== 200 || body.items?.length !== SCHEDULES)
      throw new Error(`GET /api/on-call: ${check.status} ${JSON.stringify(body).slice(0, 300)}`);

    const api = stats(
      await timed(ROUNDS, async () => {
        const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
        await res.arrayBuffer();
      })
    );
    const rows = stats(
      await timed(ROUNDS, async () => {
        await sql`select * from schedules order by name`;
        await sql`select * from schedule_overrides where ends_at > now() - interval '121 days' and starts_at < now() + interval '121 days'`;
        await sql`select * from people`;
      })
    );
    const loaded = await loadSchedules(sql, new Date(now - 121 * 24 * HOUR), new Date(now + 121 * 24 * HOUR));
    const maths = stats(
      await timed(ROUNDS, async () => {
        const at = Date.now();
        for (const { schedule } of loaded) {
          nextHandOff(schedule, at);
          gaps(schedule, at, at + 24 * HOUR);
        }
      })
    );
    const fmt = (s: { p50: number; p95: number }) => `p50 ${s.p50.toFixed(1)} ms  p95 ${s.p95.toFixed(1)} ms`;
    report(
      `  ${SCHEDULES} schedules × 3 layers (weekly 24×7, weekday 09–17, weekend 12 h) + 3 overrides each; ${ROUNDS} sequential requests after ${WARMUP} warm-up`
    );
    report(`  GET /api/on-call (full app, HTTP):         ${fmt(api)}`);
    report(`  baseline, the same rows by plain select:   ${fmt(rows)}`);
    report(`  the rotation maths alone (now, next, gaps): ${fmt(maths)}`);
    const ok = api.p95 < TARGET_P95_MS;
    report(`  ${ok ? 'meets' : 'MISSES'} the target: p95 under ${TARGET_P95_MS} ms`);
    return { ok };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await appSql.end({ timeout: 1 });
    await sql.end({ timeout: 1 });
  }
}
