/** Wire shapes of people, schedules, overrides and on-call answers, shared by their route files. */
import { z } from '@hono/zod-openapi';
import { isCalendarDate, isTimeOfDay, isValidTimeZone, SHIFT_UNITS, type Segment } from '../domain/rotations.js';
import { iso } from '../http/openapi.js';
import { CONTACT_KINDS, type Person } from '../store/people.js';
import type { OverrideRecord, ScheduleRecord } from '../store/schedules.js';

export const TimeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(isValidTimeZone, { message: 'not an IANA time zone (e.g. Europe/Berlin)' })
  .openapi({ description: 'An IANA time zone', example: 'Europe/Berlin' });

const TimeOfDaySchema = z
  .string()
  .refine(isTimeOfDay, { message: 'must be HH:MM (00:00–23:59)' })
  .openapi({ example: '09:00', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' });

/** Rotations are evaluated months either side of an instant; these years keep every bound storable. */
const INSTANT_RANGE = [Date.UTC(1970, 0, 1), Date.UTC(9000, 0, 1)] as const;
const InstantSchema = z.iso
  .datetime({ offset: true })
  .refine((t) => Date.parse(t) >= INSTANT_RANGE[0] && Date.parse(t) < INSTANT_RANGE[1], { message: 'must be between 1970 and 9000' })
  .openapi({ example: '2026-03-02T09:00:00Z' });
export { InstantSchema };

export const ContactMethodSchema = z
  .strictObject({
    kind: z.enum(CONTACT_KINDS),
    target: z.string().trim().min(1).max(320).openapi({
      description: 'email: an address; ntfy: a topic; slack: a mention (@alice, <@U123>); webhook: a label sent along',
    }),
    channelId: z.uuid().optional().openapi({ description: 'The channel that carries it (required for slack and webhook)' }),
  })
  .refine((m) => m.kind !== 'email' || z.email().safeParse(m.target).success, { message: 'not an email address', path: ['target'] })
  .refine((m) => !['slack', 'webhook'].includes(m.kind) || m.channelId, { message: 'required for slack and webhook', path: ['channelId'] })
  .openapi('ContactMethod');

export const PersonSchema = z
  .object({
    id: z.uuid(),
    login: z.string().openapi({ description: 'The Grafana login' }),
    name: z.string(),
    email: z.string(),
    timeZone: z.string(),
    contactMethods: z.array(ContactMethodSchema).openapi({ description: 'In the order they are tried' }),
    hasCalendarFeed: z.boolean(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int(),
  })
  .openapi('Person');

export const CalendarFeedSchema = z
  .object({
    token: z.string().openapi({ description: 'Shown once: the URL is the credential (rotate it if it leaks)' }),
    url: z.string().openapi({ description: 'STUDIO_PUBLIC_URL/ical/<token>.ics: subscribe to it from any calendar' }),
  })
  .openapi('CalendarFeed');

export const RestrictionSchema = z
  .strictObject({
    days: z.array(z.number().int().min(1).max(7)).min(1).max(7).openapi({ description: 'ISO weekdays: 1 Monday … 7 Sunday' }),
    start: TimeOfDaySchema,
    end: TimeOfDaySchema.openapi({ description: 'Not after start: the window ends the next day' }),
  })
  .openapi('Restriction');

export const LayerInputSchema = z
  .strictObject({
    id: z.uuid().optional().openapi({ description: 'Kept when given (overrides and timelines name layers by it)' }),
    name: z.string().trim().min(1).max(100),
    participants: z.array(z.uuid()).min(1).max(100).openapi({ description: 'Person ids, in rotation order' }),
    shiftLength: z.strictObject({ unit: z.enum(SHIFT_UNITS), count: z.number().int().min(1).max(1000) }),
    handOffTime: TimeOfDaySchema,
    handOffDay: z.number().int().min(1).max(7).optional().openapi({ description: 'Weekly shifts: ISO weekday of the hand-off' }),
    startDate: z.string().refine(isCalendarDate, { message: 'must be a YYYY-MM-DD date' }).openapi({ example: '2026-03-02' }),
    timeZone: TimeZoneSchema.optional().openapi({ description: "Default: the schedule's" }),
    restrictions: z.array(RestrictionSchema).max(20).optional(),
  })
  .openapi('LayerInput');

export const LayerSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    participants: z.array(z.uuid()),
    shiftLength: z.object({ unit: z.enum(SHIFT_UNITS), count: z.number().int() }),
    handOffTime: z.string(),
    handOffDay: z.number().int().optional(),
    startDate: z.string(),
    timeZone: z.string(),
    restrictions: z.array(RestrictionSchema).optional(),
  })
  .openapi('Layer');

export const ScheduleSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    timeZone: z.string(),
    layers: z.array(LayerSchema).openapi({ description: 'Bottom first: a later layer wins where it has someone' }),
    hasCalendarFeed: z.boolean(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int(),
  })
  .openapi('Schedule');

export const OverrideSchema = z
  .object({
    id: z.uuid(),
    scheduleId: z.uuid(),
    personId: z.uuid(),
    start: z.iso.datetime(),
    end: z.iso.datetime(),
    note: z.string(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Override');

const ReasonSchema = z
  .object({
    kind: z.enum(['layer', 'override', 'gap']),
    layerId: z.uuid().optional(),
    overrideId: z.uuid().optional(),
  })
  .openapi('OnCallReason');

export const SegmentSchema = z
  .object({
    personId: z.uuid().nullable().openapi({ description: 'Null: nobody is on call (a gap)' }),
    personName: z.string().nullable(),
    start: z.iso.datetime(),
    end: z.iso.datetime(),
    reason: ReasonSchema,
  })
  .openapi('OnCallSegment');

export const OnCallSchema = z
  .object({
    scheduleId: z.uuid(),
    scheduleName: z.string(),
    at: z.iso.datetime(),
    current: SegmentSchema.openapi({ description: 'Who is on call at `at`, from the last change to the next' }),
    next: SegmentSchema.nullable().openapi({ description: 'Who takes over at current.end; null: no change within 120 days' }),
  })
  .openapi('OnCall');

export const wirePerson = (p: Person) => ({ ...p, createdAt: iso(p.createdAt), updatedAt: iso(p.updatedAt) });

export const wireSchedule = (s: ScheduleRecord) => ({ ...s, createdAt: iso(s.createdAt), updatedAt: iso(s.updatedAt) });

export const wireOverride = ({ startsAt, endsAt, ...o }: OverrideRecord) => ({
  ...o,
  start: iso(startsAt),
  end: iso(endsAt),
  createdAt: iso(o.createdAt),
});

export const wireSegment = (s: Segment, names: Map<string, string>) => ({
  personId: s.personId,
  personName: s.personId ? (names.get(s.personId) ?? null) : null,
  start: new Date(s.start).toISOString(),
  end: new Date(s.end).toISOString(),
  reason: s.reason,
});

export const calendarFeed = (publicUrl: string, token: string) => ({ token, url: `${publicUrl}/ical/${token}.ics` });
