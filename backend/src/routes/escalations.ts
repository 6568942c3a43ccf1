import { createRoute, z } from '@hono/zod-openapi';
import { ESCALATION_STATES, URGENCIES } from '../domain/escalation.js';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, iso, jsonContent } from '../http/openapi.js';
import type { Database } from '../store/db.js';
import { DELIVERY_STATES } from '../store/channels.js';
import * as escalations from '../store/escalations.js';
import { assertIncidentExists } from '../store/incidents.js';
import { RecipientSchema } from './channels.js';
import { FiredTargetSchema } from './timelineSchemas.js';

const PageSchema = z
  .object({
    deliveryId: z.uuid(),
    channelId: z.uuid(),
    channelName: z.string(),
    channelKind: z.string(),
    // The person paged and how; null for a channel step (a union: .nullable() would make PageRecipient nullable).
    recipient: z.union([RecipientSchema, z.null()]),
    state: z.enum(DELIVERY_STATES),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    deliveredAt: z.iso.datetime().nullable(),
  })
  .openapi('Page');

const FiredStepSchema = z
  .object({
    id: z.uuid(),
    step: z.number().int().openapi({ description: '0-based' }),
    pass: z.number().int().openapi({ description: 'Which pass over the steps (0: the first)' }),
    trigger: z.enum(escalations.STEP_TRIGGERS).openapi({ description: 'start, its timer, or "escalate now"' }),
    target: FiredTargetSchema,
    urgency: z.enum(URGENCIES),
    problem: z.string().nullable().openapi({ description: 'Why nobody was paged (then the next step fired at once)' }),
    firedBy: z.string(),
    firedAt: z.iso.datetime(),
    pages: z.array(PageSchema).openapi({ description: 'One per contact method tried (one for a channel step)' }),
  })
  .openapi('FiredEscalationStep');

const EscalationSchema = z
  .object({
    incidentId: z.uuid(),
    policyId: z.uuid().nullable().openapi({ description: 'Null once the policy was deleted' }),
    policyName: z.string(),
    state: z.enum(ESCALATION_STATES),
    step: z.number().int().openapi({ description: 'The step that fires next (0-based), while active' }),
    pass: z.number().int(),
    totalSteps: z.number().int(),
    repeat: z.number().int(),
    nextStepAt: z.iso.datetime().nullable().openapi({ description: 'When the next step fires; null once stopped or exhausted' }),
    version: z.number().int(),
    startedBy: z.string(),
    startedAt: z.iso.datetime(),
    stoppedAt: z.iso.datetime().nullable(),
    stoppedBy: z.string().nullable(),
    steps: z.array(FiredStepSchema).openapi({ description: 'Steps taken, oldest first' }),
  })
  .openapi('Escalation');

const tags = ['On call'];

const routes = {
  get: createRoute({
    method: 'get',
    path: '/{id}/escalation',
    operationId: 'getEscalation',
    tags,
    summary: "The incident's escalation: its state, the steps taken, who was paged through what and whether it arrived",
    request: { params: IdParamsSchema },
    responses: { 200: jsonContent(EscalationSchema, 'The escalation'), ...errorResponses(400, 401, 404, 503) },
  }),
  escalate: createRoute({
    method: 'post',
    path: '/{id}/escalate',
    operationId: 'escalateIncident',
    tags,
    summary: 'Escalate now: fire the next step at once (its timer is dropped)',
    middleware: [requireRole('editor')] as const,
    request: { params: IdParamsSchema },
    responses: {
      200: jsonContent(EscalationSchema, 'The escalation after the step'),
      ...errorResponses(400, 401, 403, 404, 409, 503),
    },
  }),
};

type View = Awaited<ReturnType<typeof escalations.getEscalationView>>;

function wireEscalation({ escalation: e, steps, pages }: View) {
  return {
    incidentId: e.incidentId,
    policyId: e.policyId,
    policyName: e.policyName,
    state: e.state,
    step: e.step,
    pass: e.pass,
    totalSteps: e.steps.length,
    repeat: e.repeat,
    nextStepAt: iso(e.nextStepAt),
    version: e.version,
    startedBy: e.startedBy,
    startedAt: iso(e.startedAt),
    stoppedAt: iso(e.stoppedAt),
    stoppedBy: e.stoppedBy,
    steps: steps.map((s) => ({
      ...s,
      firedAt: iso(s.firedAt),
      pages: pages
        .filter((p) => p.escalationStepId === s.id)
        .map(({ escalationStepId: _step, ...p }) => ({ ...p, deliveredAt: iso(p.deliveredAt) })),
    })),
  };
}

/** An incident's escalation, and "escalate now". */
export function escalationRoutes(db: Database) {
  return createRouter()
    .openapi(routes.get, async (c) => {
      const { id } = c.req.valid('param');
      const view = await db.read(async (sql) => {
        await assertIncidentExists(sql, id);
        return escalations.getEscalationView(sql, id);
      });
      return c.json(wireEscalation(view), 200);
    })
    .openapi(routes.escalate, async (c) => {
      const { id } = c.req.valid('param');
      const view = await db.write(async (sql) => {
        await escalations.escalateNow(sql, id, c.get('principal').actor);
        return escalations.getEscalationView(sql, id);
      });
      return c.json(wireEscalation(view), 200);
    });
}
