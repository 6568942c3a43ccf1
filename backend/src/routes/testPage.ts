import { createRoute, z } from '@hono/zod-openapi';
import { routeContacts, type RoutableChannel } from '../domain/escalation.js';
import type { Recipient } from '../domain/notifications.js';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, jsonContent } from '../http/openapi.js';
import { testMessage } from '../notify/message.js';
import { describeError, sendBounded, type Notifier } from '../notify/notifier.js';
import type { DeliveryError } from '../notify/channels/channel.js';
import { getSealedChannels } from '../store/channels.js';
import type { Database } from '../store/db.js';
import { getPerson } from '../store/people.js';

const TestPageResultSchema = z
  .object({
    kind: z.string().openapi({ description: 'The contact method: email, ntfy, slack or webhook' }),
    target: z.string().openapi({ description: 'Its address, topic, mention or label' }),
    channel: z.string().nullable().openapi({ description: 'The channel that carried it; null when none could' }),
    delivered: z.boolean(),
    error: z
      .string()
      .nullable()
      .openapi({ description: 'Why it did not arrive (secrets masked), or why no channel carries it' }),
    durationMs: z.number().int(),
  })
  .openapi('TestPageResult');

const route = createRoute({
  method: 'post',
  path: '/people/{id}/test-page',
  operationId: 'sendTestPage',
  tags: ['On call'],
  summary:
    "Send me a test page: a test message now through each of the person's contact methods, in order, with each outcome",
  middleware: [requireRole('editor')] as const,
  request: { params: IdParamsSchema },
  responses: {
    200: jsonContent(
      z.object({ items: z.array(TestPageResultSchema) }),
      'One result per contact method; nothing is stored'
    ),
    ...errorResponses(400, 401, 403, 404, 503),
  },
});

/**
 * "Send me a test page": checks every way the person would be paged, through the same routing and senders an
 * escalation step uses (domain/escalation.ts routeContacts), so a wrong address or a missing channel shows now,
 * not at 3 a.m.
 */
export function testPageRoutes(db: Database, notifier: Notifier) {
  return createRouter().openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { person, channels } = await db.read(async (sql) => {
      const found = await getPerson(sql, id);
      const all = await sql<RoutableChannel[]>`select id, kind, name, muted from channels`;
      return { person: found, channels: all };
    });
    const routes = routeContacts(person.contactMethods, channels);
    const used = [...new Set(routes.flatMap((r) => (r.channel ? [r.channel.id] : [])))];
    const sealed = new Map(
      (await db.read((sql) => getSealedChannels(sql, used))).flatMap((ch) => (ch ? [[ch.id, ch] as const] : []))
    );
    const base = notifier.warRoomUrl('').replace(/\/incidents\/$/, '');
    const items = [];
    for (const { method, channel, problem } of routes) {
      const started = performance.now();
      const result = { kind: method.kind, target: method.target, channel: channel?.name ?? null };
      const full = channel && sealed.get(channel.id);
      if (!full) {
        items.push({ ...result, delivered: false, error: problem ?? 'its channel no longer exists', durationMs: 0 });
        continue;
      }
      const recipient: Recipient = {
        personId: person.id,
        login: person.login,
        name: person.name,
        kind: method.kind,
        target: method.target,
      };
      const message = {
        ...testMessage(full.name, base, new Date()),
        headline: `Test page for ${person.name} through ${method.kind} ${method.target}: pages reach you here`,
        detail: 'Sent with "Send me a test page"; nothing happened.',
        recipient,
        urgency: 'high' as const,
      };
      const secrets = full.secrets ? notifier.secretBox.open(full.id, full.secrets) : {};
      const target = { id: full.id, kind: full.kind, name: full.name, settings: full.settings, secrets };
      try {
        await sendBounded(notifier.senders[full.kind], target, message, notifier.sendTimeoutMs);
        items.push({ ...result, delivered: true, error: null, durationMs: Math.round(performance.now() - started) });
      } catch (err) {
        const error = describeError((err as DeliveryError).message, secrets);
        items.push({ ...result, delivered: false, error, durationMs: Math.round(performance.now() - started) });
      }
    }
    return c.json({ items }, 200);
  });
}
