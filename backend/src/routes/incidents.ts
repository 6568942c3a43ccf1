import { createRoute, z } from '@hono/zod-openapi';
import { INCIDENT_STATUSES, SEVERITIES } from '../domain/incidents.js';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, iso, jsonContent } from '../http/openapi.js';
import type { Database } from '../store/db.js';
import * as incidents from '../store/incidents.js';
import { addNote, listTimeline } from '../store/timeline.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { NextCursorSchema, pageOf, pageQuerySchema, pageRequest } from './pagination.js';
import { InstantSchema, ServiceNameSchema } from './sharedSchemas.js';
import { TimelineEventSchema, wireTimelineEvent } from './timelineSchemas.js';

const SeveritySchema = z.enum(SEVERITIES);
const StatusSchema = z.enum(INCIDENT_STATUSES);
const LabelsSchema = z.record(z.string().min(1).max(100), z.string().max(500));

const IncidentSchema = z
  .object({
    id: z.uuid(),
    reference: z.string().openapi({ example: 'INC-42' }),
    number: z.number().int(),
    title: z.string(),
    description: z.string(),
    severity: SeveritySchema,
    status: StatusSchema,
    commander: z.string().nullable(),
    labels: z.record(z.string(), z.string()),
    services: z.array(z.object({ id: z.uuid(), name: z.string(), impact: z.enum(['major', 'partial', 'minor']) })),
    startedAt: z.iso.datetime(),
    detectedAt: z.iso.datetime(),
    acknowledgedAt: z.iso.datetime().nullable(),
    resolvedAt: z.iso.datetime().nullable(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int().openapi({ description: 'Send back on PATCH; a stale version gets 409' }),
  })
  .openapi('Incident');

const CreateIncidentSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(200),
    description: z.string().max(10_000).optional(),
    severity: SeveritySchema,
    commander: z.string().trim().min(1).max(200).optional(),
    labels: LabelsSchema.optional(),
    services: z
      .array(ServiceNameSchema)
      .max(50)
      .optional()
      .openapi({ description: 'Impacted services; a name the catalog does not know is added to it (the timeline says so)' }),
    service: ServiceNameSchema.optional().openapi({ description: 'One impacted service: the same as `services: [name]`' }),
    startedAt: InstantSchema.refine((s) => Date.parse(s) <= Date.now() + 60_000, 'cannot be in the future').optional(),
    page: z.boolean().optional().openapi({
      description: 'Start the escalation policy its services name (400 when none does); see GET /api/incidents/{id}/escalation',
    }),
  })
  .openapi('CreateIncident');

const UpdateIncidentSchema = z
  .strictObject({
    version: z
      .number()
      .int()
      .min(1)
      .max(2_147_483_647)
      .optional()
      .openapi({ description: 'The version you read: a stale one gets 409 VERSION_CONFLICT. Omitted, the last write wins.' }),
    title: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(10_000).optional(),
    severity: SeveritySchema.optional(),
    status: StatusSchema.optional(),
    commander: z.string().trim().min(1).max(200).nullable().optional(),
  })
  .openapi('UpdateIncident');

// Comma-separated lists in the query string: ?status=open,investigating
const csvOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)));

const ListQuerySchema = z.strictObject({
  status: csvOf(INCIDENT_STATUSES).optional().openapi({ example: 'open,investigating' }),
  severity: csvOf(SEVERITIES).optional().openapi({ example: 'critical,high' }),
  service: z.string().min(1).max(63).optional(),
  q: z.string().trim().min(1).max(200).optional(),
  from: InstantSchema.optional(),
  to: InstantSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(10_000).optional(),
  cursor: z.string().max(400).optional(),
  sort: z
    .enum(incidents.INCIDENT_SORTS)
    .default('newest')
    .openapi({ description: 'newest (default), oldest, severity (most severe first), status (open first), duration (ongoing and longest first)' }),
});

const wireIncident = (i: incidents.Incident) => ({
  ...i,
  startedAt: iso(i.startedAt),
  detectedAt: iso(i.detectedAt),
  acknowledgedAt: iso(i.acknowledgedAt),
  resolvedAt: iso(i.resolvedAt),
  createdAt: iso(i.createdAt),
  updatedAt: iso(i.updatedAt),
});

const tags = ['Incidents'];

const listRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listIncidents',
  tags,
  summary: 'List incidents (newest first, or by sort) with filters and keyset pagination',
  request: { query: ListQuerySchema },
  responses: {
    200: jsonContent(z.object({ items: z.array(IncidentSchema), nextCursor: z.string().nullable() }), 'A page'),
    ...errorResponses(400, 401, 503),
  },
});

// Counting stops here: "1,000+" tells a person as much as the exact figure, and stays cheap at any size.
const ACTIVE_COUNT_CAP = 1000;

const ActiveQuerySchema = z.strictObject({
  severity: ListQuerySchema.shape.severity,
  service: ListQuerySchema.shape.service,
  ...pageQuerySchema(100, 200),
});

const activeRoute = createRoute({
  method: 'get',
  path: '/active',
  operationId: 'listActiveIncidents',
  tags,
  summary: 'Unresolved incidents, most severe then oldest first, a page at a time, with how many there are',
  request: { query: ActiveQuerySchema },
  responses: {
    200: jsonContent(
      z.object({
        items: z.array(IncidentSchema),
        nextCursor: NextCursorSchema,
        total: z.number().int().openapi({ description: `How many match, counted up to ${ACTIVE_COUNT_CAP}` }),
        isTotalExact: z.boolean().openapi({ description: `False when more than ${ACTIVE_COUNT_CAP} match` }),
      }),
      'A page of active incidents'
    ),
    ...errorResponses(400, 401, 503),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{id}',
  operationId: 'getIncident',
  summary: 'One incident',
  tags,
  request: { params: IdParamsSchema },
  responses: { 200: jsonContent(IncidentSchema, 'The incident'), ...errorResponses(400, 401, 404, 503) },
});

const createIncidentRoute = createRoute({
  method: 'post',
  path: '/',
  operationId: 'createIncident',
  tags,
  summary: 'Declare an incident',
  middleware: [requireRole('editor')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateIncidentSchema } } } },
  responses: {
    201: jsonContent(IncidentSchema, 'Declared'),
    ...errorResponses(400, 401, 403, 413, 415, 503),
  },
});

const updateRoute = createRoute({
  method: 'patch',
  path: '/{id}',
  operationId: 'updateIncident',
  tags,
  summary: 'Change an incident (optimistic concurrency on version; status moves validated)',
  middleware: [requireRole('editor')] as const,
  request: {
    params: IdParamsSchema,
    body: { required: true, content: { 'application/json': { schema: UpdateIncidentSchema } } },
  },
  responses: {
    200: jsonContent(IncidentSchema, 'The updated incident'),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503),
  },
});

const timelineRoute = createRoute({
  method: 'get',
  path: '/{id}/timeline',
  operationId: 'listTimeline',
  summary: "The incident's timeline, oldest first, a page at a time",
  tags,
  request: { params: IdParamsSchema, query: z.strictObject(pageQuerySchema(500, 1000)) },
  responses: {
    200: jsonContent(
      z.object({ items: z.array(TimelineEventSchema), nextCursor: NextCursorSchema }),
      'The timeline, oldest first'
    ),
    ...errorResponses(400, 401, 404, 503),
  },
});

const addNoteRoute = createRoute({
  method: 'post',
  path: '/{id}/timeline',
  operationId: 'addNote',
  tags,
  summary: 'Add a note to the timeline',
  middleware: [requireRole('editor')] as const,
  request: {
    params: IdParamsSchema,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.strictObject({
            message: z.string().trim().min(1).max(10_000),
            isUpdate: z
              .boolean()
              .optional()
              .openapi({ description: 'An update for stakeholders: also sent to the channels whose rules want updates' }),
          }),
        },
      },
    },
  },
  responses: {
    201: jsonContent(TimelineEventSchema, 'The note (a `note` entry)'),
    ...errorResponses(400, 401, 403, 404, 413, 415, 503),
  },
});

const acknowledgeRoute = createRoute({
  method: 'post',
  path: '/{id}/acknowledge',
  operationId: 'acknowledgeIncident',
  tags,
  summary: 'Acknowledge the incident (once: a second call changes nothing and answers the incident)',
  middleware: [requireRole('editor')] as const,
  request: { params: IdParamsSchema },
  responses: {
    200: jsonContent(IncidentSchema, 'The incident, acknowledged'),
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

export function incidentRoutes(db: Database) {
  return createRouter()
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const after = q.cursor ? decodeCursor(q.cursor, q.sort) : undefined;
      const rows = await db.read((sql) =>
        incidents.listIncidents(sql, {
          statuses: q.status,
          severities: q.severity,
          service: q.service,
          text: q.q,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
          offset: q.offset,
          sort: q.sort,
          after,
          limit: q.limit + 1, // one extra row tells whether a next page exists
        })
      );
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      const nextCursor = rows.length > q.limit && last ? encodeCursor(q.sort, last.position) : null;
      return c.json({ items: page.map((row) => wireIncident(row.incident)), nextCursor }, 200);
    })
    .openapi(activeRoute, async (c) => {
      const q = c.req.valid('query');
      const after = q.cursor ? decodeCursor(q.cursor, 'triage') : undefined;
      const filters = { isActive: true, severities: q.severity, service: q.service };
      const [rows, total] = await db.read((sql) =>
        Promise.all([
          incidents.listIncidents(sql, { ...filters, sort: 'triage', after, limit: q.limit + 1 }),
          incidents.countIncidents(sql, filters, ACTIVE_COUNT_CAP),
        ])
      );
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      const nextCursor = rows.length > q.limit && last ? encodeCursor('triage', last.position) : null;
      return c.json(
        { items: page.map((row) => wireIncident(row.incident)), nextCursor, total: total.count, isTotalExact: total.isExact },
        200
      );
    })
    .openapi(getRoute, async (c) => {
      const { id } = c.req.valid('param');
      const incident = await db.read((sql) => incidents.getIncident(sql, id));
      return c.json(wireIncident(incident), 200);
    })
    .openapi(createIncidentRoute, async (c) => {
      const { service, services, ...body } = c.req.valid('json');
      const input = {
        ...body,
        services: [...new Set([...(services ?? []), ...(service ? [service] : [])])],
        startedAt: body.startedAt ? new Date(body.startedAt) : undefined,
      };
      const incident = await db.write((sql) => incidents.createIncident(sql, input, c.get('principal').actor));
      c.header('Location', `/api/incidents/${incident.id}`);
      return c.json(wireIncident(incident), 201);
    })
    .openapi(updateRoute, async (c) => {
      const { version, ...changes } = c.req.valid('json');
      const { id } = c.req.valid('param');
      const incident = await db.write((sql) => incidents.updateIncident(sql, id, version, changes, c.get('principal').actor));
      return c.json(wireIncident(incident), 200);
    })
    .openapi(timelineRoute, async (c) => {
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      const rows = await db.read(async (sql) => {
        await incidents.assertIncidentExists(sql, id);
        return listTimeline(sql, id, pageRequest(query, 'timeline'));
      });
      const { items, nextCursor } = pageOf(rows, query, 'timeline', (e) => ({ keys: [e.occurredAt.toISOString()], id: e.id }));
      return c.json({ items: items.map((e) => wireTimelineEvent(e)), nextCursor }, 200);
    })
    .openapi(addNoteRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { message, isUpdate } = c.req.valid('json');
      const note = await db.write((sql) => addNote(sql, id, c.get('principal').actor, message, isUpdate));
      return c.json(wireTimelineEvent<'note'>(note), 201);
    })
    .openapi(acknowledgeRoute, async (c) => {
      const { id } = c.req.valid('param');
      const actor = c.get('principal').actor;
      const { incident } = await db.write((sql) =>
        sql.begin((tx) => incidents.acknowledgeIncident(tx, id, actor, { kind: 'api' }))
      );
      return c.json(wireIncident(incident), 200);
    });
}
