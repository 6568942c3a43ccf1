import { createRoute, z } from '@hono/zod-openapi';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, jsonContent } from '../http/openapi.js';
import type { Database } from '../store/db.js';
import { createService, listServices } from '../store/services.js';

const ServiceSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    team: z.string().nullable(),
    tier: z.number().int().min(1).max(4),
    description: z.string(),
    labels: z.record(z.string(), z.string()).openapi({ description: 'Selector used in telemetry queries' }),
    runbookUrl: z.string().nullable(),
  })
  .openapi('Service');

const CreateServiceSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lowercase letters, digits, dot, dash or underscore; at most 63'),
    team: z.string().trim().min(1).max(100).optional(),
    tier: z.number().int().min(1).max(4).optional(),
    description: z.string().max(2000).optional(),
    labels: z.record(z.string().min(1).max(100), z.string().max(500)).optional(),
    runbookUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .openapi('CreateService');

const tags = ['Services'];

const listRoute = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'The service catalog',
  responses: {
    200: jsonContent(z.object({ items: z.array(ServiceSchema) }), 'Every service, by name'),
    ...errorResponses(401, 503),
  },
});

const createServiceRoute = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Add a service to the catalog',
  middleware: [requireRole('editor')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateServiceSchema } } } },
  responses: {
    201: jsonContent(ServiceSchema, 'Created'),
    ...errorResponses(400, 401, 403, 409, 413, 415, 503),
  },
});

export function serviceRoutes(db: Database) {
  return createRouter()
    .openapi(listRoute, async (c) => c.json({ items: await db.read(listServices) }, 200))
    .openapi(createServiceRoute, async (c) => {
      const input = c.req.valid('json');
      return c.json(await db.write((sql) => createService(sql, input)), 201);
    });
}
