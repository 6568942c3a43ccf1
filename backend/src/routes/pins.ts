import { createRoute, z } from '@hono/zod-openapi';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, jsonContent } from '../http/openapi.js';
import type { Database } from '../store/db.js';
import { pinFinding } from '../store/pins.js';
// Its finding is the correlation API's Finding: a pin freezes exactly what GET /correlations showed.
import { EvidencePinnedEventSchema, wireTimelineEvent } from './timelineSchemas.js';

const PinInputSchema = z.strictObject({ note: z.string().trim().max(2000).optional() }).openapi('PinInput');

const PinParamsSchema = IdParamsSchema.extend({
  findingId: z.uuid().openapi({ param: { name: 'findingId', in: 'path' } }),
});

const pinRoute = createRoute({
  method: 'post',
  path: '/{id}/correlations/{findingId}/pin',
  operationId: 'pinFinding',
  tags: ['Investigation'],
  summary: "Pin a finding: freeze it, result data included, into the incident's timeline",
  description:
    'A finding is pinned once per incident: pinning it again answers 409 EVIDENCE_ALREADY_PINNED with the existing ' +
    'timeline entry in details.current. The body may be omitted.',
  middleware: [requireRole('editor')] as const,
  request: {
    params: PinParamsSchema,
    body: { required: false, content: { 'application/json': { schema: PinInputSchema } } },
  },
  responses: {
    201: jsonContent(EvidencePinnedEventSchema, 'The evidence_pinned timeline entry'),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503),
  },
});

/** Pinned evidence: POST /api/incidents/{id}/correlations/{findingId}/pin. */
export function pinRoutes(db: Database) {
  return createRouter().openapi(pinRoute, async (c) => {
    const { id, findingId } = c.req.valid('param');
    const note = c.req.valid('json')?.note || null;
    const event = await db.write((sql) => pinFinding(sql, id, findingId, note, c.get('principal').actor));
    return c.json(wireTimelineEvent<'evidence_pinned'>(event), 201);
  });
}
