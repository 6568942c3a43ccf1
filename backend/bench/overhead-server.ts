/**
 * The servers `overhead` compares, one per process: `bare-node` (node:http calling the store function),
 * `bare-policy` (the same, through the Postgres resilience policy as routes call it), `bare-hono` (a one-route
 * Hono app on @hono/node-server calling the store function), `bare-route` (the real incidents routes mounted alone:
 * the handler with no middleware, the baseline) and `full` (createApp exactly as main.ts builds it, with
 * the live feed reading the outbox, as main.ts starts it).
 * Usage: tsx bench/overhead-server.ts <variant>, with BENCH_DATABASE_URL and STUDIO_ADMIN_TOKEN set.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { loadConfig } from '../src/config.js';
import { AppError } from '../src/domain/errors.js';
import { ResilienceRegistry } from '../src/resilience/registry.js';
import { incidentRoutes } from '../src/routes/incidents.js';
import { createSql, Database } from '../src/store/db.js';
import { getIncident } from '../src/store/incidents.js';
import { startBenchSidecar } from './support/sidecar.js';

const variant = process.argv[2] ?? '';
// The production defaults, except a rate limit no run can reach: the limiter still does its work on every request.
const config = loadConfig({ ...process.env, DATABASE_URL: process.env.BENCH_DATABASE_URL, RATE_LIMIT_PER_MINUTE: '1000000000' });
const sql = createSql({ url: config.databaseUrl!, poolMax: config.dbPoolMax, statementTimeoutMs: config.dbStatementTimeoutMs });
const INCIDENT_PATH = /^\/api\/incidents\/([0-9a-f-]{36})$/;

function bareNode(load: (id: string) => Promise<unknown>) {
  return createServer((req, res) => {
    const id = INCIDENT_PATH.exec(req.url ?? '')?.[1];
    if (!id) {
      res.writeHead(404).end();
      return;
    }
    load(id).then(
      (incident) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(incident)),
      (err) => res.writeHead(err instanceof AppError ? 404 : 500).end()
    );
  });
}

function bareHono() {
  const app = new Hono().get('/api/incidents/:id', async (c) => c.json(await getIncident(sql, c.req.param('id'))));
  return serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
}

/**
 * The baseline, "the same handler with no middleware": the real incidents routes (validation, the Postgres
 * policy, the response schema) mounted alone, with none of the app's middleware.
 */
function bareRoute() {
  const db = new Database(sql, config.database, new ResilienceRegistry());
  const app = new OpenAPIHono().route('/api/incidents', incidentRoutes(db));
  return serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
}

const servers = {
  'bare-node': () => bareNode((id) => getIncident(sql, id)),
  'bare-policy': () => {
    const db = new Database(sql, config.database, new ResilienceRegistry());
    return bareNode((id) => db.read((s) => getIncident(s, id)));
  },
  'bare-hono': bareHono,
  'bare-route': bareRoute,
  full: () => startBenchSidecar(config, sql),
} as const;
const build = servers[variant as keyof typeof servers];
if (!build) {
  console.error(`usage: overhead-server.ts <${Object.keys(servers).join('|')}>`);
  process.exit(2);
}
const server = await build();
if (variant === 'bare-node' || variant === 'bare-policy') server.listen(0, '127.0.0.1');
if (!server.listening) await once(server, 'listening');
console.log(`listening ${(server.address() as AddressInfo).port}`);
process.on('SIGTERM', () => server.close(() => void sql.end({ timeout: 1 }).then(() => process.exit(0))));
