import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  gaps,
  layerCoverage,
  mergeSegments,
  nextHandOff,
  onCallAt,
  shiftsOf,
  swapShifts,
  timeline,
  type Layer,
  type Override,
  type Schedule,
  type Segment,
} from '../src/domain/rotations.js';

/** The rotation maths (domain/rotations.ts): properties over random rotations, and daylight-saving weeks by hand. */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'UTC', 'Asia/Kolkata', 'Australia/Lord_Howe'];
const T0 = Date.UTC(2026, 0, 1);

const local = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();
const localTime = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm');

const layer = (over: Partial<Layer> = {}): Layer => ({
  id: 'l1',
  name: 'primary',
  participants: ['ana', 'ben', 'cho'],
  shiftLength: { unit: 'days', count: 1 },
  handOffTime: '09:00',
  startDate: '2026-01-01',
  timeZone: 'Europe/Berlin',
  ...over,
});

const time = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45)).map(
  ([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`
);
const restrictionArb = fc.record({
  days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
  start: time,
  end: time,
});
const layerArb = (id: string, withRestrictions: boolean) =>
  fc.record({
    id: fc.constant(id),
    name: fc.constant(id),
    participants: fc.uniqueArray(fc.constantFrom('ana', 'ben', 'cho', 'dev', 'eli'), { minLength: 1, maxLength: 5 }),
    shiftLength: fc.oneof(
      fc.record({ unit: fc.constant('hours' as const), count: fc.integer({ min: 1, max: 48 }) }),
      fc.record({ unit: fc.constant('days' as const), count: fc.integer({ min: 1, max: 10 }) }),
      fc.record({ unit: fc.constant('weeks' as const), count: fc.integer({ min: 1, max: 3 }) })
    ),
    handOffTime: time,
    handOffDay: fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
    startDate: fc.date({ min: new Date('2025-10-01'), max: new Date('2026-03-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    timeZone: fc.constantFrom(...ZONES),
    restrictions: withRestrictions ? fc.option(fc.array(restrictionArb, { minLength: 1, maxLength: 3 }), { nil: undefined }) : fc.constant(undefined),
  });
const instantArb = fc.integer({ min: T0, max: T0 + 365 * DAY });
const overrideArb = (i: number) =>
  fc.tuple(instantArb, fc.integer({ min: 1, max: 14 * DAY }), fc.constantFrom('ana', 'zed', 'yan')).map(
    ([start, length, personId]): Override => ({ id: `o${i}`, personId, start, end: start + length })
  );
const scheduleArb: fc.Arbitrary<Schedule> = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }))
  .chain(([layers, overrides]) =>
    fc.record({
      layers: fc.tuple(...Array.from({ length: layers }, (_, i) => layerArb(`l${i}`, true))),
      overrides: fc.tuple(...Array.from({ length: overrides }, (_, i) => overrideArb(i))),
    })
  );
const rangeArb = fc.tuple(instantArb, fc.integer({ min: 1, max: 30 * DAY })).map(([from, length]) => ({ from, to: from + length }));

function expectCovers(segments: Segment[], from: number, to: number) {
  expect(segments[0]!.start).toBe(from);
  expect(segments.at(-1)!.end).toBe(to);
  for (let i = 0; i < segments.length; i += 1) {
    expect(segments[i]!.end).toBeGreaterThan(segments[i]!.start);
    if (i > 0) expect(segments[i]!.start).toBe(segments[i - 1]!.end);
  }
}

describe('rotation properties', () => {
  it('a layer without restrictions has exactly one person on call at any instant after it starts', () => {
    fc.assert(
      fc.property(layerArb('l', false), instantArb, (l, t) => {
        const shifts = shiftsOf(l, t, t + 1);
        // The first hand-off is within a week of the start date.
        const startDate = Date.parse(l.startDate);
        const started = t >= shiftsOf(l, startDate - 2 * DAY, startDate + 9 * DAY)[0]!.start;
        expect(shifts.length).toBe(started ? 1 : 0);
        if (started) {
          expect(shifts[0]!.start).toBeLessThanOrEqual(t);
          expect(shifts[0]!.end).toBeGreaterThan(t);
          expect(shifts[0]!.personId).toBe(l.participants[shifts[0]!.index % l.participants.length]);
          expect(onCallAt({ layers: [l], overrides: [] }, t).personId).toBe(shifts[0]!.personId);
        }
      }),
      { numRuns: 500 }
    );
  });

  it("a layer's shifts over a range are contiguous and ordered, hand-offs at the hand-off time on the layer's clock", () => {
    fc.assert(
      fc.property(layerArb('l', false), rangeArb, (l, { from, to }) => {
        const shifts = shiftsOf(l, from, to);
        for (let i = 1; i < shifts.length; i += 1) {
          expect(shifts[i]!.start).toBe(shifts[i - 1]!.end);
          // One more, or two where an hour-long shift fell wholly in the skipped hour of a spring-forward night.
          expect(shifts[i]!.index - shifts[i - 1]!.index).toBeOneOf(l.shiftLength.unit === 'hours' ? [1, 2] : [1]);
        }
        // Days and weeks: every hand-off at the hand-off time unless that time did not exist that day.
        if (l.shiftLength.unit === 'hours') return;
        for (const s of shifts) {
          const at = DateTime.fromMillis(s.start, { zone: l.timeZone });
          const skipped = at.minus({ hours: 1 }).offset !== at.offset || at.minus({ minutes: 30 }).offset !== at.offset;
          if (!skipped) expect(at.toFormat('HH:mm')).toBe(l.handOffTime);
        }
      }),
      { numRuns: 300 }
    );
  });

  it('segments are contiguous, ordered, never repeat a neighbour, and cover the range', () => {
    fc.assert(
      fc.property(scheduleArb, rangeArb, (schedule, { from, to }) => {
        const segments = timeline(schedule, from, to);
        expectCovers(segments, from, to);
        for (let i = 1; i < segments.length; i += 1) {
          const [a, b] = [segments[i - 1]!, segments[i]!];
          expect(a.personId === b.personId && JSON.stringify(a.reason) === JSON.stringify(b.reason)).toBe(false);
        }
        expect(gaps(schedule, from, to)).toEqual(segments.filter((s) => s.personId === null));
      }),
      { numRuns: 300 }
    );
  });

  it('overrides win: inside the latest override covering an instant, its person is on call', () => {
    fc.assert(
      fc.property(scheduleArb, instantArb, (schedule, t) => {
        const covering = schedule.overrides.filter((o) => o.start <= t && t < o.end).at(-1);
        const now = onCallAt(schedule, t);
        if (covering) expect(now).toEqual({ personId: covering.personId, reason: { kind: 'override', overrideId: covering.id } });
        const [segment] = timeline(schedule, t, t + 1);
        expect(segment!.personId).toBe(now.personId);
        expect(segment!.reason).toEqual(now.reason);
      }),
      { numRuns: 500 }
    );
  });

  it('the top layer with someone wins where no override covers', () => {
    fc.assert(
      fc.property(scheduleArb, instantArb, (schedule, t) => {
        fc.pre(!schedule.overrides.some((o) => o.start <= t && t < o.end));
        const top = [...schedule.layers].reverse().find((l) => layerCoverage(l, t, t + 1).length > 0);
        const now = onCallAt(schedule, t);
        if (!top) expect(now).toEqual({ personId: null, reason: { kind: 'gap' } });
        else expect(now).toEqual({ personId: layerCoverage(top, t, t + 1)[0]!.personId, reason: { kind: 'layer', layerId: top.id } });
      }),
      { numRuns: 500 }
    );
  });

  it('evaluated over split ranges, then merged, equals the whole', () => {
    fc.assert(
      fc.property(scheduleArb, rangeArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }), (schedule, { from, to }, cuts) => {
        const points = [...new Set([from, to, ...cuts.map((c) => from + Math.floor(c * (to - from)))])].sort((a, b) => a - b);
        const pieces = points.slice(1).flatMap((end, i) => timeline(schedule, points[i]!, end));
        expect(mergeSegments(pieces)).toEqual(timeline(schedule, from, to));
      }),
      { numRuns: 300 }
    );
  });

  it('nextHandOff: the current stretch holds the instant, and the next one starts where it ends with someone else', () => {
    fc.assert(
      fc.property(scheduleArb, instantArb, (schedule, t) => {
        const { current, next } = nextHandOff(schedule, t);
        expect(current.start).toBeLessThanOrEqual(t);
        expect(current.end).toBeGreaterThan(t);
        expect(current.personId).toBe(onCallAt(schedule, t).personId);
        expect(onCallAt(schedule, current.end - 1).personId).toBe(current.personId);
        if (next) {
          expect(next.start).toBe(current.end);
          expect(next.personId).not.toBe(current.personId);
          expect(onCallAt(schedule, next.start).personId).toBe(next.personId);
        }
      }),
      { numRuns: 200 }
    );
  });
});

describe('daylight saving: a 09:00 hand-off stays 09:00 local', () => {
  // 2026 changes: Berlin 29 March / 25 October, New York 8 March / 1 November, Sydney 5 April (back) / 4 October.
  const cases = [
    { zone: 'Europe/Berlin', spring: '2026-03-28', autumn: '2026-10-24' },
    { zone: 'America/New_York', spring: '2026-03-07', autumn: '2026-10-31' },
    { zone: 'Australia/Sydney', spring: '2026-10-03', autumn: '2026-04-04' },
  ];
  for (const { zone, spring, autumn } of cases) {
    it(`${zone}: daily shifts hand off at 09:00 across both changes; the spring-forward night's shift is 23 h, the fall-back's 25 h`, () => {
      const l = layer({ timeZone: zone });
      for (const [day, hours] of [
        [spring, 23],
        [autumn, 25],
      ] as const) {
        const from = local(`${day}T00:00`, zone);
        const shifts = shiftsOf(l, from - 3 * DAY, from + 4 * DAY);
        expect(shifts.map((s) => localTime(s.start, zone).slice(11))).toEqual(Array(shifts.length).fill('09:00'));
        const across = shifts.find((s) => localTime(s.start, zone).startsWith(day))!;
        expect((across.end - across.start) / HOUR).toBe(hours);
        expect(localTime(across.end, zone).slice(11)).toBe('09:00');
      }
    });

    it(`${zone}: a weekly Monday 09:00 hand-off stays Monday 09:00 across both changes`, () => {
      const l = layer({ timeZone: zone, shiftLength: { unit: 'weeks', count: 1 }, handOffDay: 1 });
      const shifts = shiftsOf(l, local('2026-01-01T00:00', zone), local('2026-12-31T00:00', zone));
      expect(shifts.length).toBeGreaterThan(50);
      for (const s of shifts) expect(DateTime.fromMillis(s.start, { zone }).toFormat('EEE HH:mm')).toBe('Mon 09:00');
      const lengths = new Set(shifts.map((s) => (s.end - s.start) / HOUR));
      expect(lengths).toEqual(new Set([167, 168, 169]));
    });
  }

  it('Europe/Berlin: 12-hour shifts stay 09:00/21:00; the night across spring forward is 11 h', () => {
    const l = layer({ shiftLength: { unit: 'hours', count: 12 } });
    const shifts = shiftsOf(l, local('2026-03-28T00:00', 'Europe/Berlin'), local('2026-03-30T00:00', 'Europe/Berlin'));
    expect(shifts.map((s) => localTime(s.start, 'Europe/Berlin'))).toEqual([
      '2026-03-27 21:00',
      '2026-03-28 09:00',
      '2026-03-28 21:00',
      '2026-03-29 09:00',
      '2026-03-29 21:00',
    ]);
    expect(shifts.map((s) => (s.end - s.start) / HOUR)).toEqual([12, 12, 11, 12, 12]);
  });

  it('America/New_York: a hand-off inside the skipped hour moves forward with the clock', () => {
    const l = layer({ timeZone: 'America/New_York', handOffTime: '02:30' });
    const shifts = shiftsOf(l, local('2026-03-07T12:00', 'America/New_York'), local('2026-03-09T12:00', 'America/New_York'));
    expect(shifts.map((s) => localTime(s.start, 'America/New_York'))).toEqual(['2026-03-07 02:30', '2026-03-08 03:30', '2026-03-09 02:30']);
  });
});

describe('layers, restrictions and overrides by hand', () => {
  const zone = 'Europe/Berlin';
  const base = layer({ id: 'base', participants: ['ana', 'ben'], shiftLength: { unit: 'weeks', count: 1 }, handOffDay: 1, startDate: '2026-03-02' });
  const day = layer({
    id: 'day',
    participants: ['cho'],
    startDate: '2026-03-01',
    restrictions: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }],
  });
  const schedule: Schedule = { layers: [base, day], overrides: [] };

  it('a weekday 09:00–17:00 day layer wins over the 24×7 layer in its hours only', () => {
    const segments = timeline(schedule, local('2026-03-06T00:00', zone), local('2026-03-10T00:00', zone));
    expect(segments.map((s) => [localTime(s.start, zone), s.personId, s.reason.kind === 'layer' ? s.reason.layerId : s.reason.kind])).toEqual([
      ['2026-03-06 00:00', 'ana', 'base'],
      ['2026-03-06 09:00', 'cho', 'day'],
      ['2026-03-06 17:00', 'ana', 'base'],
      ['2026-03-09 09:00', 'cho', 'day'],
      ['2026-03-09 17:00', 'ben', 'base'],
    ]);
  });

  it('shows the gap before a rotation starts, and an override filling part of it', () => {
    const from = local('2026-03-01T00:00', zone);
    const to = local('2026-03-02T12:00', zone);
    expect(gaps({ layers: [base], overrides: [] }, from, to)).toEqual([
      { personId: null, start: from, end: local('2026-03-02T09:00', zone), reason: { kind: 'gap' } },
    ]);
    const cover: Override = { id: 'o1', personId: 'dev', start: local('2026-03-01T18:00', zone), end: local('2026-03-02T09:00', zone) };
    expect(gaps({ layers: [base], overrides: [cover] }, from, to).map((g) => [localTime(g.start, zone), localTime(g.end, zone)])).toEqual([
      ['2026-03-01 00:00', '2026-03-01 18:00'],
    ]);
  });

  it('"take the pager now" until a time, then the rotation resumes; nextHandOff names the hand-back', () => {
    const now = local('2026-03-04T11:00', zone);
    const until = local('2026-03-04T20:00', zone);
    const withOverride: Schedule = { ...schedule, overrides: [{ id: 'take', personId: 'eli', start: now, end: until }] };
    expect(onCallAt(withOverride, now)).toEqual({ personId: 'eli', reason: { kind: 'override', overrideId: 'take' } });
    const { current, next } = nextHandOff(withOverride, now);
    expect(current).toMatchObject({ personId: 'eli', start: now, end: until });
    expect(next).toMatchObject({ personId: 'ana', start: until, reason: { kind: 'layer', layerId: 'base' } });
    expect(localTime(next!.end, zone)).toBe('2026-03-05 09:00');
  });

  it('swapping two shifts is two overrides, each shift covered by the other person', () => {
    const [anas] = shiftsOf(base, local('2026-03-03T00:00', zone), local('2026-03-03T00:01', zone));
    const [bens] = shiftsOf(base, local('2026-03-10T00:00', zone), local('2026-03-10T00:01', zone));
    const overrides = swapShifts(anas!, bens!).map((o, i) => ({ ...o, id: `swap${i}` }));
    const swapped: Schedule = { layers: [base], overrides };
    expect(onCallAt(swapped, local('2026-03-04T03:00', zone)).personId).toBe('ben');
    expect(onCallAt(swapped, local('2026-03-11T03:00', zone)).personId).toBe('ana');
    expect(onCallAt(swapped, local('2026-03-18T03:00', zone)).personId).toBe('ana');
  });
});
