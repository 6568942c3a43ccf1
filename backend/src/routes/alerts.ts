import { createRoute, z } from '@hono/zod-openapi';
import { ALERT_SOURCES, ALERT_STATUSES } from '../domain/alerts.js';
import { AppError } from '../domain/errors.js';
import { INCIDENT_STATUSES, SEVERITIES } from '../domain/incidents.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, iso, jsonContent } from '../http/openapi.js';
import { getAlert, listAlerts, type Alert } from '../store/alerts.js';
import type { Database } from '../store/db.js';
import { assertIncidentExists } from '../store/incidents.js';
import { InstantSchema } from './sharedSchemas.js';

export const AlertSchema = z
  .object({
    id: z.uuid(),
    source: z.enum(ALERT_SOURCES),
    fingerprint: z.string(),
    status: z.enum(ALERT_STATUSES),
    alertname: z.string(),
    severity: z.enum(SEVERITIES).openapi({ description: 'Mapped from the severity (or priority) label' }),
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()),
    startsAt: z.iso.datetime(),
    endsAt: z.iso.datetime().nullable(),
    generatorUrl: z.string().nullable(),
    details: z
      .record(z.string(), z.unknown())
      .openapi({ description: "The sender's extras (receiver, Grafana links, values)" }),
    groupKey: z.string(),
    groupDescription: z.string(),
    ruleId: z.uuid().nullable(),
    suppressedBy: z.uuid().nullable().openapi({ description: 'The silence or maintenance window that held it back' }),
    incident: z.object({ id: z.uuid(), reference: z.string(), status: z.enum(INCIDENT_STATUSES) }).nullable(),
    firstSeenAt: z.iso.datetime(),
    lastSeenAt: z.iso.datetime(),
    count: z.number().int().openapi({ description: 'Deliveries of this alert (retries and repeat notifications)' }),
  })
  .openapi('Alert');

const csvOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    )
    .pipe(z.array(z.enum(values)));

const booleanFlag = z.enum(['true', 'false']).transform((v) => v === 'true');

const LabelFilterSchema = z
  .string()
  .max(2000)
  .transform((s, ctx) => {
    const pairs = s
      .split(',')
      .filter(Boolean)
      .map((p) => p.split('='));
    if (pairs.some((p) => p.length !== 2 || !p[0])) {
      ctx.addIssue({ code: 'custom', message: 'must be name=value pairs separated by commas' });
      return z.NEVER;
    }
    return Object.fromEntries(pairs) as Record<string, string>;
  });

const ListQuerySchema = z.strictObject({
  status: csvOf(ALERT_STATUSES).optional().openapi({ example: 'firing' }),
  severity: csvOf(SEVERITIES).optional().openapi({ example: 'critical,high' }),
  source: csvOf(ALERT_SOURCES).optional(),
  alertname: z.string().min(1).max(256).optional(),
  labels: LabelFilterSchema.optional().openapi({ example: 'service=checkout,team=payments' }),
  incident: z.uuid().optional().openapi({ description: 'Only alerts of this incident' }),
  hasIncident: booleanFlag.optional(),
  suppressed: booleanFlag.optional(),
  from: InstantSchema.optional(),
  to: InstantSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(300).optional(),
});

const CursorSchema = z.object({ s: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/), id: z.uuid() });

const encodeCursor = (a: Alert) => Buffer.from(JSON.stringify({ s: a.startsKey, id: a.id })).toString('base64url');

function decodeCursor(cursor: string): { startsKey: string; id: string } {
  try {
    const { s, id } = CursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { startsKey: s, id };
  } catch {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      message: 'Invalid query: cursor is not one this API issued',
      details: { issues: [{ path: 'cursor', message: 'not a cursor this API issued' }] },
    });
  }
}

export const wireAlert = ({ startsKey: _key, ...a }: Alert) => ({
  ...a,
  startsAt: iso(a.startsAt),
  endsAt: iso(a.endsAt),
  firstSeenAt: iso(a.firstSeenAt),
  lastSeenAt: iso(a.lastSeenAt),
});

const tags = ['Alerts'];
const PageSchema = z.object({ items: z.array(AlertSchema), nextCursor: z.string().nullable() });

const listRoute = createRoute({
  method: 'get',
  path: '/alerts',
  operationId: 'listAlerts',
  tags,
  summary: 'List alerts, newest first, with filters and keyset pagination',
  request: { query: ListQuerySchema },
  responses: { 200: jsonContent(PageSchema, 'A page'), ...errorResponses(400, 401, 503) },
});

const getRoute = createRoute({
  method: 'get',
  path: '/alerts/{id}',
  operationId: 'getAlert',
  summary: 'One alert, with its incident',
  tags,
  request: { params: IdParamsSchema },
  responses: { 200: jsonContent(AlertSchema, 'The alert, with its incident'), ...errorResponses(400, 401, 404, 503) },
});

const incidentAlertsRoute = createRoute({
  method: 'get',
  path: '/incidents/{id}/alerts',
  operationId: 'listIncidentAlerts',
  tags: ['Incidents', ...tags],
  summary: "An incident's alerts, newest first",
  request: {
    params: IdParamsSchema,
    query: z.strictObject({ limit: ListQuerySchema.shape.limit, cursor: ListQuerySchema.shape.cursor }),
  },
  responses: { 200: jsonContent(PageSchema, 'A page'), ...errorResponses(400, 401, 404, 503) },
});

/** Reading alerts; mounted at /api since one route hangs under /incidents. Any authenticated caller may read. */
export function alertRoutes(db: Database) {
  const page = (rows: Alert[], limit: number) => {
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items: items.map(wireAlert), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  };
  return createRouter()
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const rows = await db.read((sql) =>
        listAlerts(sql, {
          statuses: q.status,
          severities: q.severity,
          sources: q.source,
          alertname: q.alertname,
          labels: q.labels,
          incidentId: q.incident,
          hasIncident: q.hasIncident,
          isSuppressed: q.suppressed,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
          after: q.cursor ? decodeCursor(q.cursor) : undefined,
          limit: q.limit + 1, // one extra row tells whether a next page exists
        })
      );
      return c.json(page(rows, q.limit), 200);
    })
    .openapi(getRoute, async (c) => {
      const { id } = c.req.valid('param');
      return c.json(wireAlert(await db.read((sql) => getAlert(sql, id))), 200);
    })
    .openapi(incidentAlertsRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { limit, cursor } = c.req.valid('query');
      const after = cursor ? decodeCursor(cursor) : undefined;
      const rows = await db.read(async (sql) => {
        await assertIncidentExists(sql, id);
        return listAlerts(sql, { incidentId: id, after, limit: limit + 1 });
      });
      return c.json(page(rows, limit), 200);
    });
}
