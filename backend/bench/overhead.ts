/**
 * `overhead`: requests/s of GET /api/incidents/:id through the full middleware stack (createApp as main.ts
 * builds it: request id, logging, metrics, shedding, timeout, rate limits, auth, validation, the Postgres
 * policy, the envelope) against the same handler with no middleware (`bare-route`: the real incidents routes
 * mounted alone), in one run on one database. Target: the full stack keeps at least 70 % of that throughput.
 * Three more variants show where the rest goes: the store call on plain node:http, with the Postgres policy,
 * and on a one-route Hono app.
 */
import { createSql } from '../src/store/db.js';
import { createIncident } from '../src/store/incidents.js';
import { migrate } from '../src/store/migrate.js';
import { createService } from '../src/store/services.js';
import type { BenchContext } from './run.js';
import { compare, loadSettings, startServerProcess } from './support/load.js';

const TARGET = 0.7;
const TOKEN = 'bench-admin-token-0123456789';
const VARIANTS = {
  'bare-node': 'node:http handler -> getIncident(sql, id) -> JSON (no framework, no policy)',
  'bare-policy': 'the same, through the Postgres resilience policy (db.read) as routes call it',
  'bare-hono': 'one-route Hono app on @hono/node-server -> getIncident(sql, id)',
  'bare-route': 'the real GET /api/incidents/:id route (validation, policy, schema), no middleware (the baseline)',
  full: 'createApp with every middleware; admin token + X-Grafana-User, as from Grafana',
};

async function seed(url: string): Promise<string> {
  const sql = createSql({ url, poolMax: 1, statementTimeoutMs: 10_000 });
  try {
    await migrate(sql);
    const actor = { name: 'bench', source: 'system' } as const;
    for (const name of ['checkout', 'payments-api']) await createService(sql, { name });
    const incident = await createIncident(
      sql,
      { title: 'Checkout latency', severity: 'high', services: ['checkout', 'payments-api'], labels: { region: 'eu' } },
      actor
    );
    return incident.id;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export async function run({ database, report }: BenchContext): Promise<{ ok: boolean }> {
  const settings = loadSettings();
  const id = await seed(database.url);
  const headers = { authorization: `Bearer ${TOKEN}`, 'x-grafana-user': 'bench-user' };
  const env = { BENCH_DATABASE_URL: database.url, STUDIO_ADMIN_TOKEN: TOKEN };
  const servers = await Promise.all(
    Object.keys(VARIANTS).map(async (name) => ({ name, server: await startServerProcess('bench/overhead-server.ts', [name], env) }))
  );
  try {
    for (const { name, server } of servers) {
      const res = await fetch(`${server.url}/api/incidents/${id}`, { headers });
      const body = (await res.json()) as { id?: string };
      if (res.status !== 200 || body.id !== id) throw new Error(`${name}: ${res.status} ${JSON.stringify(body)}`);
    }
    report(
      `  GET /api/incidents/:id, ${settings.connections} connections; each variant ${settings.warmupS} s warm-up, then ` +
        `${settings.rounds} rounds of ${settings.durationS} s taken in turn (so background load hits all alike)`
    );
    const results = await compare(
      servers.map(({ name, server }) => ({ name, options: { url: `${server.url}/api/incidents/${id}`, headers } })),
      settings
    );
    for (const [name, r] of Object.entries(results)) {
      report(
        `  ${name.padEnd(11)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  ` +
          `rounds ${r.rounds.map((x) => x.toFixed(0)).join('/')}  ${VARIANTS[name as keyof typeof VARIANTS]}`
      );
    }
    const rps = (name: string) => results[name]!.rps;
    const ratio = rps('full') / rps('bare-route');
    report(`  full / bare-route = ${pct(ratio)}  (${ratio >= TARGET ? 'meets' : 'MISSES'} the ${pct(TARGET)} target)`);
    report(`  full / bare-node = ${pct(rps('full') / rps('bare-node'))}  (against the store call on plain node:http)`);
    report(
      `  where it goes: policy alone keeps ${pct(rps('bare-policy') / rps('bare-node'))}, Hono alone ` +
        `${pct(rps('bare-hono') / rps('bare-node'))}; full / bare-policy = ${pct(rps('full') / rps('bare-policy'))}`
    );
    return { ok: ratio >= TARGET };
  } finally {
    await Promise.all(servers.map(({ server }) => server.stop()));
  }
}
