import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { onCallAt, type Layer } from '../src/domain/rotations.js';
import type { OnCallPolicyStep, OnCallSchedule, OnCallShift } from '../src/import/oncallApi.js';
import { policyFromChain, serviceNameOf } from '../src/import/oncallEscalation.js';
import { layersFromShift, overrideFromShift } from '../src/import/oncallMapping.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const people = new Map(['UA', 'UB', 'UC'].map((id) => [id, { id: `person-${id}`, login: id.slice(1).toLowerCase() }]));
const personOf = (id: string) => people.get(id);
const web: OnCallSchedule = { id: 'SW', name: 'Web', type: 'web', time_zone: 'Europe/Berlin' };
const calendar: OnCallSchedule = { id: 'SC', name: 'Calendar', type: 'calendar', time_zone: 'Europe/Berlin' };

const rotation = (fields: Partial<OnCallShift>): OnCallShift => ({
  id: 'O1',
  name: 'Rotation',
  type: 'rolling_users',
  start: '2026-03-02T09:00:00',
  duration: 86_400,
  frequency: 'daily',
  interval: 1,
  rolling_users: [['UA'], ['UB']],
  ...fields,
});

/** The one layer a shift maps to (or none), and the notes. */
function oneLayer(...args: Parameters<typeof layersFromShift>) {
  const { layers, notes } = layersFromShift(...args);
  expect(layers.length).toBeLessThanOrEqual(1);
  return { layer: layers[0], notes };
}

/** The login on call at an instant, on a schedule of these layers. */
function whoAtLayers(layers: Array<Omit<Layer, 'id'>>, at: string): string | null {
  const schedule = { layers: layers.map((l, i) => ({ ...l, id: `layer-${i}` })), overrides: [] };
  const { personId } = onCallAt(schedule, Date.parse(at));
  return personId ? [...people.values()].find((p) => p.id === personId)!.login : null;
}

/** The login on call at an instant, on a schedule of that one layer. */
function whoAt(layer: Omit<Layer, 'id'> | undefined, at: string): string | null {
  expect(layer).toBeDefined();
  const { personId } = onCallAt({ layers: [{ ...layer!, id: 'layer' }], overrides: [] }, Date.parse(at));
  return personId ? [...people.values()].find((p) => p.id === personId)!.login : null;
}

describe('OnCall rotations as layers', () => {
  it('keeps a weekly business-hours rotation: restrictions on its weekdays, a new person each week from week_start, local hours across DST', () => {
    const { layer, notes } = oneLayer(
      rotation({ frequency: 'weekly', by_day: ['MO', 'TU', 'WE', 'TH', 'FR'], week_start: 'MO', duration: 8 * 3600 }),
      calendar,
      personOf,
      NOW
    );
    expect(notes).toEqual([]);
    expect(layer).toMatchObject({
      shiftLength: { unit: 'weeks', count: 1 },
      handOffDay: 1,
      handOffTime: '09:00',
      startDate: '2026-03-02',
      timeZone: 'Europe/Berlin',
      restrictions: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }],
    });
    expect(whoAt(layer, '2026-03-03T09:00:00Z')).toBe('a'); // Tuesday 10:00 CET
    expect(whoAt(layer, '2026-03-07T09:00:00Z')).toBeNull(); // Saturday
    expect(whoAt(layer, '2026-03-09T09:00:00Z')).toBe('b');
    expect(whoAt(layer, '2026-03-30T07:30:00Z')).toBe('a'); // Monday 09:30 CEST, after the change to summer time
    expect(whoAt(layer, '2026-03-30T06:30:00Z')).toBeNull();
  });

  it('starts the rotation where OnCall does: at rotation_start, the shift in progress for web schedules, the next one for API ones', () => {
    const shift = rotation({
      start: '2026-01-01T00:00:00',
      rotation_start: '2026-01-05T12:00:00',
      rolling_users: [['UA'], ['UB'], ['UC']],
    });
    expect(oneLayer(shift, web, personOf, NOW).layer).toMatchObject({
      startDate: '2026-01-05',
      handOffTime: '00:00',
      participants: ['person-UA', 'person-UB', 'person-UC'],
    });
    expect(oneLayer(shift, calendar, personOf, NOW).layer).toMatchObject({
      startDate: '2026-01-06',
      handOffTime: '00:00',
    });
    // A web schedule's shift without a zone is UTC (OnCall's own reading), a calendar schedule's is the schedule's.
    expect(oneLayer(shift, web, personOf, NOW).layer!.timeZone).toBe('UTC');
    expect(oneLayer(shift, calendar, personOf, NOW).layer!.timeZone).toBe('Europe/Berlin');
  });

  it('keeps a daily rotation over some weekdays only when counting those days gives the same order as counting every day', () => {
    const weekdays = rotation({
      by_day: ['MO', 'TU', 'WE', 'TH', 'FR'],
      duration: 8 * 3600,
      rolling_users: [['UA'], ['UB']],
    });
    const kept = oneLayer(weekdays, calendar, personOf, NOW).layer;
    expect(kept).toMatchObject({
      shiftLength: { unit: 'days', count: 1 },
      restrictions: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }],
    });
    expect(
      ['2026-03-06T10:00:00Z', '2026-03-09T10:00:00Z', '2026-03-10T10:00:00Z'].map((at) => whoAt(kept, at))
    ).toEqual(['a', 'b', 'a']);

    // Monday, Wednesday and Friday with two people: OnCall's own example of a schedule's final shifts (its API
    // reference, "Export a schedule's final shifts") alternates them day by day, which takes a layer per weekday.
    const { layers, notes } = layersFromShift(
      rotation({
        start: '2023-01-02T09:00:00',
        by_day: ['MO', 'WE', 'FR'],
        duration: 8 * 3600,
        rolling_users: [['UA'], ['UB']],
      }),
      { ...calendar, time_zone: 'UTC' },
      personOf,
      NOW
    );
    expect(notes).toEqual([]);
    expect(layers.map((l) => [l.name, l.handOffDay, l.startDate, l.participants])).toEqual([
      ['Rotation (Mon)', 1, '2023-01-02', ['person-UA', 'person-UB']],
      ['Rotation (Wed)', 3, '2023-01-04', ['person-UB', 'person-UA']],
      ['Rotation (Fri)', 5, '2023-01-06', ['person-UA', 'person-UB']],
    ]);
    const finalShifts = JSON.parse(
      readFileSync(new URL('./fixtures/oncall/schedule-final-shifts.json', import.meta.url), 'utf8')
    );
    const login = { alice: 'a', bob: 'b' } as Record<string, string>;
    for (const s of finalShifts.results as Array<{ user_username: string; shift_start: string; shift_end: string }>) {
      const end = new Date(Date.parse(s.shift_end) - 1000).toISOString();
      expect([whoAtLayers(layers, s.shift_start), whoAtLayers(layers, end)], s.shift_start).toEqual([
        login[s.user_username],
        login[s.user_username],
      ]);
    }
    expect(whoAtLayers(layers, '2023-01-03T12:00:00Z')).toBeNull();
  });

  it('reports rotations it cannot keep, and keeps those that end later with a note', () => {
    const reasonFor = (fields: Partial<OnCallShift>) =>
      oneLayer(rotation(fields), calendar, personOf, NOW).notes.map((n) => n.reason);
    expect(reasonFor({ until: '2025-06-01T00:00:00' })).toEqual([
      expect.stringMatching(/^it ended at 2025-05-31T22:00:00.000Z/),
    ]);
    expect(reasonFor({ frequency: 'hourly', interval: 12, duration: 4 * 3600 })[0]).toMatch(
      /every 12 hours with 4 h shifts has no studio equivalent/
    );
    expect(reasonFor({ by_monthday: [1] })[0]).toMatch(/days of the month/);
    expect(reasonFor({ rolling_users: [['UA'], ['UNKNOWN']] })[0]).toMatch(/nobody in its slot 2 was imported/);
    expect(reasonFor({ time_zone: 'Mars/Olympus' })[0]).toMatch(/not an IANA zone/);

    const later = oneLayer(rotation({ until: '2027-01-01T00:00:00' }), calendar, personOf, NOW);
    expect(later.layer).toBeDefined();
    expect(later.notes[0]!.reason).toMatch(/the studio's layer does not end/);
  });

  it('keeps a 12-hour rotation continuous and a weekly rotation with shorter shifts as day windows', () => {
    expect(
      oneLayer(rotation({ frequency: 'hourly', interval: 12, duration: 12 * 3600 }), calendar, personOf, NOW).layer
    ).toMatchObject({
      shiftLength: { unit: 'hours', count: 12 },
      handOffTime: '09:00',
    });
    // Monday 09:00 to Wednesday 17:00 each week.
    const { layer } = oneLayer(
      rotation({ frequency: 'weekly', duration: 2 * 86_400 + 8 * 3600 }),
      calendar,
      personOf,
      NOW
    );
    expect(layer!.restrictions).toEqual([
      { days: [1], start: '09:00', end: '00:00' },
      { days: [2], start: '00:00', end: '00:00' },
      { days: [3], start: '00:00', end: '17:00' },
    ]);
    expect(
      ['2026-03-03T12:00:00Z', '2026-03-04T17:00:00Z', '2026-03-09T12:00:00Z'].map((at) => whoAt(layer, at))
    ).toEqual(['a', null, 'b']);
  });
});

describe('OnCall overrides', () => {
  it('places an override in its zone, and leaves out one that is over', () => {
    const shift = rotation({
      type: 'override',
      start: '2026-07-01T08:00:00',
      duration: 3600,
      users: ['UB'],
      rolling_users: null,
    });
    expect(overrideFromShift(shift, calendar, personOf, NOW).override).toEqual({
      personId: 'person-UB',
      startsAt: new Date('2026-07-01T06:00:00Z'),
      endsAt: new Date('2026-07-01T07:00:00Z'),
      note: 'OnCall override Rotation',
    });
    expect(overrideFromShift({ ...shift, start: '2025-07-01T08:00:00' }, calendar, personOf, NOW)).toEqual({
      past: true,
      notes: [],
    });
  });
});

describe('OnCall escalation chains as policies', () => {
  const step = (position: number, fields: Partial<OnCallPolicyStep>): OnCallPolicyStep => ({
    id: `E${position}`,
    escalation_chain_id: 'F1',
    position,
    type: 'wait',
    ...fields,
  });

  it('adds waits to the page before them, notes a wait before the first page, a wait over 24 h and steps after a repeat', () => {
    const { steps, repeat, notes } = policyFromChain(
      'chain',
      [
        step(0, { duration: 120 }),
        step(1, { type: 'notify_persons', persons_to_notify: ['UA'] }),
        step(2, { duration: 86_400 }),
        step(3, { duration: 600 }),
        step(4, { type: 'notify_on_call_from_schedule', notify_on_call_from_schedule: 'SW' }),
        step(5, { type: 'repeat_escalation' }),
        step(6, { type: 'notify_persons', persons_to_notify: ['UB'] }),
      ],
      personOf,
      (id) => (id === 'SW' ? 'schedule-SW' : undefined)
    );
    expect(steps).toEqual([
      { target: { kind: 'person', personId: 'person-UA' }, waitMinutes: 1440, urgency: 'high' },
      { target: { kind: 'schedule', scheduleId: 'schedule-SW' }, waitMinutes: 0, urgency: 'high' },
    ]);
    expect(repeat).toBe(5);
    expect(notes.map((n) => n.reason)).toEqual([
      expect.stringMatching(/after "repeat escalation"/),
      'it waits 2 min before its first page; the studio pages at once',
      expect.stringMatching(/a wait of 1450 min is longer than the studio's 24 h/),
    ]);
  });

  it('drops a repeat that would page everyone at once, and names targets that were not imported', () => {
    const { steps, repeat, notes } = policyFromChain(
      'chain',
      [
        step(0, { type: 'notify_persons', persons_to_notify: ['UA', 'UZ'] }),
        step(1, { type: 'notify_on_call_from_schedule', notify_on_call_from_schedule: 'SX' }),
        step(2, { type: 'repeat_escalation' }),
      ],
      personOf,
      () => undefined
    );
    expect(steps).toHaveLength(1);
    expect(repeat).toBe(0);
    expect(notes.map((n) => n.reason)).toEqual([
      'OnCall user UZ was not imported',
      'its schedule SX was not imported',
      expect.stringMatching(/repeats without waiting/),
    ]);
  });
});

describe('service names', () => {
  it('makes catalog names of integration names', () => {
    expect(serviceNameOf('Grafana :blush:')).toBe('grafana-blush');
    expect(serviceNameOf('Ünïcode Alerts (prod)')).toBe('unicode-alerts-prod');
    expect(serviceNameOf('  --  ')).toBeUndefined();
  });
});
