import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/store/tokens.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

/**
 * Calendar feeds at secret URLs, parsed back with ical.js, and importing a feed the studio exported.
 */
let sidecar: TestSidecar;
let editor: string;
const HOUR = 3_600_000;

beforeAll(async () => {
  sidecar = await startSidecar();
  editor = (await createApiToken(sidecar.sql, 'responder', 'editor')).token;
});
afterAll(() => sidecar.close());

const person = async (login: string, name: string) =>
  expectStatus(
    await sidecar.call('/api/people', { method: 'POST', json: { login, name, email: `${login}@example.com`, timeZone: 'Europe/Berlin' } }),
    201
  );

/** The events of a feed, as a calendar client would read them. */
function eventsOf(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents('vevent').map((v) => {
    const e = new ICAL.Event(v);
    return {
      uid: e.uid,
      summary: e.summary,
      start: e.startDate.toJSDate().getTime(),
      end: e.endDate.toJSDate().getTime(),
      attendee: String(e.attendees[0]?.getFirstValue()),
    };
  });
}

const onTheMinute = (ms: number) => new Date(Math.ceil(ms / 60_000) * 60_000).toISOString();
const feedPath = (url: string) => new URL(url).pathname;

describe('calendar feeds', () => {
  let ana: any;
  let ben: any;
  let rota: any;

  beforeAll(async () => {
    ana = await person('ana', 'Ana Alves');
    ben = await person('ben', 'Ben Brook');
    rota = await expectStatus(
      await sidecar.call('/api/schedules', {
        method: 'POST',
        json: {
          name: 'payments',
          timeZone: 'Europe/Berlin',
          layers: [{ name: 'primary', participants: [ana.id, ben.id], shiftLength: { unit: 'days', count: 1 }, handOffTime: '09:00', startDate: '2026-01-05' }],
        },
      }),
      201
    );
  });

  it("serves a schedule's next 8 weeks of shifts as text/calendar, without an API token", async () => {
    const res = await sidecar.call(feedPath(rota.calendarFeed.url), { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/calendar/);
    const events = eventsOf(await res.text());
    // 56 days of daily shifts (the first and last cut at the window's edges).
    expect(events.length).toBeGreaterThanOrEqual(56);
    expect(events.length).toBeLessThanOrEqual(57);
    for (let i = 1; i < events.length; i += 1) expect(events[i]!.start).toBe(events[i - 1]!.end);
    expect(new Set(events.map((e) => e.attendee))).toEqual(new Set(['mailto:ana@example.com', 'mailto:ben@example.com']));
    expect(events.every((e) => /^On call: (Ana Alves|Ben Brook) \(payments\)$/.test(e.summary))).toBe(true);
    const fullDay = events.find((e) => e.end - e.start === 24 * HOUR || e.end - e.start === 23 * HOUR || e.end - e.start === 25 * HOUR)!;
    expect(new Date(fullDay.start).toLocaleTimeString('en-GB', { timeZone: 'Europe/Berlin' })).toBe('09:00:00');
  });

  it("a person's feed has only their shifts, overrides included; rotating the secret retires the old URL", async () => {
    const override = await expectStatus(
      await sidecar.call(`/api/schedules/${rota.id}/overrides`, {
        method: 'POST',
        // On the minute: iCalendar times carry whole seconds.
        json: { personId: ana.id, start: onTheMinute(Date.now() + 10 * 24 * HOUR), end: onTheMinute(Date.now() + 12 * 24 * HOUR) },
        token: editor,
      }),
      201
    );
    const events = eventsOf(await (await sidecar.call(feedPath(ana.calendarFeed.url), { token: null })).text());
    expect(events.every((e) => e.attendee === 'mailto:ana@example.com')).toBe(true);
    expect(events.some((e) => e.start <= Date.parse(override.start) && e.end >= Date.parse(override.end))).toBe(true);
    const rotated = await expectStatus(await sidecar.call(`/api/people/${ana.id}/calendar-feed`, { method: 'POST' }), 200);
    const old = await sidecar.call(feedPath(ana.calendarFeed.url), { token: null });
    expect((await expectStatus(old, 404)).error.code).toBe('NOT_FOUND');
    expect((await sidecar.call(feedPath(rotated.url), { token: null })).status).toBe(200);
  });

  it('answers 404 for an unknown secret and 400 for a malformed one', async () => {
    const made = await sidecar.call(`/ical/cal_${'A'.repeat(43)}.ics`, { token: null });
    expect((await expectStatus(made, 404)).error.code).toBe('NOT_FOUND');
    const malformed = await sidecar.call('/ical/whatever.ics', { token: null });
    expect((await expectStatus(malformed, 400)).error.code).toBe('VALIDATION_FAILED');
  });

  it('imports a feed the studio exported: every shift maps back to its person, as overrides of a new schedule', async () => {
    const text = await (await sidecar.call(feedPath(rota.calendarFeed.url), { token: null })).text();
    const exported = eventsOf(text);
    const imported = await expectStatus(
      await sidecar.call('/api/schedules/import', { method: 'POST', json: { name: 'payments-copy', calendar: text } }),
      200
    );
    expect(imported.unmapped).toEqual([]);
    expect(imported.schedule).toMatchObject({ name: 'payments-copy', layers: [] });
    // The import reads from its own "now": the shift under way when it ran is cut at that instant.
    expect(imported.overrides.length).toBe(exported.length);
    const from = imported.overrides[1].start;
    const to = imported.overrides.at(-1).start;
    const [original, copy] = await Promise.all(
      [rota.id, imported.schedule.id].map(async (id) =>
        (await expectStatus(await sidecar.call(`/api/schedules/${id}/timeline?from=${from}&to=${to}`), 200)).segments.map(
          (s: { personId: string; start: string; end: string }) => [s.personId, s.start, s.end]
        )
      )
    );
    expect(copy).toEqual(original);
  });

  it('imports events naming people by summary into an existing schedule, and reports what it could not map', async () => {
    const target = await expectStatus(await sidecar.call('/api/schedules', { method: 'POST', json: { name: 'import-target', timeZone: 'America/New_York' } }), 201);
    const day = new Date(Date.now() + 3 * 24 * HOUR).toISOString().slice(0, 10).replaceAll('-', '');
    const calendar = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Elsewhere//EN',
      'BEGIN:VEVENT',
      'UID:one',
      'DTSTAMP:20260101T000000Z',
      `DTSTART;TZID=America/New_York:${day}T090000`,
      `DTEND;TZID=America/New_York:${day}T170000`,
      'SUMMARY:Ben Brook primary',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:two',
      'DTSTAMP:20260101T000000Z',
      `DTSTART:${day}T170000Z`,
      `DTEND:${day}T200000Z`,
      'SUMMARY:Zoe covers',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:three',
      'DTSTAMP:20260101T000000Z',
      `DTSTART;VALUE=DATE:${day}`,
      'SUMMARY:ana holiday',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const answer = await expectStatus(
      await sidecar.call('/api/schedules/import', { method: 'POST', json: { scheduleId: target.id, calendar } }),
      200
    );
    expect(answer.overrides).toHaveLength(1);
    expect(answer.overrides[0]).toMatchObject({ personId: ben.id });
    expect(new Date(answer.overrides[0].start).toLocaleTimeString('en-GB', { timeZone: 'America/New_York' })).toBe('09:00:00');
    expect(answer.unmapped.map((u: { uid: string }) => u.uid).sort()).toEqual(['three', 'two']);
    const notIcs = await sidecar.call('/api/schedules/import', { method: 'POST', json: { scheduleId: target.id, calendar: 'hello' } });
    expect((await expectStatus(notIcs, 400)).error.details.issues[0].path).toBe('calendar');
    const noName = await sidecar.call('/api/schedules/import', { method: 'POST', json: { calendar } });
    expect((await expectStatus(noName, 400)).error.details.issues[0].path).toBe('name');
    const asEditor = await sidecar.call('/api/schedules/import', { method: 'POST', json: { name: 'x', calendar }, token: editor });
    expect((await expectStatus(asEditor, 403)).error.code).toBe('FORBIDDEN');
    const unknown = await sidecar.call('/api/schedules/import', { method: 'POST', json: { scheduleId: '00000000-0000-4000-8000-00000000abcd', calendar } });
    expect((await expectStatus(unknown, 404)).error.code).toBe('SCHEDULE_NOT_FOUND');
  });
});
