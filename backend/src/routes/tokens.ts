import { createRoute, z } from '@hono/zod-openapi';
import { ROLES, tokenNameProblem } from '../domain/tokens.js';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, iso, jsonContent } from '../http/openapi.js';
import type { Database } from '../store/db.js';
import { createApiToken, listApiTokens, revokeApiToken, type ApiTokenRecord } from '../store/tokens.js';
import { NextCursorSchema, pageOf, pageQuerySchema, pageRequest } from './pagination.js';

const ApiTokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string().openapi({ example: 'deploy-bot' }),
    role: z.enum(ROLES),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable().openapi({ description: 'Refreshed at most once a minute' }),
    revokedAt: z.iso.datetime().nullable(),
  })
  .openapi('ApiToken');

const CreatedApiTokenSchema = ApiTokenSchema.extend({
  token: z.string().openapi({ description: 'The secret, shown this once; only its hash is stored' }),
}).openapi('CreatedApiToken');

const CreateApiTokenSchema = z
  .strictObject({
    name: z.string().superRefine((name, ctx) => {
      const problem = tokenNameProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    role: z.enum(ROLES),
  })
  .openapi('CreateApiToken');

const wireToken = (t: ApiTokenRecord) => ({
  id: t.id,
  name: t.name,
  role: t.role,
  createdAt: iso(t.createdAt),
  lastUsedAt: iso(t.lastUsedAt),
  revokedAt: iso(t.revokedAt),
});

const tags = ['API tokens'];

const createTokenRoute = createRoute({
  method: 'post',
  path: '/',
  operationId: 'createApiToken',
  tags,
  summary: 'Create an API token (the answer holds the secret, once)',
  middleware: [requireRole('admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateApiTokenSchema } } } },
  responses: {
    201: jsonContent(CreatedApiTokenSchema, 'Created; store the token now, it cannot be shown again'),
    ...errorResponses(400, 401, 403, 409, 413, 415, 503),
  },
});

const listTokensRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listApiTokens',
  tags,
  summary: 'API tokens, revoked ones included, without secrets, oldest first, a page at a time',
  middleware: [requireRole('admin')] as const,
  request: { query: z.strictObject(pageQuerySchema(200, 500)) },
  responses: {
    200: jsonContent(z.object({ items: z.array(ApiTokenSchema), nextCursor: NextCursorSchema }), 'The tokens, oldest first'),
    ...errorResponses(400, 401, 403, 503),
  },
});

const revokeTokenRoute = createRoute({
  method: 'delete',
  path: '/{id}',
  operationId: 'revokeApiToken',
  tags,
  summary: 'Revoke an API token: refused (401) from the next request on',
  middleware: [requireRole('admin')] as const,
  request: { params: IdParamsSchema },
  responses: { 204: { description: 'Revoked (or already was)' }, ...errorResponses(400, 401, 403, 404, 503) },
});

/**
 * Management of API tokens (bots, wallboards, scripts), admin only: an editor token must not be able to mint an
 * admin one. The CLI (src/cli.ts) does the same from a shell.
 */
export function tokenRoutes(db: Database) {
  return createRouter()
    .openapi(createTokenRoute, async (c) => {
      const { name, role } = c.req.valid('json');
      const created = await db.write((sql) => createApiToken(sql, name, role, c.get('principal').actor));
      // The only copy of the secret: keep it out of every cache on the way.
      c.header('Cache-Control', 'no-store');
      c.header('Location', `/api/tokens/${created.id}`);
      return c.json({ ...wireToken(created), token: created.token }, 201);
    })
    .openapi(listTokensRoute, async (c) => {
      const query = c.req.valid('query');
      const rows = await db.read((sql) => listApiTokens(sql, pageRequest(query, 'tokens')));
      const { items, nextCursor } = pageOf(rows, query, 'tokens', (t) => ({ keys: [t.createdAt.toISOString()], id: t.id }));
      return c.json({ items: items.map(wireToken), nextCursor }, 200);
    })
    .openapi(revokeTokenRoute, async (c) => {
      const { id } = c.req.valid('param');
      await db.write((sql) => revokeApiToken(sql, { id }, c.get('principal').actor));
      return c.body(null, 204);
    });
}
