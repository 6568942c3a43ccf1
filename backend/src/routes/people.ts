import { createRoute, z } from '@hono/zod-openapi';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, jsonContent } from '../http/openapi.js';
import type { Database } from '../store/db.js';
import * as people from '../store/people.js';
import { calendarFeed, CalendarFeedSchema, ContactMethodSchema, PersonSchema, TimeZoneSchema, wirePerson } from './onCallSchemas.js';
import { NextCursorSchema, pageOf, pageQuerySchema, pageRequest } from './pagination.js';

const PersonFields = {
  login: z.string().trim().min(1).max(100).openapi({ description: 'The Grafana login (unique)' }),
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320),
  timeZone: TimeZoneSchema,
  contactMethods: z.array(ContactMethodSchema).max(20).openapi({ description: 'In the order they are tried' }),
};

const CreatePersonSchema = z
  .strictObject({ ...PersonFields, contactMethods: PersonFields.contactMethods.optional() })
  .openapi('CreatePerson');

const UpdatePersonSchema = z
  .strictObject({
    version: z.number().int().min(1).max(2_147_483_647).optional().openapi({ description: 'A stale one gets 409' }),
    login: PersonFields.login.optional(),
    name: PersonFields.name.optional(),
    email: PersonFields.email.optional(),
    timeZone: PersonFields.timeZone.optional(),
    contactMethods: PersonFields.contactMethods.optional().openapi({ description: 'Replaces the list' }),
  })
  .openapi('UpdatePerson');

const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const tags = ['On call'];

const routes = {
  list: createRoute({
    method: 'get',
    path: '/people',
    operationId: 'listPeople',
    tags,
    summary: 'People who can be on call, by login, a page at a time',
    request: { query: z.strictObject(pageQuerySchema(200, 500)) },
    responses: {
      200: jsonContent(z.object({ items: z.array(PersonSchema), nextCursor: NextCursorSchema }), 'The people'),
      ...errorResponses(400, 401, 503),
    },
  }),
  create: createRoute({
    method: 'post',
    path: '/people',
    operationId: 'createPerson',
    tags,
    summary: 'Add a person (answers their calendar feed secret, once)',
    middleware: [requireRole('admin')] as const,
    request: { body: jsonBody(CreatePersonSchema) },
    responses: {
      201: jsonContent(PersonSchema.extend({ calendarFeed: CalendarFeedSchema }), 'Created'),
      ...errorResponses(400, 401, 403, 409, 413, 415, 503),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/people/{id}',
    operationId: 'getPerson',
    tags,
    summary: 'One person',
    request: { params: IdParamsSchema },
    responses: { 200: jsonContent(PersonSchema, 'The person'), ...errorResponses(400, 401, 404, 503) },
  }),
  update: createRoute({
    method: 'patch',
    path: '/people/{id}',
    operationId: 'updatePerson',
    tags,
    summary: 'Change a person',
    middleware: [requireRole('admin')] as const,
    request: { params: IdParamsSchema, body: jsonBody(UpdatePersonSchema) },
    responses: { 200: jsonContent(PersonSchema, 'Changed'), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503) },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/people/{id}',
    operationId: 'deletePerson',
    tags,
    summary: 'Delete a person and their overrides (409 while a schedule layer names them)',
    middleware: [requireRole('admin')] as const,
    request: { params: IdParamsSchema },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 409, 503) },
  }),
  rotateFeed: createRoute({
    method: 'post',
    path: '/people/{id}/calendar-feed',
    operationId: 'rotatePersonCalendarFeed',
    tags,
    summary: "Give the person's calendar feed a new secret URL (the old one stops working); answered once",
    middleware: [requireRole('admin')] as const,
    request: { params: IdParamsSchema },
    responses: { 200: jsonContent(CalendarFeedSchema, 'The new feed'), ...errorResponses(400, 401, 403, 404, 503) },
  }),
};

/** People (viewers read, admins change). */
export function peopleRoutes(db: Database, publicUrl: string) {
  return createRouter()
    .openapi(routes.list, async (c) => {
      const query = c.req.valid('query');
      const rows = await db.read((sql) => people.listPeople(sql, pageRequest(query, 'people')));
      const { items, nextCursor } = pageOf(rows, query, 'people', (p) => ({ keys: [p.login], id: p.id }));
      return c.json({ items: items.map(wirePerson), nextCursor }, 200);
    })
    .openapi(routes.create, async (c) => {
      const body = c.req.valid('json');
      const { person, feedToken } = await db.write((sql) =>
        people.createPerson(sql, { ...body, contactMethods: body.contactMethods ?? [] }, c.get('principal').actor)
      );
      c.header('Location', `/api/people/${person.id}`);
      return c.json({ ...wirePerson(person), calendarFeed: calendarFeed(publicUrl, feedToken) }, 201);
    })
    .openapi(routes.get, async (c) => {
      const { id } = c.req.valid('param');
      return c.json(wirePerson(await db.read((sql) => people.getPerson(sql, id))), 200);
    })
    .openapi(routes.update, async (c) => {
      const { id } = c.req.valid('param');
      const { version, ...changes } = c.req.valid('json');
      const person = await db.write((sql) => people.updatePerson(sql, id, version, changes, c.get('principal').actor));
      return c.json(wirePerson(person), 200);
    })
    .openapi(routes.delete, async (c) => {
      const { id } = c.req.valid('param');
      await db.write((sql) => people.deletePerson(sql, id, c.get('principal').actor));
      return c.body(null, 204);
    })
    .openapi(routes.rotateFeed, async (c) => {
      const { id } = c.req.valid('param');
      const token = await db.write((sql) => people.rotatePersonFeed(sql, id, c.get('principal').actor));
      return c.json(calendarFeed(publicUrl, token), 200);
    });
}
