import { createRoute, z } from '@hono/zod-openapi';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, iso, jsonContent } from '../http/openapi.js';
import type { Database } from '../store/db.js';
import * as hypotheses from '../store/hypotheses.js';
import { assertIncidentExists } from '../store/incidents.js';
import { NextCursorSchema, pageOf, pageQuerySchema, pageRequest } from './pagination.js';

const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const tags = ['Investigation'];

// Only web links: a javascript: or data: URL would run in whoever clicks the evidence on the board.
const HttpUrlSchema = z.url({ protocol: /^https?$/ }).max(2000);

export const EvidenceLinkSchema = z
  .strictObject({
    findingId: z.uuid().optional(),
    url: HttpUrlSchema.optional(),
    label: z.string().trim().min(1).max(200),
  })
  .refine((e) => e.findingId !== undefined || e.url !== undefined, 'link a finding (findingId) or a page (url)')
  .openapi('EvidenceLink');

export const HypothesisSchema = z
  .object({
    id: z.uuid(),
    incidentId: z.uuid(),
    statement: z.string(),
    status: z.enum(hypotheses.HYPOTHESIS_STATUSES),
    owner: z.string().nullable(),
    evidence: z.array(z.object({ findingId: z.uuid().optional(), url: z.string().optional(), label: z.string() })),
    origin: z.enum(['user', 'suggested']),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    decidedBy: z.string().nullable(),
    decidedAt: z.iso.datetime().nullable(),
    decisionNote: z.string().nullable(),
    version: z.number().int().openapi({ description: 'Send back on PATCH; a stale version gets 409' }),
  })
  .openapi('Hypothesis');

const StatementSchema = z.string().trim().min(1).max(1000);
const OwnerSchema = z.string().trim().min(1).max(200);
const EvidenceListSchema = z.array(EvidenceLinkSchema).max(50);

const HypothesisInputSchema = z
  .strictObject({ statement: StatementSchema, owner: OwnerSchema.optional(), evidence: EvidenceListSchema.optional() })
  .openapi('HypothesisInput');

const HypothesisUpdateSchema = z
  .strictObject({
    version: z.number().int().min(1),
    statement: StatementSchema.optional(),
    status: z.enum(hypotheses.HYPOTHESIS_STATUSES).optional(),
    owner: OwnerSchema.nullable().optional(),
    evidence: EvidenceListSchema.optional(),
    note: z.string().trim().max(2000).optional(),
  })
  .openapi('HypothesisUpdate');

const HypothesisParamsSchema = IdParamsSchema.extend({
  hypothesisId: z.uuid().openapi({ param: { name: 'hypothesisId', in: 'path' } }),
});

/** Dates leave as ISO strings; the rest of the stored row is already the wire shape. */
export const wireHypothesis = (h: hypotheses.Hypothesis) => ({
  ...h,
  createdAt: iso(h.createdAt),
  updatedAt: iso(h.updatedAt),
  decidedAt: iso(h.decidedAt),
});

const routes = {
  list: createRoute({
    method: 'get',
    path: '/{id}/hypotheses',
    operationId: 'listHypotheses',
    tags,
    summary: "The incident's investigation board, oldest first, a page at a time",
    request: { params: IdParamsSchema, query: z.strictObject(pageQuerySchema(200, 500)) },
    responses: {
      200: jsonContent(z.object({ items: z.array(HypothesisSchema), nextCursor: NextCursorSchema }), 'Hypotheses'),
      ...errorResponses(400, 401, 404, 503),
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/{id}/hypotheses',
    operationId: 'createHypothesis',
    tags,
    summary: 'Add a hypothesis (recorded on the timeline)',
    middleware: [requireRole('editor')] as const,
    request: { params: IdParamsSchema, body: jsonBody(HypothesisInputSchema) },
    responses: {
      201: jsonContent(HypothesisSchema, 'Added'),
      ...errorResponses(400, 401, 403, 404, 413, 415, 503),
    },
  }),
  update: createRoute({
    method: 'patch',
    path: '/{id}/hypotheses/{hypothesisId}',
    operationId: 'updateHypothesis',
    tags,
    summary: 'Edit, confirm, refute or reopen a hypothesis (optimistic concurrency on version)',
    middleware: [requireRole('editor')] as const,
    request: { params: HypothesisParamsSchema, body: jsonBody(HypothesisUpdateSchema) },
    responses: {
      200: jsonContent(HypothesisSchema, 'The updated hypothesis'),
      ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503),
    },
  }),
};

/** The investigation board: /api/incidents/{id}/hypotheses. */
export function hypothesisRoutes(db: Database) {
  return createRouter()
    .openapi(routes.list, async (c) => {
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      const rows = await db.read(async (sql) => {
        await assertIncidentExists(sql, id);
        return hypotheses.listHypotheses(sql, id, pageRequest(query, 'hypotheses'));
      });
      const { items, nextCursor } = pageOf(rows, query, 'hypotheses', (h) => ({ keys: [h.createdAt.toISOString()], id: h.id }));
      return c.json({ items: items.map(wireHypothesis), nextCursor }, 200);
    })
    .openapi(routes.create, async (c) => {
      const { id } = c.req.valid('param');
      const created = await db.write((sql) =>
        hypotheses.createHypothesis(sql, id, c.req.valid('json'), c.get('principal').actor)
      );
      c.header('Location', `/api/incidents/${id}/hypotheses/${created.id}`);
      return c.json(wireHypothesis(created), 201);
    })
    .openapi(routes.update, async (c) => {
      const { id, hypothesisId } = c.req.valid('param');
      const { version, ...changes } = c.req.valid('json');
      const updated = await db.write((sql) =>
        hypotheses.updateHypothesis(sql, id, hypothesisId, version, changes, c.get('principal').actor)
      );
      return c.json(wireHypothesis(updated), 200);
    });
}
