/**
 * Signed acknowledge links (notify/ackLinks.ts) as two small self-contained HTML pages: GET shows what the link
 * would do and a button, POST (the button) acknowledges. A GET never acts: mail scanners and chat unfurlers open
 * links. No API token: the signature is the credential; a token that does not verify is 404, as if no such page.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { Hono, type Context } from 'hono';
import { ErrorEnvelopeSchema } from '../http/openapi.js';
import type { AppEnv } from '../http/context.js';
import type { Notifier } from '../notify/notifier.js';
import type { Database } from '../store/db.js';
import * as incidents from '../store/incidents.js';
import { AppError } from '../domain/errors.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

const when = (date: Date) => date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

/**
 * The whole page: inline style only, no script, no external asset; `body` is HTML already escaped. A 404 goes to a
 * browser as a page and to anything else (a script, a checker) in the API's error envelope.
 */
function page(c: Context, status: 200 | 404, title: string, body: string): Response {
  if (status === 404 && !(c.req.header('accept') ?? '').includes('text/html')) {
    throw new AppError({ code: 'NOT_FOUND', message: `${title}: the link is not valid, or its incident no longer exists` });
  }
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('X-Frame-Options', 'DENY');
  c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
      `<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>` +
      `body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#222}` +
      `button{font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:4px;background:#3d71d9;color:#fff;cursor:pointer}` +
      `.muted{color:#666}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    status
  );
}

export function ackRoutes(db: Database, notifier: Notifier) {
  const app = new Hono<AppEnv>();

  /** The token's incident, or the page that says why there is nothing to do. */
  const resolve = async (c: Context<AppEnv>) => {
    const claims = notifier.ackLinks.verify(c.req.param('token') ?? '');
    if (!claims) return { done: page(c, 404, 'Link not found', '<p>This acknowledge link is not valid.</p>') };
    const incident = await db.read((sql) => incidents.getIncident(sql, claims.incidentId)).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'INCIDENT_NOT_FOUND') return undefined;
      throw err;
    });
    if (!incident) return { done: page(c, 404, 'Incident not found', '<p>This incident no longer exists.</p>') };
    const name = `${escapeHtml(incident.reference)}: ${escapeHtml(incident.title)}`;
    const warRoom = `<p><a href="${escapeHtml(notifier.warRoomUrl(incident.id))}">Open the war room</a></p>`;
    if (incident.status === 'resolved') {
      const at = incident.resolvedAt ? ` at ${when(incident.resolvedAt)}` : '';
      return { done: page(c, 200, 'Already resolved', `<p>${name} was resolved${at}. Nothing to acknowledge.</p>${warRoom}`) };
    }
    if (claims.expiresAt.getTime() <= Date.now()) {
      return {
        done: page(c, 200, 'Link expired', `<p>This link to acknowledge ${name} expired at ${when(claims.expiresAt)}.</p>${warRoom}`),
      };
    }
    return { claims, incident, name, warRoom };
  };

  const alreadyAcknowledged = (c: Context, name: string, warRoom: string, by: string | null, at: Date | null) =>
    page(
      c,
      200,
      'Already acknowledged',
      `<p>${name} was already acknowledged${by ? ` by ${escapeHtml(by)}` : ''}${at ? ` at ${when(at)}` : ''}.</p>${warRoom}`
    );

  app.get('/:token', async (c) => {
    const found = await resolve(c);
    if ('done' in found) return found.done;
    const { incident, name, warRoom, claims } = found;
    if (incident.acknowledgedAt) {
      const by = await db.read(
        async (sql) =>
          (await sql<{ author: string }[]>`
            select author from timeline_events where incident_id = ${incident.id} and type = 'acknowledged'
            order by occurred_at limit 1`)[0]?.author ?? null
      );
      return alreadyAcknowledged(c, name, warRoom, by, incident.acknowledgedAt);
    }
    return page(
      c,
      200,
      `Acknowledge ${incident.reference}?`,
      `<p>${name}</p><p class="muted">Severity ${escapeHtml(incident.severity)}, ${escapeHtml(incident.status)}, since ` +
        `${when(incident.startedAt)}. You are acknowledging as ${escapeHtml(claims.recipient)}.</p>` +
        `<form method="post"><button type="submit">Acknowledge</button></form>${warRoom}`
    );
  });

  app.post('/:token', async (c) => {
    const found = await resolve(c);
    if ('done' in found) return found.done;
    const { claims, name, warRoom } = found;
    const outcome = await db.write((sql) =>
      sql.begin((tx) =>
        incidents.acknowledgeIncident(tx, claims.incidentId, { name: claims.recipient, source: 'user' }, {
          kind: 'link',
          recipient: claims.recipient,
        })
      )
    );
    if (!outcome.isNew) {
      if (outcome.incident.status === 'resolved') {
        return page(c, 200, 'Already resolved', `<p>${name} was resolved. Nothing to acknowledge.</p>${warRoom}`);
      }
      return alreadyAcknowledged(c, name, warRoom, outcome.acknowledgedBy, outcome.incident.acknowledgedAt);
    }
    return page(
      c,
      200,
      'Acknowledged',
      `<p>${name} is acknowledged, as ${escapeHtml(claims.recipient)}, at ${when(outcome.incident.acknowledgedAt!)}.</p>${warRoom}`
    );
  });
  return app;
}

/** The two pages in the OpenAPI document: HTML, no token (the signed token in the path is the credential). */
export function describeAckRoutes(registry: OpenAPIHono['openAPIRegistry']): void {
  const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
  const envelope = (description: string) => ({ description, content: { 'application/json': { schema: ErrorEnvelopeSchema } } });
  const token = z.object({
    token: z.string().openapi({ param: { name: 'token', in: 'path' }, description: 'The signed token of the link' }),
  });
  const responses = (ok: string) => ({
    200: html(`${ok}; or that the link expired (ACK_LINK_TTL_HOURS), or the incident is resolved`),
    404: {
      description:
        'The token does not verify (altered or made up), or its incident no longer exists: a page for browsers ' +
        '(Accept: text/html), the error envelope (NOT_FOUND) otherwise',
      content: { 'text/html': { schema: z.string() }, 'application/json': { schema: ErrorEnvelopeSchema } },
    },
    413: envelope('Body too large (PAYLOAD_TOO_LARGE)'),
    429: envelope('Too many requests from this address (RATE_LIMITED)'),
    503: envelope('Unavailable (OVERLOADED, DATABASE_UNAVAILABLE); retry after Retry-After'),
    504: envelope('The request did not finish in time (REQUEST_TIMEOUT)'),
  });
  registry.registerPath({
    method: 'get',
    path: '/ack/{token}',
    operationId: 'showAcknowledgeLink',
    summary: 'The confirmation page of an acknowledge link (never acknowledges)',
    description: 'Sent in notifications while the incident is unacknowledged. Says plainly when it was already acknowledged (by whom, when), resolved or expired.',
    tags: ['Notifications'],
    security: [{}],
    request: { params: token },
    responses: responses('The confirmation page (a button that POSTs here), or what already happened'),
  });
  registry.registerPath({
    method: 'post',
    path: '/ack/{token}',
    operationId: 'acknowledgeByLink',
    summary: "Acknowledge the link's incident as its recipient",
    description: 'Once: a later POST changes nothing and says who acknowledged it and when.',
    tags: ['Notifications'],
    security: [{}],
    request: { params: token },
    responses: responses('Acknowledged, or what already happened'),
  });
}
