import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '../domain/errors.js';
import { shiftAt, swapShifts, type Layer } from '../domain/rotations.js';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, jsonContent } from '../http/openapi.js';
import type { Database } from '../store/db.js';
import * as schedules from '../store/schedules.js';
import {
  calendarFeed,
  CalendarFeedSchema,
  InstantSchema,
  LayerInputSchema,
  OverrideSchema,
  ScheduleSchema,
  TimeZoneSchema,
  wireOverride,
  wireSchedule,
} from './onCallSchemas.js';
import { NextCursorSchema, pageOf, pageQuerySchema, pageRequest } from './pagination.js';

const DAY_MS = 86_400_000;
/** Overrides are for days and weeks of cover, not a second rota. */
const MAX_OVERRIDE_MS = 366 * DAY_MS;

const ScheduleFields = {
  name: z.string().trim().min(1).max(100),
  description: z.string().max(2000),
  timeZone: TimeZoneSchema,
  layers: z.array(LayerInputSchema).max(20).openapi({ description: 'Bottom first: a later layer wins where it has someone' }),
};

const CreateScheduleSchema = z
  .strictObject({
    ...ScheduleFields,
    description: ScheduleFields.description.optional(),
    layers: ScheduleFields.layers.optional(),
  })
  .openapi('CreateSchedule');

const UpdateScheduleSchema = z
  .strictObject({
    version: z.number().int().min(1).max(2_147_483_647).optional().openapi({ description: 'A stale one gets 409' }),
    name: ScheduleFields.name.optional(),
    description: ScheduleFields.description.optional(),
    timeZone: ScheduleFields.timeZone.optional().openapi({ description: "Layers keep their own zones; new layers without one get this" }),
    layers: ScheduleFields.layers.optional().openapi({ description: 'Replaces the layers' }),
  })
  .openapi('UpdateSchedule');

const CreateOverrideSchema = z
  .strictObject({
    personId: z.uuid(),
    start: InstantSchema.optional().openapi({ description: 'Default: now ("take the pager now")' }),
    end: InstantSchema,
    note: z.string().max(500).optional(),
  })
  .openapi('CreateOverride');

const SwapSchema = z
  .strictObject({
    layerId: z.uuid(),
    first: InstantSchema.openapi({ description: 'An instant inside the first shift' }),
    second: InstantSchema.openapi({ description: 'An instant inside the second shift' }),
    note: z.string().max(500).optional(),
  })
  .openapi('SwapShifts');

const OverrideParamsSchema = IdParamsSchema.extend({
  overrideId: z.uuid().openapi({ param: { name: 'overrideId', in: 'path' } }),
});

const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const tags = ['On call'];
const itemsOf = <T extends z.ZodType>(schema: T) => z.object({ items: z.array(schema) });
const pageOfSchema = <T extends z.ZodType>(schema: T) => z.object({ items: z.array(schema), nextCursor: NextCursorSchema });

const routes = {
  list: createRoute({
    method: 'get',
    path: '/schedules',
    operationId: 'listSchedules',
    tags,
    summary: 'Schedules, by name, a page at a time',
    request: { query: z.strictObject(pageQuerySchema(200, 500)) },
    responses: { 200: jsonContent(pageOfSchema(ScheduleSchema), 'The schedules'), ...errorResponses(400, 401, 503) },
  }),
  create: createRoute({
    method: 'post',
    path: '/schedules',
    operationId: 'createSchedule',
    tags,
    summary: 'Add a schedule with its layers (answers its calendar feed secret, once)',
    middleware: [requireRole('admin')] as const,
    request: { body: jsonBody(CreateScheduleSchema) },
    responses: {
      201: jsonContent(ScheduleSchema.extend({ calendarFeed: CalendarFeedSchema }), 'Created'),
      ...errorResponses(400, 401, 403, 409, 413, 415, 503),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/schedules/{id}',
    operationId: 'getSchedule',
    tags,
    summary: 'One schedule',
    request: { params: IdParamsSchema },
    responses: { 200: jsonContent(ScheduleSchema, 'The schedule'), ...errorResponses(400, 401, 404, 503) },
  }),
  update: createRoute({
    method: 'patch',
    path: '/schedules/{id}',
    operationId: 'updateSchedule',
    tags,
    summary: 'Change a schedule (layers sent replace the layers)',
    middleware: [requireRole('admin')] as const,
    request: { params: IdParamsSchema, body: jsonBody(UpdateScheduleSchema) },
    responses: { 200: jsonContent(ScheduleSchema, 'Changed'), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503) },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/schedules/{id}',
    operationId: 'deleteSchedule',
    tags,
    summary: 'Delete a schedule and its overrides',
    middleware: [requireRole('admin')] as const,
    request: { params: IdParamsSchema },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 503) },
  }),
  rotateFeed: createRoute({
    method: 'post',
    path: '/schedules/{id}/calendar-feed',
    operationId: 'rotateScheduleCalendarFeed',
    tags,
    summary: "Give the schedule's calendar feed a new secret URL (the old one stops working); answered once",
    middleware: [requireRole('admin')] as const,
    request: { params: IdParamsSchema },
    responses: { 200: jsonContent(CalendarFeedSchema, 'The new feed'), ...errorResponses(400, 401, 403, 404, 503) },
  }),
  overrides: createRoute({
    method: 'get',
    path: '/schedules/{id}/overrides',
    operationId: 'listOverrides',
    tags,
    summary: 'Overrides not yet over (or touching ?from–?to), oldest created first',
    request: {
      params: IdParamsSchema,
      query: z.strictObject({ from: InstantSchema.optional(), to: InstantSchema.optional(), ...pageQuerySchema(200, 500) }),
    },
    responses: { 200: jsonContent(pageOfSchema(OverrideSchema), 'Later ones win where they overlap'), ...errorResponses(400, 401, 404, 503) },
  }),
  createOverride: createRoute({
    method: 'post',
    path: '/schedules/{id}/overrides',
    operationId: 'createOverride',
    tags,
    summary: 'Cover a range for someone; without `start`, take the pager from now until `end`',
    middleware: [requireRole('editor')] as const,
    request: { params: IdParamsSchema, body: jsonBody(CreateOverrideSchema) },
    responses: { 201: jsonContent(OverrideSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 413, 415, 503) },
  }),
  deleteOverride: createRoute({
    method: 'delete',
    path: '/schedules/{id}/overrides/{overrideId}',
    operationId: 'deleteOverride',
    tags,
    summary: 'Remove an override (the rotation shows through again)',
    middleware: [requireRole('editor')] as const,
    request: { params: OverrideParamsSchema },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 503) },
  }),
  swap: createRoute({
    method: 'post',
    path: '/schedules/{id}/swaps',
    operationId: 'swapShifts',
    tags,
    summary: "Swap two shifts of a layer: two overrides, each shift covered by the other's person",
    middleware: [requireRole('editor')] as const,
    request: { params: IdParamsSchema, body: jsonBody(SwapSchema) },
    responses: { 201: jsonContent(itemsOf(OverrideSchema), 'The two overrides'), ...errorResponses(400, 401, 403, 404, 413, 415, 503) },
  }),
};

/** Layers as stored: every one with an id and a zone. */
const normalise = (layers: z.infer<typeof LayerInputSchema>[], timeZone: string): Layer[] =>
  layers.map((l) => ({ ...l, id: l.id ?? randomUUID(), timeZone: l.timeZone ?? timeZone }));

export function invalid(path: string, message: string): AppError {
  return new AppError({
    code: 'VALIDATION_FAILED',
    message: `Invalid ${path.startsWith('query') ? 'query' : 'body'}: ${path.replace(/^query\./, '')} ${message}`,
    details: { issues: [{ path: path.replace(/^query\./, ''), message, code: 'custom' }] },
  });
}

/** Schedules with their layers and overrides (viewers read, admins change schedules, editors change overrides). */
export function scheduleRoutes(db: Database, publicUrl: string) {
  return createRouter()
    .openapi(routes.list, async (c) => {
      const query = c.req.valid('query');
      const rows = await db.read((sql) => schedules.listSchedules(sql, pageRequest(query, 'schedules')));
      const { items, nextCursor } = pageOf(rows, query, 'schedules', (s) => ({ keys: [s.name], id: s.id }));
      return c.json({ items: items.map(wireSchedule), nextCursor }, 200);
    })
    .openapi(routes.create, async (c) => {
      const body = c.req.valid('json');
      const input = { ...body, description: body.description ?? '', layers: normalise(body.layers ?? [], body.timeZone) };
      const { schedule, feedToken } = await db.write((sql) => schedules.createSchedule(sql, input, c.get('principal').actor));
      c.header('Location', `/api/schedules/${schedule.id}`);
      return c.json({ ...wireSchedule(schedule), calendarFeed: calendarFeed(publicUrl, feedToken) }, 201);
    })
    .openapi(routes.get, async (c) => {
      const { id } = c.req.valid('param');
      return c.json(wireSchedule(await db.read((sql) => schedules.getSchedule(sql, id))), 200);
    })
    .openapi(routes.update, async (c) => {
      const { id } = c.req.valid('param');
      const { version, layers, ...changes } = c.req.valid('json');
      const schedule = await db.write(async (sql) => {
        const zone = changes.timeZone ?? (layers?.some((l) => !l.timeZone) ? (await schedules.getSchedule(sql, id)).timeZone : 'UTC');
        const input = { ...changes, ...(layers ? { layers: normalise(layers, zone) } : {}) };
        return schedules.updateSchedule(sql, id, version, input, c.get('principal').actor);
      });
      return c.json(wireSchedule(schedule), 200);
    })
    .openapi(routes.delete, async (c) => {
      const { id } = c.req.valid('param');
      await db.write((sql) => schedules.deleteSchedule(sql, id, c.get('principal').actor));
      return c.body(null, 204);
    })
    .openapi(routes.rotateFeed, async (c) => {
      const { id } = c.req.valid('param');
      const token = await db.write((sql) => schedules.rotateScheduleFeed(sql, id, c.get('principal').actor));
      return c.json(calendarFeed(publicUrl, token), 200);
    })
    .openapi(routes.overrides, async (c) => {
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      const from = query.from ? new Date(query.from) : new Date();
      const to = query.to ? new Date(query.to) : new Date('9999-12-31T00:00:00Z');
      if (to <= from) throw invalid('query.to', 'must be after from');
      const rows = await db.read(async (sql) => {
        await schedules.getSchedule(sql, id);
        return schedules.listOverrides(sql, id, from, to, pageRequest(query, 'overrides'));
      });
      const { items, nextCursor } = pageOf(rows, query, 'overrides', (o) => ({ keys: [o.createdAt.toISOString()], id: o.id }));
      return c.json({ items: items.map(wireOverride), nextCursor }, 200);
    })
    .openapi(routes.createOverride, async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const startsAt = body.start ? new Date(body.start) : new Date();
      const endsAt = new Date(body.end);
      if (endsAt <= startsAt) throw invalid('end', body.start ? 'must be after start' : 'must be in the future (the override starts now)');
      if (endsAt.getTime() - startsAt.getTime() > MAX_OVERRIDE_MS) throw invalid('end', 'must be within 366 days of start');
      const [created] = await db.write((sql) =>
        schedules.createOverrides(sql, id, [{ personId: body.personId, startsAt, endsAt, note: body.note ?? '', path: 'personId' }], c.get('principal').actor)
      );
      c.header('Location', `/api/schedules/${id}/overrides/${created!.id}`);
      return c.json(wireOverride(created!), 201);
    })
    .openapi(routes.deleteOverride, async (c) => {
      const { id, overrideId } = c.req.valid('param');
      await db.write((sql) => schedules.deleteOverride(sql, id, overrideId, c.get('principal').actor));
      return c.body(null, 204);
    })
    .openapi(routes.swap, async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const created = await db.write(async (sql) => {
        const schedule = await schedules.getSchedule(sql, id);
        const layer = schedule.layers.find((l) => l.id === body.layerId);
        if (!layer) throw invalid('layerId', 'is not a layer of this schedule');
        const first = shiftAt(layer, Date.parse(body.first));
        const second = shiftAt(layer, Date.parse(body.second));
        if (!first) throw invalid('first', 'is before the rotation starts');
        if (!second) throw invalid('second', 'is before the rotation starts');
        if (first.index === second.index) throw invalid('second', 'is in the same shift as first');
        if (first.personId === second.personId) throw invalid('second', 'is a shift of the same person');
        const note = body.note ?? `swap of ${layer.name} shifts ${first.index} and ${second.index}`;
        const overrides = swapShifts(first, second).map((o) => ({
          personId: o.personId,
          startsAt: new Date(o.start),
          endsAt: new Date(o.end),
          note,
          path: 'layerId',
        }));
        return schedules.createOverrides(sql, id, overrides, c.get('principal').actor);
      });
      return c.json({ items: created.map(wireOverride) }, 201);
    });
}
