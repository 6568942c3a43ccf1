/**
 * Calendars: the on-call feed of a person or a schedule at a secret URL (no API token: the secret is the
 * credential, so a wrong one is 404 as if no such feed), and importing a schedule's shifts from an .ics file.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { readCalendar, writeCalendar, type CalendarShift } from '../calendar/ical.js';
import { AppError } from '../domain/errors.js';
import { timeline, type Segment } from '../domain/rotations.js';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, jsonContent } from '../http/openapi.js';
import type { Database } from '../store/db.js';
import * as people from '../store/people.js';
import * as schedules from '../store/schedules.js';
import { invalid } from './schedules.js';
import { OverrideSchema, ScheduleSchema, TimeZoneSchema, wireOverride, wireSchedule } from './onCallSchemas.js';

const DAY_MS = 86_400_000;
/** How far ahead a feed shows, and how far ahead an import reads recurring events. */
export const FEED_HORIZON_MS = 56 * DAY_MS;

const FeedParamsSchema = z.object({
  file: z
    .string()
    .regex(/^cal_[A-Za-z0-9_-]{43}\.ics$/, { message: 'must be <token>.ics' })
    .openapi({ param: { name: 'file', in: 'path' }, example: 'cal_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG.ics' }),
});

const ImportSchema = z
  .strictObject({
    calendar: z.string().min(1).openapi({ description: 'The .ics file as text' }),
    scheduleId: z.uuid().optional().openapi({ description: 'Add the shifts to this schedule as overrides' }),
    name: z.string().trim().min(1).max(100).optional().openapi({ description: 'Without scheduleId: the new schedule\'s name' }),
    timeZone: TimeZoneSchema.optional().openapi({ description: "Floating times are read in it (default: the schedule's, else UTC)" }),
  })
  .openapi('ImportSchedule');

const UnmappedSchema = z
  .object({ uid: z.string(), summary: z.string(), start: z.iso.datetime().nullable(), reason: z.string() })
  .openapi('UnmappedEvent');

const routes = {
  feed: createRoute({
    method: 'get',
    path: '/{file}',
    operationId: 'getCalendarFeed',
    tags: ['On call'],
    summary: "A person's or a schedule's shifts for the next 8 weeks as iCalendar (the secret URL is the credential)",
    security: [],
    request: { params: FeedParamsSchema },
    responses: {
      200: { description: 'text/calendar', content: { 'text/calendar': { schema: z.string() } } },
      ...errorResponses(400, 404, 429, 503),
    },
  }),
  import: createRoute({
    method: 'post',
    path: '/schedules/import',
    operationId: 'importSchedule',
    tags: ['On call'],
    summary: 'Import shifts from an iCalendar file as overrides (of a schedule, or of a new one); says what could not be mapped',
    middleware: [requireRole('admin')] as const,
    request: { body: { required: true, content: { 'application/json': { schema: ImportSchema } } } },
    responses: {
      200: jsonContent(
        z.object({ schedule: ScheduleSchema, overrides: z.array(OverrideSchema), unmapped: z.array(UnmappedSchema) }),
        'Imported (a new schedule, or overrides added to the one named)'
      ),
      ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503),
    },
  }),
};

const shiftOf = (scheduleId: string, scheduleName: string, s: Segment, person: people.Person): CalendarShift => ({
  uid: `${scheduleId}-${s.start}-${person.id}@reliability-studio`,
  start: s.start,
  end: s.end,
  summary: `On call: ${person.name} (${scheduleName})`,
  description: s.reason.kind === 'override' ? 'Override' : `Rotation of ${scheduleName}`,
  attendee: { name: person.name, email: person.email },
});

/** GET /ical/<token>.ics: no API token, rate-limited per address in app.ts. */
export function calendarFeedRoutes(db: Database) {
  return createRouter().openapi(routes.feed, async (c) => {
    const token = c.req.valid('param').file.slice(0, -'.ics'.length);
    const now = Date.now();
    const text = await db.read(async (sql) => {
      const person = await people.personByFeedToken(sql, token);
      const schedule = person ? undefined : await schedules.scheduleByFeedToken(sql, token);
      if (!person && !schedule) throw new AppError({ code: 'NOT_FOUND', message: 'No calendar feed at this address' });
      const loaded = await schedules.loadSchedules(sql, new Date(now), new Date(now + FEED_HORIZON_MS), schedule ? [schedule.id] : undefined);
      const segments = loaded.flatMap(({ record, schedule: s }) =>
        timeline(s, now, now + FEED_HORIZON_MS)
          .filter((seg) => seg.personId !== null && (!person || seg.personId === person.id))
          .map((seg) => ({ record, seg }))
      );
      const named = await people.peopleByIds(sql, [...new Set(segments.map((x) => x.seg.personId!))]);
      const shifts = segments.flatMap(({ record, seg }) => {
        const who = named.get(seg.personId!);
        return who ? [shiftOf(record.id, record.name, seg, who)] : [];
      });
      shifts.sort((a, b) => a.start - b.start);
      return writeCalendar(person ? `On call: ${person.name}` : `On call: ${schedule!.name}`, shifts, now);
    });
    c.header('Cache-Control', 'private, max-age=300');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(text, 200, { 'Content-Type': 'text/calendar; charset=utf-8' });
  });
}

/** Whose shift an event is: an attendee's address, else one person's login or name in the attendee or summary. */
function personOf(event: { summary: string; attendees: Array<{ email: string | null; name: string | null }> }, everyone: people.Person[]) {
  for (const a of event.attendees) {
    const byEmail = a.email ? everyone.find((p) => p.email.toLowerCase() === a.email) : undefined;
    if (byEmail) return byEmail;
  }
  const text = [event.summary, ...event.attendees.map((a) => a.name ?? '')].join(' ').toLowerCase();
  const words = (s: string) => new RegExp(`(^|[^\\p{L}\\p{N}])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}\\p{N}])`, 'u');
  const named = everyone.filter((p) => words(p.login.toLowerCase()).test(text) || words(p.name.toLowerCase()).test(text));
  return named.length === 1 ? named[0] : named.length > 1 ? ('ambiguous' as const) : undefined;
}

/** POST /api/schedules/import. */
export function scheduleImportRoutes(db: Database) {
  return createRouter().openapi(routes.import, async (c) => {
    const body = c.req.valid('json');
    if (!body.scheduleId && !body.name) throw invalid('name', 'is required without scheduleId (the new schedule is named by it)');
    const actor = c.get('principal').actor;
    const answer = await db.write(async (sql) => {
      const existing = body.scheduleId ? await schedules.getSchedule(sql, body.scheduleId) : undefined;
      const zone = body.timeZone ?? existing?.timeZone ?? 'UTC';
      const now = Date.now();
      let read;
      try {
        read = readCalendar(body.calendar, now, now + FEED_HORIZON_MS, zone);
      } catch (err) {
        throw invalid('calendar', `is not an iCalendar file (${err instanceof Error ? err.message : String(err)})`.slice(0, 300));
      }
      const everyone = await people.listPeople(sql);
      const unmapped = read.unreadable.map((u) => ({ ...u, start: null as string | null }));
      const overrides: Array<schedules.NewOverride & { path: string }> = [];
      for (const event of read.events) {
        const who = personOf(event, everyone);
        if (!who || who === 'ambiguous') {
          const reason = who ? 'names more than one person' : 'names nobody known (no attendee address, login or name matches)';
          unmapped.push({ uid: event.uid, summary: event.summary, start: new Date(event.start).toISOString(), reason });
          continue;
        }
        const note = `imported: ${event.summary}`.slice(0, 500);
        overrides.push({ personId: who.id, startsAt: new Date(event.start), endsAt: new Date(event.end), note, path: 'calendar' });
      }
      if (existing) {
        const created = await schedules.createOverrides(sql, existing.id, overrides, actor);
        return { schedule: existing, overrides: created, unmapped };
      }
      const input = { name: body.name!, description: 'Imported from an iCalendar file', timeZone: zone, layers: [] };
      const created = await schedules.createSchedule(sql, input, actor, overrides);
      return { schedule: created.schedule, overrides: created.overrides, unmapped };
    });
    return c.json({ schedule: wireSchedule(answer.schedule), overrides: answer.overrides.map(wireOverride), unmapped: answer.unmapped }, 200);
  });
}
