import { createRoute, z } from '@hono/zod-openapi';
import { DEFAULT_RULE, MATCH_OPS } from '../domain/alertRules.js';
import { SEVERITIES } from '../domain/incidents.js';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, iso, jsonContent } from '../http/openapi.js';
import {
  createAlertRule,
  createSilence,
  deleteAlertRule,
  expireSilence,
  getAlertRule,
  listAlertRules,
  listSilences,
  replaceAlertRule,
  type StoredAlertRule,
  type StoredSilence,
} from '../store/alertPolicies.js';
import type { Database } from '../store/db.js';
import { InstantSchema } from './sharedSchemas.js';
import { NextCursorSchema, pageOf, pageQuerySchema, pageRequest } from './pagination.js';

const LabelNameSchema = z.string().min(1).max(256);

const MatcherSchema = z
  .strictObject({ name: LabelNameSchema, op: z.enum(MATCH_OPS).default('='), value: z.string().max(1024) })
  .superRefine((m, ctx) => {
    if (m.op !== '=~' && m.op !== '!~') return;
    try {
      new RegExp(m.value);
    } catch {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'is not a valid regular expression' });
    }
  })
  .openapi('Matcher', { example: { name: 'service', op: '=', value: 'checkout' } });

const AlertRuleInputSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    position: z.number().int().min(0).max(1_000_000).optional().openapi({ description: 'Lower is tried first (100)' }),
    enabled: z.boolean().optional(),
    matchers: z
      .array(MatcherSchema)
      .max(50)
      .optional()
      .openapi({ description: 'All must hold; none matches every alert' }),
    groupBy: z
      .array(LabelNameSchema)
      .min(1)
      .max(20)
      .nullable()
      .optional()
      .openapi({ description: "Group by these labels; null keeps the sender's own grouping (its group key)" }),
    promoteSeverities: z
      .array(z.enum(SEVERITIES))
      .max(4)
      .optional()
      .openapi({ description: 'Open an incident at once for these' }),
    minAlerts: z.number().int().min(1).max(10_000).nullable().optional(),
    minAlertnames: z.number().int().min(1).max(1000).nullable().optional(),
    windowMinutes: z.number().int().min(1).max(1440).optional(),
    autoResolve: z.enum(['follow', 'note']).optional(),
  })
  .openapi('AlertRuleInput');

const AlertRuleSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    position: z.number().int(),
    enabled: z.boolean(),
    matchers: z.array(MatcherSchema),
    groupBy: z.array(z.string()).nullable(),
    promoteSeverities: z.array(z.enum(SEVERITIES)),
    minAlerts: z.number().int().nullable(),
    minAlertnames: z.number().int().nullable(),
    windowMinutes: z.number().int(),
    autoResolve: z.enum(['follow', 'note']),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('AlertRule');

const SilenceInputSchema = z
  .strictObject({
    kind: z.enum(['silence', 'maintenance']).default('silence'),
    matchers: z.array(MatcherSchema).min(1).max(50),
    startsAt: InstantSchema.optional(),
    endsAt: InstantSchema.nullable()
      .optional()
      .openapi({ description: 'null or absent: until expired' }),
    comment: z.string().max(2000).optional(),
  })
  .refine((s) => !s.endsAt || Date.parse(s.endsAt) > (s.startsAt ? Date.parse(s.startsAt) : Date.now()), {
    path: ['endsAt'],
    message: 'must be after startsAt (and in the future)',
  })
  .openapi('SilenceInput');

const SilenceSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(['silence', 'maintenance']),
    matchers: z.array(MatcherSchema),
    startsAt: z.iso.datetime(),
    endsAt: z.iso.datetime().nullable(),
    comment: z.string(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Silence');

const wireRule = (r: StoredAlertRule) => ({ ...r, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) });
const wireSilence = (s: StoredSilence) => ({
  ...s,
  startsAt: iso(s.startsAt),
  endsAt: iso(s.endsAt),
  createdAt: iso(s.createdAt),
});
const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

const ruleTags = ['Alert rules'];
const routes = {
  listRules: createRoute({
    method: 'get',
    path: '/alert-rules',
    operationId: 'listAlertRules',
    tags: ruleTags,
    summary: 'Rules in the order intake tries them, a page at a time, and the default applied when none matches',
    request: { query: z.strictObject(pageQuerySchema(200, 500)) },
    responses: {
      200: jsonContent(
        z.object({
          items: z.array(AlertRuleSchema),
          nextCursor: NextCursorSchema,
          default: z.record(z.string(), z.unknown()),
        }),
        'The rules'
      ),
      ...errorResponses(400, 401, 503),
    },
  }),
  createRule: createRoute({
    method: 'post',
    path: '/alert-rules',
    operationId: 'createAlertRule',
    summary: 'Add an alert rule (grouping, promotion, auto-resolve)',
    tags: ruleTags,
    middleware: [requireRole('editor')] as const,
    request: { body: jsonBody(AlertRuleInputSchema) },
    responses: { 201: jsonContent(AlertRuleSchema, 'Created'), ...errorResponses(400, 401, 403, 409, 413, 415, 503) },
  }),
  getRule: createRoute({
    method: 'get',
    path: '/alert-rules/{id}',
    operationId: 'getAlertRule',
    summary: 'One alert rule',
    tags: ruleTags,
    request: { params: IdParamsSchema },
    responses: { 200: jsonContent(AlertRuleSchema, 'The rule'), ...errorResponses(400, 401, 404, 503) },
  }),
  replaceRule: createRoute({
    method: 'put',
    path: '/alert-rules/{id}',
    operationId: 'replaceAlertRule',
    tags: ruleTags,
    summary: 'Replace a rule (fields left out take their defaults); applies to alerts received from now on',
    middleware: [requireRole('editor')] as const,
    request: { params: IdParamsSchema, body: jsonBody(AlertRuleInputSchema) },
    responses: {
      200: jsonContent(AlertRuleSchema, 'Replaced'),
      ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503),
    },
  }),
  deleteRule: createRoute({
    method: 'delete',
    path: '/alert-rules/{id}',
    operationId: 'deleteAlertRule',
    summary: 'Delete an alert rule',
    tags: ruleTags,
    middleware: [requireRole('editor')] as const,
    request: { params: IdParamsSchema },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 503) },
  }),
  listSilences: createRoute({
    method: 'get',
    path: '/silences',
    operationId: 'listSilences',
    summary: 'Silences and maintenance windows, newest first (?active=true: only those in force)',
    tags: ['Silences'],
    request: { query: z.strictObject({ active: z.enum(['true', 'false']).optional(), ...pageQuerySchema(200, 500) }) },
    responses: {
      200: jsonContent(z.object({ items: z.array(SilenceSchema), nextCursor: NextCursorSchema }), 'Newest first'),
      ...errorResponses(400, 401, 503),
    },
  }),
  createSilence: createRoute({
    method: 'post',
    path: '/silences',
    operationId: 'createSilence',
    tags: ['Silences'],
    summary: 'Silence or schedule a maintenance window: matching alerts are recorded but never promoted',
    middleware: [requireRole('editor')] as const,
    request: { body: jsonBody(SilenceInputSchema) },
    responses: { 201: jsonContent(SilenceSchema, 'Created'), ...errorResponses(400, 401, 403, 413, 415, 503) },
  }),
  expireSilence: createRoute({
    method: 'delete',
    path: '/silences/{id}',
    operationId: 'expireSilence',
    tags: ['Silences'],
    summary: 'End a silence now (it stays listed, for the audit trail)',
    middleware: [requireRole('editor')] as const,
    request: { params: IdParamsSchema },
    responses: { 200: jsonContent(SilenceSchema, 'Ended'), ...errorResponses(400, 401, 403, 404, 503) },
  }),
};

/** Alert rules (grouping, promotion, auto-resolve) and silences; reading is open to any caller, changes to editors. */
export function alertRuleRoutes(db: Database) {
  return createRouter()
    .openapi(routes.listRules, async (c) => {
      const query = c.req.valid('query');
      const rows = await db.read((sql) => listAlertRules(sql, pageRequest(query, 'alert-rules')));
      const { items, nextCursor } = pageOf(rows, query, 'alert-rules', (r) => ({
        keys: [String(r.position), r.createdAt.toISOString()],
        id: r.id,
      }));
      return c.json({ items: items.map(wireRule), nextCursor, default: { ...DEFAULT_RULE } }, 200);
    })
    .openapi(routes.createRule, async (c) => {
      const rule = await db.write((sql) => createAlertRule(sql, c.req.valid('json'), c.get('principal').actor));
      c.header('Location', `/api/alert-rules/${rule.id}`);
      return c.json(wireRule(rule), 201);
    })
    .openapi(routes.getRule, async (c) => {
      const { id } = c.req.valid('param');
      return c.json(wireRule(await db.read((sql) => getAlertRule(sql, id))), 200);
    })
    .openapi(routes.replaceRule, async (c) => {
      const { id } = c.req.valid('param');
      const rule = await db.write((sql) => replaceAlertRule(sql, id, c.req.valid('json'), c.get('principal').actor));
      return c.json(wireRule(rule), 200);
    })
    .openapi(routes.deleteRule, async (c) => {
      const { id } = c.req.valid('param');
      await db.write((sql) => deleteAlertRule(sql, id, c.get('principal').actor));
      return c.body(null, 204);
    })
    .openapi(routes.listSilences, async (c) => {
      const { active, ...query } = c.req.valid('query');
      const rows = await db.read((sql) => listSilences(sql, { active: active === 'true' }, pageRequest(query, 'silences')));
      const { items, nextCursor } = pageOf(rows, query, 'silences', (s) => ({ keys: [s.createdAt.toISOString()], id: s.id }));
      return c.json({ items: items.map(wireSilence), nextCursor }, 200);
    })
    .openapi(routes.createSilence, async (c) => {
      const body = c.req.valid('json');
      const input = {
        ...body,
        startsAt: body.startsAt ? new Date(body.startsAt) : undefined,
        endsAt: body.endsAt ? new Date(body.endsAt) : null,
      };
      const silence = await db.write((sql) => createSilence(sql, input, c.get('principal').actor));
      c.header('Location', `/api/silences/${silence.id}`);
      return c.json(wireSilence(silence), 201);
    })
    .openapi(routes.expireSilence, async (c) => {
      const { id } = c.req.valid('param');
      return c.json(wireSilence(await db.write((sql) => expireSilence(sql, id, c.get('principal').actor))), 200);
    });
}
