import { createRoute, z } from '@hono/zod-openapi';
import { SEVERITIES } from '../domain/incidents.js';
import { NOTIFICATION_EVENTS } from '../domain/notifications.js';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, iso, jsonContent } from '../http/openapi.js';
import type { Database } from '../store/db.js';
import * as rules from '../store/notificationRules.js';
import { ServiceNameSchema } from './sharedSchemas.js';
import { NextCursorSchema, pageOf, pageQuerySchema, pageRequest } from './pagination.js';

// `test` is sent from a channel's page and `paged` by escalations: no rule asks for either.
const RuleEventSchema = z.enum(NOTIFICATION_EVENTS.filter((e) => e !== 'test' && e !== 'paged') as [string, ...string[]]);

const fields = {
  events: z.array(RuleEventSchema).min(1).max(NOTIFICATION_EVENTS.length * 2),
  severities: z.array(z.enum(SEVERITIES)).max(8).openapi({ description: 'Empty: every severity' }),
  services: z.array(ServiceNameSchema).max(100).openapi({ description: 'Any of them impacted; empty: every service' }),
  teams: z.array(z.string().trim().min(1).max(100)).max(100).openapi({ description: "Owning team of any impacted service" }),
  labels: z.record(z.string().min(1).max(100), z.string().max(500)).openapi({ description: 'Every one must be on the incident' }),
  channelIds: z.array(z.uuid()).min(1).max(50),
  muted: z.boolean(),
};

const RuleInputSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    events: fields.events,
    severities: fields.severities.optional(),
    services: fields.services.optional(),
    teams: fields.teams.optional(),
    labels: fields.labels.optional(),
    channelIds: fields.channelIds,
    muted: fields.muted.optional(),
  })
  .openapi('NotificationRuleInput');

const RuleUpdateSchema = z
  .strictObject({
    version: z.number().int().min(1).max(2_147_483_647).optional().openapi({ description: 'A stale one gets 409' }),
    name: z.string().trim().min(1).max(100).optional(),
    events: fields.events.optional(),
    severities: fields.severities.optional(),
    services: fields.services.optional(),
    teams: fields.teams.optional(),
    labels: fields.labels.optional(),
    channelIds: fields.channelIds.optional(),
    muted: fields.muted.optional(),
  })
  .openapi('NotificationRuleUpdate');

const RuleSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    events: z.array(z.enum(NOTIFICATION_EVENTS)),
    severities: z.array(z.enum(SEVERITIES)),
    services: z.array(z.string()),
    teams: z.array(z.string()),
    labels: z.record(z.string(), z.string()),
    channelIds: z.array(z.uuid()),
    muted: z.boolean(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int(),
  })
  .openapi('NotificationRule');

const wireRule = (r: rules.NotificationRule) => ({ ...r, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) });
const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const tags = ['Notification rules'];

const routes = {
  list: createRoute({
    method: 'get',
    path: '/',
    operationId: 'listNotificationRules',
    tags,
    summary: 'Which incident events go to which channels, by name, a page at a time',
    request: { query: z.strictObject(pageQuerySchema(200, 500)) },
    responses: {
      200: jsonContent(z.object({ items: z.array(RuleSchema), nextCursor: NextCursorSchema }), 'The rules, by name'),
      ...errorResponses(400, 401, 503),
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/',
    operationId: 'createNotificationRule',
    tags,
    summary: 'Add a rule (applies to events from now on)',
    middleware: [requireRole('admin')] as const,
    request: { body: jsonBody(RuleInputSchema) },
    responses: { 201: jsonContent(RuleSchema, 'Created'), ...errorResponses(400, 401, 403, 409, 413, 415, 503) },
  }),
  get: createRoute({
    method: 'get',
    path: '/{id}',
    operationId: 'getNotificationRule',
    tags,
    summary: 'One rule',
    request: { params: IdParamsSchema },
    responses: { 200: jsonContent(RuleSchema, 'The rule'), ...errorResponses(400, 401, 404, 503) },
  }),
  update: createRoute({
    method: 'patch',
    path: '/{id}',
    operationId: 'updateNotificationRule',
    tags,
    summary: 'Change a rule or mute it (optimistic concurrency on version)',
    middleware: [requireRole('admin')] as const,
    request: { params: IdParamsSchema, body: jsonBody(RuleUpdateSchema) },
    responses: { 200: jsonContent(RuleSchema, 'Changed'), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503) },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/{id}',
    operationId: 'deleteNotificationRule',
    tags,
    summary: 'Delete a rule',
    middleware: [requireRole('admin')] as const,
    request: { params: IdParamsSchema },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 503) },
  }),
};

/** Notification rules: viewers read, admins change. */
export function notificationRuleRoutes(db: Database) {
  return createRouter()
    .openapi(routes.list, async (c) => {
      const query = c.req.valid('query');
      const rows = await db.read((sql) => rules.listRules(sql, pageRequest(query, 'notification-rules')));
      const { items, nextCursor } = pageOf(rows, query, 'notification-rules', (r) => ({ keys: [r.name], id: r.id }));
      return c.json({ items: items.map(wireRule), nextCursor }, 200);
    })
    .openapi(routes.create, async (c) => {
      const body = c.req.valid('json') as rules.RuleInput;
      const rule = await db.write((sql) => rules.createRule(sql, body, c.get('principal').actor));
      c.header('Location', `/api/notification-rules/${rule.id}`);
      return c.json(wireRule(rule), 201);
    })
    .openapi(routes.get, async (c) => {
      const { id } = c.req.valid('param');
      return c.json(wireRule(await db.read((sql) => rules.getRule(sql, id))), 200);
    })
    .openapi(routes.update, async (c) => {
      const { id } = c.req.valid('param');
      const { version, ...changes } = c.req.valid('json');
      const rule = await db.write((sql) => rules.updateRule(sql, id, version, changes as rules.RuleChanges));
      return c.json(wireRule(rule), 200);
    })
    .openapi(routes.delete, async (c) => {
      const { id } = c.req.valid('param');
      await db.write((sql) => rules.deleteRule(sql, id));
      return c.body(null, 204);
    });
}
