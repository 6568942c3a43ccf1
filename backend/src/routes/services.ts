import { createRoute, z } from '@hono/zod-openapi';
import { effectiveQueries, LABEL_NAME, QUERY_KEYS, type QueryOverrides } from '../correlation/queries.js';
import { SEVERITIES } from '../domain/incidents.js';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, jsonContent } from '../http/openapi.js';
import { ServiceNameSchema } from './sharedSchemas.js';
import type { Database } from '../store/db.js';
import { createService, getServiceByName, listServices, updateService } from '../store/services.js';
import { NextCursorSchema, pageOf, pageQuerySchema, pageRequest } from './pagination.js';

const QueryTemplateSchema = z.string().trim().min(1).max(4000);
const QueriesShape = Object.fromEntries(QUERY_KEYS.map((k) => [k, QueryTemplateSchema.optional()])) as Record<
  (typeof QUERY_KEYS)[number],
  z.ZodOptional<typeof QueryTemplateSchema>
>;
/** Overrides of the query templates; `{{selector}}`, `{{service}}` and (PromQL) `{{range}}` are filled in. */
const QueriesInputSchema = z.strictObject(QueriesShape).openapi('ServiceQueries');
const QueriesSchema = z.object(
  Object.fromEntries(QUERY_KEYS.map((k) => [k, z.string().optional()])) as Record<(typeof QUERY_KEYS)[number], z.ZodOptional<z.ZodString>>
);
// Label names become matchers in PromQL and LogQL, which allow only these.
const LabelsInputSchema = z.record(
  z.string().min(1).max(100).regex(LABEL_NAME, 'a Prometheus label name: letters, digits and _, not starting with a digit'),
  z.string().max(500)
);

/** Another policy for incidents of some severities, e.g. {"critical": "<policy id>"}. */
const PoliciesBySeveritySchema = z
  .partialRecord(z.enum(SEVERITIES), z.uuid())
  .openapi({ description: 'Escalation policy ids by severity; a severity not listed uses escalationPolicyId' });

// 1 most critical, 4 least; the enum lets clients (the plugin's generated types) know there are exactly four.
const TierSchema = z.number().int().min(1).max(4).openapi({ enum: [1, 2, 3, 4] });

const ServiceSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    team: z.string().nullable(),
    tier: TierSchema,
    description: z.string(),
    labels: z.record(z.string(), z.string()).openapi({ description: 'Selector used in telemetry queries' }),
    runbookUrl: z.string().nullable(),
    queries: QueriesSchema.openapi({ description: 'Per-service overrides of the query templates' }),
    effectiveQueries: z
      .object(Object.fromEntries(QUERY_KEYS.map((k) => [k, z.string()])) as Record<(typeof QUERY_KEYS)[number], z.ZodString>)
      .optional()
      .openapi({ description: 'GET /api/services/{name} only: every template, filled in (`{{range}}` is set per query)' }),
    escalationPolicyId: z.uuid().nullable().openapi({ description: 'The escalation policy its incidents start' }),
    escalationPolicies: PoliciesBySeveritySchema,
  })
  .openapi('Service');


const CreateServiceSchema = z
  .strictObject({
    name: ServiceNameSchema,
    team: z.string().trim().min(1).max(100).optional(),
    tier: TierSchema.optional(),
    description: z.string().max(2000).optional(),
    labels: LabelsInputSchema.optional(),
    runbookUrl: z.url({ protocol: /^https?$/ }).optional(),
    queries: QueriesInputSchema.optional(),
    escalationPolicyId: z.uuid().optional().openapi({ description: 'The escalation policy its incidents start' }),
    escalationPolicies: PoliciesBySeveritySchema.optional(),
  })
  .openapi('CreateService');

const UpdateServiceSchema = z
  .strictObject({
    name: ServiceNameSchema.optional(),
    team: z.string().trim().min(1).max(100).nullable().optional(),
    tier: TierSchema.optional(),
    description: z.string().max(2000).optional(),
    labels: LabelsInputSchema.optional(),
    runbookUrl: z.url({ protocol: /^https?$/ }).nullable().optional(),
    queries: QueriesInputSchema.optional().openapi({ description: 'Replaces every override; {} returns to the defaults' }),
    escalationPolicyId: z.uuid().nullable().optional().openapi({ description: 'null: its incidents page nobody' }),
    escalationPolicies: PoliciesBySeveritySchema.optional().openapi({ description: 'Replaces the per-severity policies' }),
  })
  .openapi('UpdateService');

const NameParamsSchema = z.object({
  name: ServiceNameSchema.openapi({ param: { name: 'name', in: 'path' }, example: 'checkout' }),
});

const tags = ['Services'];

const listRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listServices',
  tags,
  summary: 'The service catalog, by name, a page at a time',
  request: { query: z.strictObject(pageQuerySchema(200, 500)) },
  responses: {
    200: jsonContent(z.object({ items: z.array(ServiceSchema), nextCursor: NextCursorSchema }), 'A page of services, by name'),
    ...errorResponses(400, 401, 503),
  },
});

const createServiceRoute = createRoute({
  method: 'post',
  path: '/',
  operationId: 'createService',
  tags,
  summary: 'Add a service to the catalog',
  middleware: [requireRole('editor')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateServiceSchema } } } },
  responses: {
    201: jsonContent(ServiceSchema, 'Created'),
    ...errorResponses(400, 401, 403, 409, 413, 415, 503),
  },
});

const getServiceRoute = createRoute({
  method: 'get',
  path: '/{name}',
  operationId: 'getService',
  tags,
  summary: 'One service, with the queries correlation runs for it (effectiveQueries)',
  request: { params: NameParamsSchema },
  responses: {
    200: jsonContent(ServiceSchema, 'The service'),
    ...errorResponses(400, 401, 404, 503),
  },
});

const updateServiceRoute = createRoute({
  method: 'patch',
  path: '/{name}',
  operationId: 'updateService',
  tags,
  summary: 'Change a service: team, tier, labels, runbook, query overrides; a new name renames it',
  middleware: [requireRole('editor')] as const,
  request: {
    params: NameParamsSchema,
    body: { required: true, content: { 'application/json': { schema: UpdateServiceSchema } } },
  },
  responses: {
    200: jsonContent(ServiceSchema, 'The changed service, with effectiveQueries'),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503),
  },
});

/** The service catalog; `defaultQueries` are CORRELATION_DEFAULT_QUERIES, shown in effectiveQueries. */
export function serviceRoutes(db: Database, defaultQueries: QueryOverrides = {}) {
  const withEffective = <S extends { name: string; labels: Record<string, string>; queries: Record<string, string> }>(service: S) => ({
    ...service,
    effectiveQueries: effectiveQueries(service, defaultQueries),
  });
  return createRouter()
    .openapi(listRoute, async (c) => {
      const query = c.req.valid('query');
      const rows = await db.read((sql) => listServices(sql, pageRequest(query, 'services')));
      return c.json(pageOf(rows, query, 'services', (s) => ({ keys: [s.name], id: s.id })), 200);
    })
    .openapi(createServiceRoute, async (c) => {
      const input = c.req.valid('json');
      return c.json(await db.write((sql) => createService(sql, input)), 201);
    })
    .openapi(getServiceRoute, async (c) => {
      const { name } = c.req.valid('param');
      return c.json(withEffective(await db.read((sql) => getServiceByName(sql, name))), 200);
    })
    .openapi(updateServiceRoute, async (c) => {
      const { name } = c.req.valid('param');
      const changes = c.req.valid('json');
      return c.json(withEffective(await db.write((sql) => updateService(sql, name, changes))), 200);
    });
}
