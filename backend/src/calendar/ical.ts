/**
 * iCalendar (RFC 5545) in and out, with ical.js (Mozilla's, also Thunderbird's): on-call shifts written as a
 * calendar feed, and a calendar file read back as shifts for someone. No I/O here.
 */
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { isValidTimeZone } from '../domain/rotations.js';

export interface CalendarShift {
  /** Stable across refreshes of the feed, so calendars update an event instead of adding another. */
  uid: string;
  start: number;
  end: number;
  summary: string;
  description: string;
  attendee?: { name: string; email: string };
}

const PRODID = '-//Reliability Studio//On call//EN';

/** A VCALENDAR of the shifts, times in UTC (so no VTIMEZONE is needed and every client reads them alike). */
export function writeCalendar(name: string, shifts: CalendarShift[], now = Date.now()): string {
  const calendar = new ICAL.Component(['vcalendar', [], []]);
  calendar.addPropertyWithValue('prodid', PRODID);
  calendar.addPropertyWithValue('version', '2.0');
  calendar.addPropertyWithValue('calscale', 'GREGORIAN');
  calendar.addPropertyWithValue('x-wr-calname', name);
  // Calendar clients that honour it poll hourly; shifts change with overrides.
  calendar.addPropertyWithValue('refresh-interval', ICAL.Duration.fromString('PT1H')).setParameter('value', 'DURATION');
  const stamp = ICAL.Time.fromJSDate(new Date(now), true);
  for (const shift of shifts) {
    const event = new ICAL.Component('vevent');
    event.addPropertyWithValue('uid', shift.uid);
    event.addPropertyWithValue('dtstamp', stamp);
    event.addPropertyWithValue('dtstart', ICAL.Time.fromJSDate(new Date(shift.start), true));
    event.addPropertyWithValue('dtend', ICAL.Time.fromJSDate(new Date(shift.end), true));
    event.addPropertyWithValue('summary', shift.summary);
    event.addPropertyWithValue('description', shift.description);
    event.addPropertyWithValue('transp', 'TRANSPARENT');
    if (shift.attendee) {
      const attendee = event.addPropertyWithValue('attendee', `mailto:${shift.attendee.email}`);
      attendee.setParameter('cn', shift.attendee.name);
    }
    calendar.addSubcomponent(event);
  }
  return calendar.toString();
}

export interface ReadEvent {
  uid: string;
  summary: string;
  start: number;
  end: number;
  /** Attendees' addresses (mailto: taken off) and common names. */
  attendees: Array<{ email: string | null; name: string | null }>;
}

export interface ReadCalendar {
  events: ReadEvent[];
  /** Events that could not be read as a timed range, and why. */
  unreadable: Array<{ uid: string; summary: string; reason: string }>;
}

/**
 * The events of a calendar file overlapping [from, to), recurring ones expanded (at most `maxOccurrences` in
 * all). A time with a TZID is read in that IANA zone (through luxon) unless the file defines it; a floating time
 * in `defaultZone`. Throws a SyntaxError-like error for a file that is not iCalendar.
 */
export function readCalendar(text: string, from: number, to: number, defaultZone: string, maxOccurrences = 2000): ReadCalendar {
  const root = new ICAL.Component(ICAL.parse(text));
  if (root.name !== 'vcalendar') throw new Error(`not a VCALENDAR but ${root.name.toUpperCase()}`);
  for (const zone of root.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(zone);
  const events: ReadEvent[] = [];
  const unreadable: ReadCalendar['unreadable'] = [];
  for (const component of root.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(component);
    const uid = event.uid ?? '';
    const summary = event.summary ?? '';
    if (!event.startDate || event.startDate.isDate) {
      unreadable.push({ uid, summary, reason: event.startDate ? 'an all-day event has no hand-off time' : 'no DTSTART' });
      continue;
    }
    const tzid = component.getFirstProperty('dtstart')?.getParameter('tzid');
    const instantOf = (time: ICAL.Time) => toInstant(time, typeof tzid === 'string' ? tzid : undefined, defaultZone);
    const attendees = event.attendees.map((a) => {
      const value = String(a.getFirstValue() ?? '');
      const cn = a.getParameter('cn');
      return { email: /^mailto:/i.test(value) ? value.slice(7).toLowerCase() : null, name: typeof cn === 'string' ? cn : null };
    });
    const length = instantOf(event.endDate) - instantOf(event.startDate);
    if (!(length > 0)) {
      unreadable.push({ uid, summary, reason: 'ends before it starts' });
      continue;
    }
    if (!event.isRecurring()) {
      const start = instantOf(event.startDate);
      if (start < to && start + length > from) events.push({ uid, summary, start, end: start + length, attendees });
      continue;
    }
    const occurrences = event.iterator();
    for (let next = occurrences.next(); next; next = occurrences.next()) {
      const start = instantOf(next);
      if (start >= to) break;
      if (start + length > from) events.push({ uid: `${uid}/${new Date(start).toISOString()}`, summary, start, end: start + length, attendees });
      if (events.length >= maxOccurrences) break;
    }
  }
  return { events, unreadable };
}

function toInstant(time: ICAL.Time, tzid: string | undefined, defaultZone: string): number {
  const zone = time.zone?.tzid;
  if (zone === 'UTC' || (zone && zone !== 'floating')) return time.toJSDate().getTime();
  const named = tzid && isValidTimeZone(tzid) ? tzid : defaultZone;
  return DateTime.fromObject(
    { year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second },
    { zone: named }
  ).toMillis();
}
