import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, jsonContent } from '../http/openapi.js';
import type { Database } from '../store/db.js';
import { serviceImpact } from '../store/impact.js';
import { NextCursorSchema, pageQuerySchema, rankedOffset, rankedPageOf } from './pagination.js';

const ServiceImpactSchema = z
  .object({
    service: z.string(),
    serviceId: z.uuid().nullable().openapi({ description: 'null: not in the service catalog' }),
    impact: z.enum(['major', 'partial', 'minor']).nullable().openapi({ description: 'Declared impact' }),
    reasons: z.array(z.enum(['declared', 'alerts', 'correlation'])),
    alerts: z.number().int(),
    findings: z.number().int().openapi({ description: 'Findings of the latest finished correlation run' }),
    topScore: z.number().nullable(),
  })
  .openapi('ServiceImpact');

const impactRoute = createRoute({
  method: 'get',
  path: '/{id}/impact',
  operationId: 'listServiceImpact',
  tags: ['Investigation'],
  summary: 'Services the incident touches: declared, named by its alerts, or pointed at by correlation',
  request: { params: IdParamsSchema, query: z.strictObject(pageQuerySchema(100, 500)) },
  responses: {
    200: jsonContent(
      z.object({ items: z.array(ServiceImpactSchema), nextCursor: NextCursorSchema }),
      'Declared services first, then by score'
    ),
    ...errorResponses(400, 401, 404, 503),
  },
});

/** Service impact: GET /api/incidents/{id}/impact. */
export function impactRoutes(db: Database) {
  return createRouter().openapi(impactRoute, async (c) => {
    const { id } = c.req.valid('param');
    const query = c.req.valid('query');
    const offset = rankedOffset(query, 'impact', id);
    const rows = await db.read((sql) => serviceImpact(sql, id, { limit: query.limit + 1, offset }));
    return c.json(rankedPageOf(rows, query, 'impact', id, offset), 200);
  });
}
