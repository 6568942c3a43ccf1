import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '../domain/errors.js';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, iso, jsonContent } from '../http/openapi.js';
import { CHANGE_KINDS, createChange, listChanges, type Change } from '../store/changes.js';
import type { Database } from '../store/db.js';
import { InstantSchema, ServiceNameSchema } from './sharedSchemas.js';
import { NextCursorSchema, pageOf, pageQuerySchema, pageRequest } from './pagination.js';

const tags = ['Changes'];

export const ChangeSchema = z
  .object({
    id: z.uuid(),
    service: z.string().nullable(),
    kind: z.enum(CHANGE_KINDS),
    summary: z.string(),
    description: z.string(),
    author: z.string(),
    url: z.string().nullable(),
    labels: z.record(z.string(), z.string()),
    at: z.iso.datetime(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Change');

const ChangeInputSchema = z
  .strictObject({
    service: ServiceNameSchema.optional().openapi({ description: 'Omit for a change that concerns everything' }),
    kind: z.enum(CHANGE_KINDS),
    summary: z.string().trim().min(1).max(300),
    description: z.string().max(10_000).optional(),
    author: z.string().trim().min(1).max(200).optional().openapi({ description: "Defaults to the caller's name" }),
    // Only web links: the war room renders it as a link.
    url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
    labels: z.record(z.string().min(1).max(100), z.string().max(500)).optional(),
    at: InstantSchema.optional().openapi({ description: 'When it happened; defaults to now' }),
  })
  .openapi('ChangeInput');

const ListQuerySchema = z.strictObject({
  service: ServiceNameSchema.optional(),
  from: InstantSchema.optional(),
  to: InstantSchema.optional(),
  ...pageQuerySchema(100, 500),
});

export const wireChange = (change: Change) => ({ ...change, at: iso(change.at), createdAt: iso(change.createdAt) });

const routes = {
  list: createRoute({
    method: 'get',
    path: '/',
    operationId: 'listChanges',
    tags,
    summary: 'Deploys and config changes, newest first',
    request: { query: ListQuerySchema },
    responses: {
      200: jsonContent(z.object({ items: z.array(ChangeSchema), nextCursor: NextCursorSchema }), 'Changes'),
      ...errorResponses(400, 401, 503),
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/',
    operationId: 'createChange',
    tags,
    summary: 'Record a deploy or config change (CI/CD posts these with an editor token)',
    middleware: [requireRole('editor')] as const,
    request: { body: { required: true, content: { 'application/json': { schema: ChangeInputSchema } } } },
    responses: {
      201: jsonContent(ChangeSchema, 'Recorded'),
      ...errorResponses(400, 401, 403, 404, 413, 415, 503),
    },
  }),
};

/** /api/changes: what the correlation engine looks for near an incident's start. */
export function changeRoutes(db: Database) {
  return createRouter()
    .openapi(routes.list, async (c) => {
      const query = c.req.valid('query');
      const from = query.from ? new Date(query.from) : undefined;
      const to = query.to ? new Date(query.to) : undefined;
      if (from && to && from > to) {
        throw new AppError({
          code: 'VALIDATION_FAILED',
          message: '`from` must not be after `to`',
          details: { issues: [{ path: 'from', message: 'after to' }] },
        });
      }
      const rows = await db.read((sql) =>
        listChanges(sql, { services: query.service ? [query.service] : undefined, from, to, ...pageRequest(query, 'changes') })
      );
      const { items, nextCursor } = pageOf(rows, query, 'changes', (ch) => ({ keys: [ch.at.toISOString()], id: ch.id }));
      return c.json({ items: items.map(wireChange), nextCursor }, 200);
    })
    .openapi(routes.create, async (c) => {
      const input = c.req.valid('json');
      const change = await db.write((sql) =>
        createChange(sql, {
          ...input,
          author: input.author ?? c.get('principal').actor.name,
          at: input.at ? new Date(input.at) : undefined,
        })
      );
      return c.json(wireChange(change), 201);
    });
}
