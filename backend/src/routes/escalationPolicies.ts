import { createRoute, z } from '@hono/zod-openapi';
import { URGENCIES } from '../domain/escalation.js';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, iso, jsonContent } from '../http/openapi.js';
import type { Database } from '../store/db.js';
import * as policies from '../store/escalationPolicies.js';
import { NextCursorSchema, pageOf, pageQuerySchema, pageRequest } from './pagination.js';
import { invalid } from './schedules.js';

const StepTargetSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('schedule'), scheduleId: z.uuid() }),
    z.strictObject({ kind: z.literal('person'), personId: z.uuid() }),
    z.strictObject({ kind: z.literal('channel'), channelId: z.uuid() }),
  ])
  .openapi('EscalationStepTarget', {
    description: 'Whoever is on call in a schedule when the step fires, a person, or a channel',
  });

const StepSchema = z
  .strictObject({
    target: StepTargetSchema,
    waitMinutes: z
      .number()
      .min(0)
      .max(24 * 60)
      .openapi({
        description:
          'Minutes from this step to the next (fractions allowed: 0.05 is 3 s); 0 pages the next one together with this one',
        example: 5,
      }),
    urgency: z
      .enum(URGENCIES)
      .openapi({ description: 'high rings (ntfy priority 5, a Slack mention); low is a quiet notification' }),
  })
  .openapi('EscalationStep');

const PolicyFields = {
  name: z.string().trim().min(1).max(100),
  description: z.string().max(2000),
  steps: z.array(StepSchema).min(1).max(20).openapi({ description: 'In the order they fire' }),
  repeat: z
    .number()
    .int()
    .min(0)
    .max(10)
    .openapi({ description: 'How many times the steps run again after the last one' }),
};

// A repeated policy whose waits are all zero would page everyone repeat + 1 times in the same instant.
const hasSomeWait = (p: { steps?: Array<{ waitMinutes: number }>; repeat?: number }) =>
  !p.steps || !p.repeat || p.steps.some((s) => s.waitMinutes > 0);
const WAIT_ISSUE = { message: 'a repeated policy needs a step that waits', path: ['repeat'] };

const CreatePolicySchema = z
  .strictObject({
    ...PolicyFields,
    description: PolicyFields.description.optional(),
    repeat: PolicyFields.repeat.optional(),
  })
  .refine(hasSomeWait, WAIT_ISSUE)
  .openapi('CreateEscalationPolicy');

const UpdatePolicySchema = z
  .strictObject({
    version: z.number().int().min(1).max(2_147_483_647).optional().openapi({ description: 'A stale one gets 409' }),
    name: PolicyFields.name.optional(),
    description: PolicyFields.description.optional(),
    steps: PolicyFields.steps
      .optional()
      .openapi({ description: 'Replaces the steps (escalations under way keep theirs)' }),
    repeat: PolicyFields.repeat.optional(),
  })
  .refine(hasSomeWait, WAIT_ISSUE)
  .openapi('UpdateEscalationPolicy');

const PolicySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    steps: z.array(StepSchema),
    repeat: z.number().int(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int(),
  })
  .openapi('EscalationPolicy');

const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const tags = ['On call'];

const routes = {
  list: createRoute({
    method: 'get',
    path: '/escalation-policies',
    operationId: 'listEscalationPolicies',
    tags,
    summary: 'Escalation policies, by name, a page at a time',
    request: { query: z.strictObject(pageQuerySchema(200, 500)) },
    responses: {
      200: jsonContent(z.object({ items: z.array(PolicySchema), nextCursor: NextCursorSchema }), 'The policies'),
      ...errorResponses(400, 401, 503),
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/escalation-policies',
    operationId: 'createEscalationPolicy',
    tags,
    summary: 'Add an escalation policy',
    middleware: [requireRole('admin')] as const,
    request: { body: jsonBody(CreatePolicySchema) },
    responses: { 201: jsonContent(PolicySchema, 'Created'), ...errorResponses(400, 401, 403, 409, 413, 415, 503) },
  }),
  get: createRoute({
    method: 'get',
    path: '/escalation-policies/{id}',
    operationId: 'getEscalationPolicy',
    tags,
    summary: 'One escalation policy',
    request: { params: IdParamsSchema },
    responses: { 200: jsonContent(PolicySchema, 'The policy'), ...errorResponses(400, 401, 404, 503) },
  }),
  update: createRoute({
    method: 'patch',
    path: '/escalation-policies/{id}',
    operationId: 'updateEscalationPolicy',
    tags,
    summary: 'Change an escalation policy (steps sent replace the steps)',
    middleware: [requireRole('admin')] as const,
    request: { params: IdParamsSchema, body: jsonBody(UpdatePolicySchema) },
    responses: { 200: jsonContent(PolicySchema, 'Changed'), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503) },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/escalation-policies/{id}',
    operationId: 'deleteEscalationPolicy',
    tags,
    summary: 'Delete an escalation policy no service names (escalations under way keep their copy)',
    middleware: [requireRole('admin')] as const,
    request: { params: IdParamsSchema },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 409, 503) },
  }),
};

const wirePolicy = (p: policies.EscalationPolicyRecord) => ({
  ...p,
  createdAt: iso(p.createdAt),
  updatedAt: iso(p.updatedAt),
});

/** Escalation policies (viewers read, admins change them). */
export function escalationPolicyRoutes(db: Database) {
  return createRouter()
    .openapi(routes.list, async (c) => {
      const query = c.req.valid('query');
      const rows = await db.read((sql) => policies.listPolicies(sql, pageRequest(query, 'escalation-policies')));
      const { items, nextCursor } = pageOf(rows, query, 'escalation-policies', (p) => ({ keys: [p.name], id: p.id }));
      return c.json({ items: items.map(wirePolicy), nextCursor }, 200);
    })
    .openapi(routes.create, async (c) => {
      const body = c.req.valid('json');
      const input = { ...body, description: body.description ?? '', repeat: body.repeat ?? 0 };
      const policy = await db.write((sql) => policies.createPolicy(sql, input, c.get('principal').actor));
      c.header('Location', `/api/escalation-policies/${policy.id}`);
      return c.json(wirePolicy(policy), 201);
    })
    .openapi(routes.get, async (c) => {
      const { id } = c.req.valid('param');
      return c.json(wirePolicy(await db.read((sql) => policies.getPolicy(sql, id))), 200);
    })
    .openapi(routes.update, async (c) => {
      const { id } = c.req.valid('param');
      const { version, ...changes } = c.req.valid('json');
      const policy = await db.write(async (sql) => {
        // The refine above sees only the body: a repeat or steps sent alone are checked against what is stored.
        if ((changes.steps === undefined) !== (changes.repeat === undefined)) {
          const current = await policies.getPolicy(sql, id);
          if (!hasSomeWait({ steps: changes.steps ?? current.steps, repeat: changes.repeat ?? current.repeat })) {
            throw invalid('repeat', WAIT_ISSUE.message);
          }
        }
        return policies.updatePolicy(sql, id, version, changes, c.get('principal').actor);
      });
      return c.json(wirePolicy(policy), 200);
    })
    .openapi(routes.delete, async (c) => {
      const { id } = c.req.valid('param');
      await db.write((sql) => policies.deletePolicy(sql, id, c.get('principal').actor));
      return c.body(null, 204);
    });
}
