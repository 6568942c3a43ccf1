import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '../domain/errors.js';
import { URGENCIES } from '../domain/escalation.js';
import { CHANNEL_KINDS, type ChannelKind } from '../domain/notifications.js';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, iso, jsonContent } from '../http/openapi.js';
import type { DeliveryError } from '../notify/channels/channel.js';
import { testMessage } from '../notify/message.js';
import { describeError, sendBounded, type Notifier } from '../notify/notifier.js';
import * as channels from '../store/channels.js';
import type { Database } from '../store/db.js';
import { redeliver } from '../store/deliveries.js';
import { CONTACT_KINDS } from '../store/people.js';
import { NextCursorSchema, pageOf, pageQuerySchema, pageRequest } from './pagination.js';

const NameSchema = z.string().trim().min(1).max(100);
const SettingsSchema = z
  .record(z.string().max(100), z.unknown())
  .openapi({ description: "The kind's settings (validated by the kind; returned as they are)" });

const ChannelSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(CHANNEL_KINDS),
    name: z.string(),
    settings: z.record(z.string(), z.unknown()),
    secretsSet: z.array(z.string()).openapi({ description: 'Names of the secrets set; their values are never returned' }),
    muted: z.boolean(),
    lastError: z.string().nullable().openapi({ description: 'Why the last delivery was refused or given up on' }),
    lastErrorAt: z.iso.datetime().nullable(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int(),
  })
  .openapi('Channel');

const CreateChannelSchema = z
  .strictObject({
    kind: z.enum(CHANNEL_KINDS),
    name: NameSchema,
    settings: SettingsSchema.optional(),
    secrets: z
      .record(z.string().max(100), z.string().max(4000))
      .optional()
      .openapi({ description: 'Write-only (a webhook URL with its token, a signing secret, a password): stored encrypted' }),
    muted: z.boolean().optional(),
  })
  .openapi('CreateChannel');

const UpdateChannelSchema = z
  .strictObject({
    version: z.number().int().min(1).max(2_147_483_647).optional().openapi({ description: 'A stale one gets 409' }),
    name: NameSchema.optional(),
    settings: SettingsSchema.optional().openapi({ description: 'Replaces the settings' }),
    secrets: z
      .record(z.string().max(100), z.string().max(4000).nullable())
      .optional()
      .openapi({ description: 'Merged into the stored secrets: secrets not sent are kept, null removes one' }),
    muted: z.boolean().optional(),
  })
  .openapi('UpdateChannel');

export const RecipientSchema = z
  .object({
    personId: z.uuid(),
    login: z.string(),
    name: z.string(),
    kind: z.enum(CONTACT_KINDS),
    target: z.string().openapi({ description: 'The address, ntfy topic, mention or webhook label used' }),
  })
  .openapi('PageRecipient');

export const DeliverySchema = z
  .object({
    id: z.uuid(),
    incidentId: z.uuid().nullable(),
    channelId: z.uuid(),
    event: z.string(),
    detail: z.string().nullable(),
    occurredAt: z.iso.datetime(),
    idempotencyKey: z.string().openapi({ description: 'The same on every attempt; receivers drop repeats by it' }),
    state: z.enum(channels.DELIVERY_STATES),
    attempts: z.number().int(),
    nextAttemptAt: z.iso.datetime(),
    lastError: z.string().nullable(),
    lastStatus: z.number().int().nullable(),
    deliveredAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    // A page's person; null for everything else. A union, not .nullable(): that would make PageRecipient nullable.
    recipient: z.union([RecipientSchema, z.null()]),
    urgency: z.enum(URGENCIES).nullable().openapi({ description: "A page's urgency (the channel's priority)" }),
    escalationStepId: z.uuid().nullable().openapi({ description: 'The escalation step that paged' }),
  })
  .openapi('Delivery');

const TestResultSchema = z
  .object({
    delivered: z.boolean(),
    error: z.string().nullable(),
    status: z.number().int().nullable().openapi({ description: "The receiver's HTTP status, when it answered with an error" }),
    isPermanent: z.boolean().openapi({ description: 'The receiver refused for good (a 4xx): fix the settings' }),
    durationMs: z.number().int(),
  })
  .openapi('ChannelTestResult');

const wireChannel = ({ secretNames, ...c }: channels.Channel) => ({
  ...c,
  secretsSet: secretNames,
  lastErrorAt: iso(c.lastErrorAt),
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
});

export const wireDelivery = (d: channels.Delivery) => ({
  ...d,
  occurredAt: iso(d.occurredAt),
  nextAttemptAt: iso(d.nextAttemptAt),
  deliveredAt: iso(d.deliveredAt),
  createdAt: iso(d.createdAt),
});

const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const tags = ['Channels'];

const routes = {
  list: createRoute({
    method: 'get',
    path: '/channels',
    operationId: 'listChannels',
    tags,
    summary: 'Notification channels, by name, a page at a time',
    request: { query: z.strictObject(pageQuerySchema(200, 500)) },
    responses: {
      200: jsonContent(z.object({ items: z.array(ChannelSchema), nextCursor: NextCursorSchema }), 'The channels'),
      ...errorResponses(400, 401, 503),
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/channels',
    operationId: 'createChannel',
    tags,
    summary: "Add a channel (settings and secrets checked against its kind's schemas)",
    middleware: [requireRole('admin')] as const,
    request: { body: jsonBody(CreateChannelSchema) },
    responses: { 201: jsonContent(ChannelSchema, 'Created'), ...errorResponses(400, 401, 403, 409, 413, 415, 503) },
  }),
  get: createRoute({
    method: 'get',
    path: '/channels/{id}',
    operationId: 'getChannel',
    tags,
    summary: 'One channel',
    request: { params: IdParamsSchema },
    responses: { 200: jsonContent(ChannelSchema, 'The channel'), ...errorResponses(400, 401, 404, 503) },
  }),
  update: createRoute({
    method: 'patch',
    path: '/channels/{id}',
    operationId: 'updateChannel',
    tags,
    summary: 'Change a channel, mute or unmute it (secrets not sent are kept)',
    middleware: [requireRole('admin')] as const,
    request: { params: IdParamsSchema, body: jsonBody(UpdateChannelSchema) },
    responses: { 200: jsonContent(ChannelSchema, 'Changed'), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503) },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/channels/{id}',
    operationId: 'deleteChannel',
    tags,
    summary: 'Delete a channel, its deliveries and its place in every rule',
    middleware: [requireRole('admin')] as const,
    request: { params: IdParamsSchema },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 503) },
  }),
  test: createRoute({
    method: 'post',
    path: '/channels/{id}/test',
    operationId: 'testChannel',
    tags,
    summary: 'Send a test message now and answer with the outcome (the channel is not changed)',
    middleware: [requireRole('admin')] as const,
    request: { params: IdParamsSchema },
    responses: { 200: jsonContent(TestResultSchema, 'What the receiver did'), ...errorResponses(400, 401, 403, 404, 503) },
  }),
  deliveries: createRoute({
    method: 'get',
    path: '/channels/{id}/deliveries',
    operationId: 'listChannelDeliveries',
    tags,
    summary: "The channel's deliveries, newest first (?state=dead: the ones given up on)",
    request: {
      params: IdParamsSchema,
      query: z.strictObject({
        state: z.enum(channels.DELIVERY_STATES).optional(),
        ...pageQuerySchema(50, 200),
      }),
    },
    responses: {
      200: jsonContent(z.object({ items: z.array(DeliverySchema), nextCursor: NextCursorSchema }), 'Newest first'),
      ...errorResponses(400, 401, 404, 503),
    },
  }),
  redeliver: createRoute({
    method: 'post',
    path: '/deliveries/{id}/redeliver',
    operationId: 'redeliver',
    tags,
    summary: 'Send a dead or failed delivery again (same idempotency key, attempts from zero)',
    middleware: [requireRole('admin')] as const,
    request: { params: IdParamsSchema },
    responses: { 200: jsonContent(DeliverySchema, 'Queued again'), ...errorResponses(400, 401, 403, 404, 409, 503) },
  }),
};

/** Checks a value against a kind's schema, answering 400 with the failing fields under `field`. */
function validated<T>(schema: z.ZodType<T>, value: unknown, field: 'settings' | 'secrets', kind: ChannelKind): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: [field, ...i.path].join('.'), message: i.message, code: i.code }));
  throw new AppError({
    code: 'VALIDATION_FAILED',
    message: `Invalid body: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')} (for a ${kind} channel)`,
    details: { issues },
  });
}

const sealedOf = (notifier: Notifier, id: string, secrets: Record<string, string>): channels.SealedSecrets => {
  const names = Object.keys(secrets).sort();
  return { sealed: names.length ? notifier.secretBox.seal(id, secrets) : null, names };
};

/** Channels (viewers read, admins change) and the deliveries made through them. */
export function channelRoutes(db: Database, notifier: Notifier) {
  return createRouter()
    .openapi(routes.list, async (c) => {
      const query = c.req.valid('query');
      const rows = await db.read((sql) => channels.listChannels(sql, pageRequest(query, 'channels')));
      const { items, nextCursor } = pageOf(rows, query, 'channels', (ch) => ({ keys: [ch.name], id: ch.id }));
      return c.json({ items: items.map(wireChannel), nextCursor }, 200);
    })
    .openapi(routes.create, async (c) => {
      const body = c.req.valid('json');
      const sender = notifier.senders[body.kind];
      const settings = validated(sender.settingsSchema, body.settings ?? {}, 'settings', body.kind);
      const secrets = validated(sender.secretsSchema, body.secrets ?? {}, 'secrets', body.kind);
      const id = randomUUID();
      const channel = await db.write((sql) =>
        channels.createChannel(
          sql,
          { id, kind: body.kind, name: body.name, settings, secrets: sealedOf(notifier, id, secrets), muted: body.muted ?? false },
          c.get('principal').actor
        )
      );
      c.header('Location', `/api/channels/${channel.id}`);
      return c.json(wireChannel(channel), 201);
    })
    .openapi(routes.get, async (c) => {
      const { id } = c.req.valid('param');
      return c.json(wireChannel(await db.read((sql) => channels.getChannel(sql, id))), 200);
    })
    .openapi(routes.update, async (c) => {
      const { id } = c.req.valid('param');
      const { version, ...body } = c.req.valid('json');
      const channel = await db.write((sql) =>
        channels.updateChannel(sql, id, version, (current) => {
          const sender = notifier.senders[current.kind];
          const settings = body.settings ? validated(sender.settingsSchema, body.settings, 'settings', current.kind) : undefined;
          let secrets: channels.SealedSecrets | undefined;
          if (body.secrets) {
            const stored = current.secrets ? notifier.secretBox.open(id, current.secrets) : {};
            const merged: Record<string, string> = { ...stored };
            for (const [name, value] of Object.entries(body.secrets)) {
              if (value === null) delete merged[name];
              else merged[name] = value;
            }
            secrets = sealedOf(notifier, id, validated(sender.secretsSchema, merged, 'secrets', current.kind));
          }
          return { name: body.name, settings: settings as Record<string, unknown> | undefined, secrets, muted: body.muted };
        })
      );
      return c.json(wireChannel(channel), 200);
    })
    .openapi(routes.delete, async (c) => {
      const { id } = c.req.valid('param');
      await db.write((sql) => channels.deleteChannel(sql, id));
      return c.body(null, 204);
    })
    .openapi(routes.test, async (c) => {
      const { id } = c.req.valid('param');
      const channel = await db.read((sql) => channels.getSealedChannel(sql, id));
      const secrets = channel.secrets ? notifier.secretBox.open(id, channel.secrets) : {};
      const started = performance.now();
      const target = { id, kind: channel.kind, name: channel.name, settings: channel.settings, secrets };
      const message = testMessage(channel.name, notifier.warRoomUrl('').replace(/\/incidents\/$/, ''), new Date());
      try {
        await sendBounded(notifier.senders[channel.kind], target, message, notifier.sendTimeoutMs);
        return c.json({ delivered: true, error: null, status: null, isPermanent: false, durationMs: Math.round(performance.now() - started) }, 200);
      } catch (err) {
        const failure = err as DeliveryError;
        return c.json(
          {
            delivered: false,
            error: describeError(failure.message, secrets),
            status: failure.details?.status ?? null,
            isPermanent: failure.kind === 'permanent',
            durationMs: Math.round(performance.now() - started),
          },
          200
        );
      }
    })
    .openapi(routes.deliveries, async (c) => {
      const { id } = c.req.valid('param');
      const { state, ...query } = c.req.valid('query');
      const rows = await db.read((sql) => channels.listChannelDeliveries(sql, id, { state }, pageRequest(query, 'deliveries')));
      const { items, nextCursor } = pageOf(rows, query, 'deliveries', (d) => ({ keys: [d.createdAt.toISOString()], id: d.id }));
      return c.json({ items: items.map(wireDelivery), nextCursor }, 200);
    })
    .openapi(routes.redeliver, async (c) => {
      const { id } = c.req.valid('param');
      return c.json(wireDelivery(await db.write((sql) => redeliver(sql, id))), 200);
    });
}
