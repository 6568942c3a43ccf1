import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '../domain/errors.js';
import { createRouter } from '../http/context.js';
import { errorResponses, iso, jsonContent } from '../http/openapi.js';
import { issueTicket } from '../live/tickets.js';
import type { Database } from '../store/db.js';

const TicketSchema = z
  .object({
    ticket: z.string().openapi({ description: 'Single use: open the WebSocket with /live?ticket=<ticket>' }),
    expiresAt: z.iso.datetime(),
  })
  .openapi('LiveTicket');

const createTicketRoute = createRoute({
  method: 'post',
  path: '/tickets',
  operationId: 'createLiveTicket',
  tags: ['Live'],
  summary: 'A single-use ticket (~30 s) for opening the live WebSocket from a browser',
  description:
    'Browsers cannot send Authorization on a WebSocket upgrade, and the plugin never sees the sidecar token: it asks ' +
    "for a ticket through Grafana's proxy and opens GET /live?ticket=... on the sidecar's public URL. Any replica " +
    'redeems it; it carries the role and person of the caller. Bots can send their API token on the upgrade instead.',
  responses: {
    201: jsonContent(TicketSchema, 'Issued; use it within expiresAt, once'),
    ...errorResponses(401, 403, 503),
  },
});

/** POST /api/live/tickets: any authenticated caller (viewers included) may follow the live feed. */
export function liveRoutes(db: Database, ticketTtlMs: number) {
  return createRouter().openapi(createTicketRoute, async (c) => {
    const { role, actor } = c.get('principal');
    // auth.ts keeps integration tokens off this route already; this keeps the type honest.
    if (role === 'integration') throw new AppError({ code: 'FORBIDDEN', message: 'Integration tokens cannot follow the live feed' });
    const issued = await db.write((sql) => issueTicket(sql, { role, actor }, ticketTtlMs));
    c.header('Cache-Control', 'no-store');
    return c.json({ ticket: issued.ticket, expiresAt: iso(issued.expiresAt) }, 201);
  });
}
