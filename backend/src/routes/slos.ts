import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '../domain/errors.js';
import { DEFAULT_BURN_RATE_ALERTS, generateRules, rulesToYaml, windowBounds } from '../domain/slo.js';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, iso, jsonContent } from '../http/openapi.js';
import { CostSchema, SloInputSchema, SloSchema, StatusSchema, wireCost, wireSlo } from './sloSchemas.js';
import type { Database } from '../store/db.js';
import { getIncident } from '../store/incidents.js';
import {
  createSlo,
  deleteSlo,
  getSlo,
  incidentsOfService,
  listSlos,
  replaceSlo,
  slosOfIncident,
  type Slo,
} from '../store/slos.js';
import { PrometheusError, type PrometheusClient } from '../telemetry/prometheus.js';
import { incidentCost, sloStatus } from '../telemetry/sloStatus.js';
import { InstantSchema } from './sharedSchemas.js';
import { NextCursorSchema, pageOf, pageQuerySchema, pageRequest } from './pagination.js';

const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const tags = ['SLOs'];
// How far back an incident may have started and still be costed; more would be one query each.
const MAX_INCIDENTS = 50;
// Status "now" is rounded down so a page refreshed by several people shares cached Prometheus answers.
const NOW_GRANULARITY_MS = 5000;
const AtSchema = InstantSchema.optional()
  .openapi({ description: 'Evaluate at this time (default: now, to 5 s)' });
const evaluationTime = (at: string | undefined) =>
  at ? new Date(at) : new Date(Math.floor(Date.now() / NOW_GRANULARITY_MS) * NOW_GRANULARITY_MS);

const routes = {
  list: createRoute({
    method: 'get',
    path: '/slos',
    operationId: 'listSlos',
    summary: 'SLOs by service and name, optionally of one service, a page at a time',
    tags,
    request: { query: z.strictObject({ service: z.string().max(63).optional(), ...pageQuerySchema(200, 500) }) },
    responses: {
      200: jsonContent(z.object({ items: z.array(SloSchema), nextCursor: NextCursorSchema }), 'SLOs'),
      ...errorResponses(400, 401, 503),
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/slos',
    operationId: 'createSlo',
    summary: 'Define an SLO',
    tags,
    middleware: [requireRole('editor')] as const,
    request: { body: jsonBody(SloInputSchema) },
    responses: { 201: jsonContent(SloSchema, 'Created'), ...errorResponses(400, 401, 403, 409, 413, 415, 503) },
  }),
  rules: createRoute({
    method: 'get',
    path: '/slos/rules',
    operationId: 'getSloRules',
    tags,
    summary: 'Prometheus recording rules and multi-window multi-burn-rate alerts for every SLO (a rules file)',
    request: { query: z.strictObject({ format: z.enum(['yaml', 'json']).default('yaml') }) },
    responses: {
      200: {
        description: 'A Prometheus rules file',
        content: {
          'text/yaml': { schema: z.string() },
          'application/json': { schema: z.object({ groups: z.array(z.unknown()) }) },
        },
      },
      ...errorResponses(400, 401, 503),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/slos/{id}',
    operationId: 'getSlo',
    summary: 'One SLO',
    tags,
    request: { params: IdParamsSchema },
    responses: { 200: jsonContent(SloSchema, 'The SLO'), ...errorResponses(400, 401, 404, 503) },
  }),
  replace: createRoute({
    method: 'put',
    path: '/slos/{id}',
    operationId: 'replaceSlo',
    summary: 'Replace an SLO (optimistic concurrency on version)',
    tags,
    middleware: [requireRole('editor')] as const,
    request: { params: IdParamsSchema, body: jsonBody(SloInputSchema.extend({ version: z.number().int().min(1) })) },
    responses: { 200: jsonContent(SloSchema, 'Replaced'), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503) },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/slos/{id}',
    operationId: 'deleteSlo',
    summary: 'Delete an SLO',
    tags,
    middleware: [requireRole('editor')] as const,
    request: { params: IdParamsSchema },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 503) },
  }),
  status: createRoute({
    method: 'get',
    path: '/slos/{id}/status',
    operationId: 'getSloStatus',
    tags,
    summary: 'SLI, error budget left, burn rates (5m, 1h, 6h, 3d) and the budget each incident of the service burned',
    request: { params: IdParamsSchema, query: z.strictObject({ at: AtSchema }) },
    responses: { 200: jsonContent(StatusSchema, 'Status from Prometheus'), ...errorResponses(400, 401, 404, 422, 503) },
  }),
  incidentCost: createRoute({
    method: 'get',
    path: '/incidents/{id}/slos',
    operationId: 'listIncidentSloCosts',
    tags: ['Incidents', ...tags],
    summary: 'The error budget this incident burned, for each SLO of the services it impacts',
    request: { params: IdParamsSchema, query: z.strictObject({ at: AtSchema, ...pageQuerySchema(50, 100) }) },
    responses: {
      200: jsonContent(
        z.object({ items: z.array(z.object({ slo: SloSchema, cost: CostSchema })), nextCursor: NextCursorSchema }),
        'One entry per SLO, by service and name'
      ),
      ...errorResponses(400, 401, 404, 422, 503),
    },
  }),
};

/** Prometheus' refusals of an SLO's own queries are the SLO's fault (422); outages stay as thrown (503, http/errors.ts). */
function prometheusFailure(err: unknown, slo: Slo): unknown {
  if (err instanceof PrometheusError && err.isQueryError) {
    return new AppError({
      code: 'SLO_QUERY_INVALID',
      message: `Prometheus refused a query of SLO ${slo.name}: ${err.message}`,
      details: { sloId: slo.id, errorType: err.errorType },
      cause: err,
    });
  }
  return err;
}

/** SLO CRUD, rules export, and status from Prometheus (optional: without PROMETHEUS_URL status answers 503). */
export function sloRoutes(db: Database, prometheus?: PrometheusClient) {
  const requirePrometheus = (): PrometheusClient => {
    if (prometheus) return prometheus;
    throw new AppError({
      code: 'UPSTREAM_UNAVAILABLE',
      message: 'No Prometheus is configured (PROMETHEUS_URL)',
      details: { dependency: 'prometheus', reason: 'not_configured' },
    });
  };
  return createRouter()
    .openapi(routes.list, async (c) => {
      const { service, ...query } = c.req.valid('query');
      const rows = await db.read((sql) => listSlos(sql, { service }, pageRequest(query, 'slos')));
      const { items, nextCursor } = pageOf(rows, query, 'slos', (s) => ({ keys: [s.service, s.name], id: s.id }));
      return c.json({ items: items.map(wireSlo), nextCursor }, 200);
    })
    .openapi(routes.create, async (c) => {
      const slo = await db.write((sql) => createSlo(sql, c.req.valid('json'), c.get('principal').actor));
      c.header('Location', `/api/slos/${slo.id}`);
      return c.json(wireSlo(slo), 201);
    })
    .openapi(routes.rules, async (c) => {
      const slos = await db.read((sql) => listSlos(sql));
      const file = generateRules(
        slos.map((s) => ({ ...s, burnRateAlerts: s.burnRateAlerts ?? DEFAULT_BURN_RATE_ALERTS }))
      );
      if (c.req.valid('query').format === 'json') return c.json(file, 200);
      return c.body(rulesToYaml(file), 200, { 'content-type': 'text/yaml; charset=utf-8' });
    })
    .openapi(routes.get, async (c) =>
      c.json(wireSlo(await db.read((sql) => getSlo(sql, c.req.valid('param').id))), 200)
    )
    .openapi(routes.replace, async (c) => {
      const { version, ...input } = c.req.valid('json');
      const slo = await db.write((sql) =>
        replaceSlo(sql, c.req.valid('param').id, version, input, c.get('principal').actor)
      );
      return c.json(wireSlo(slo), 200);
    })
    .openapi(routes.remove, async (c) => {
      await db.write((sql) => deleteSlo(sql, c.req.valid('param').id, c.get('principal').actor));
      return c.body(null, 204);
    })
    .openapi(routes.status, async (c) => {
      const at = evaluationTime(c.req.valid('query').at);
      const slo = await db.read((sql) => getSlo(sql, c.req.valid('param').id));
      const client = requirePrometheus();
      const incidents = await db.read((sql) =>
        incidentsOfService(sql, slo.service, windowBounds(slo.window, at).start, at, MAX_INCIDENTS)
      );
      const status = await sloStatus(client, slo, incidents, at, c.req.raw.signal).catch((err) => {
        throw prometheusFailure(err, slo);
      });
      return c.json(
        {
          ...status,
          slo: wireSlo(slo),
          at: iso(status.at),
          window: { ...status.window, start: iso(status.window.start) },
          incidents: status.incidents.map(wireCost),
        },
        200
      );
    })
    .openapi(routes.incidentCost, async (c) => {
      const { id } = c.req.valid('param');
      const { at: atParam, ...query } = c.req.valid('query');
      const [incident, rows] = await db.read(
        async (sql) => [await getIncident(sql, id), await slosOfIncident(sql, id, pageRequest(query, 'incident-slos'))] as const
      );
      const { items: slos, nextCursor } = pageOf(rows, query, 'incident-slos', (s) => ({ keys: [s.service, s.name], id: s.id }));
      const at = evaluationTime(atParam);
      const { reference, title, startedAt, resolvedAt } = incident;
      const window = { id, reference, title, startedAt, resolvedAt };
      const items = await Promise.all(
        slos.map(async (slo) => {
          const cost = await incidentCost(requirePrometheus(), slo, window, at, c.req.raw.signal).catch((err) => {
            throw prometheusFailure(err, slo);
          });
          return { slo: wireSlo(slo), cost: wireCost(cost) };
        })
      );
      return c.json({ items, nextCursor }, 200);
    });
}
