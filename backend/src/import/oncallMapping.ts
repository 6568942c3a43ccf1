/**
 * Grafana OnCall's schedules as the studio's: a rotation as layers, a web override as an override (chains and
 * integrations: oncallEscalation.ts). Pure; whatever has no studio equivalent comes back as a note saying why, for
 * the import's report.
 *
 * OnCall's times are naive local times (`yyyy-MM-ddTHH:mm:ss`) in the shift's zone; without one a web schedule's
 * shifts are UTC and a calendar schedule's are in the schedule's zone (OnCallSchedule._generate_ical_file_from_shifts).
 * Its recurrences step on that wall clock, as the studio's layers do, so times are compared as wall-clock
 * milliseconds (the local date and time read as if UTC) and placed in the zone only at the end.
 */
import { DateTime } from 'luxon';
import { isValidTimeZone, type Layer, type Restriction } from '../domain/rotations.js';
import type { OnCallSchedule, OnCallShift } from './oncallApi.js';

/** Something left out of the import, and why. */
export interface Note {
  subject: string;
  reason: string;
}

/** A studio person as the mapping refers to one. */
export interface MappedPerson {
  id: string;
  login: string;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;
/** The studio refuses longer overrides (routes/schedules.ts). */
const MAX_OVERRIDE_MS = 366 * DAY_MS;

const ICAL_WEEKDAYS: Record<string, number> = { MO: 1, TU: 2, WE: 3, TH: 4, FR: 5, SA: 6, SU: 7 };
const UNIT: Record<string, { unit: Layer['shiftLength']['unit']; ms: number }> = {
  hourly: { unit: 'hours', ms: HOUR_MS },
  daily: { unit: 'days', ms: DAY_MS },
  weekly: { unit: 'weeks', ms: WEEK_MS },
};

const wallOf = (naive: string) => DateTime.fromISO(naive, { zone: 'UTC' }).toMillis();
const utc = (wall: number) => DateTime.fromMillis(wall, { zone: 'UTC' });
const dateOf = (wall: number) => utc(wall).toFormat('yyyy-MM-dd');
const timeOf = (wall: number) => utc(wall).toFormat('HH:mm');
const weekdayOf = (wall: number) => utc(wall).weekday;

/** The instant a wall-clock time names in `zone`. */
export function placeWall(wall: number, zone: string): number {
  const w = utc(wall);
  const { year, month, day, hour, minute, second } = w;
  return DateTime.fromObject({ year, month, day, hour, minute, second }, { zone }).toMillis();
}

/** The zone OnCall reads a shift's times in. */
export function zoneOf(shift: OnCallShift, schedule: OnCallSchedule): string {
  return shift.time_zone ?? (schedule.type === 'calendar' ? schedule.time_zone : null) ?? 'UTC';
}

const shiftSubject = (shift: OnCallShift, schedule: OnCallSchedule) =>
  `shift "${shift.name}" of schedule "${schedule.name}"`;

/**
 * The people of each slot, in rotation order: one studio person per slot (the first of the slot's users who was
 * imported), the rest noted, since the studio has one person on call per layer at a time.
 */
function participantsOf(
  slots: string[][],
  personOf: (oncallUserId: string) => MappedPerson | undefined,
  subject: string,
  notes: Note[]
): string[] | string {
  const participants: string[] = [];
  for (const [i, slot] of slots.entries()) {
    const people = slot.map(personOf);
    const kept = people.find((p) => p !== undefined);
    if (!kept) return slot.length ? `nobody in its slot ${i + 1} was imported` : `its slot ${i + 1} has nobody`;
    participants.push(kept.id);
    const left = slot.filter((_, j) => people[j] !== kept).map((u) => personOf(u)?.login ?? u);
    if (left.length) {
      const reason = `slot ${i + 1} has several people at once; the studio has one per shift: kept ${kept.login}, not ${left.join(', ')}`;
      notes.push({ subject, reason });
    }
  }
  return participants;
}

/** Day windows covering [start, start + duration) on the layer's clock, from ISO weekday `day` (durations under a week). */
function windowsFrom(day: number, startWall: number, durationMs: number): Restriction[] {
  const windows: Restriction[] = [];
  let from = startWall - Math.floor(startWall / DAY_MS) * DAY_MS;
  for (let left = durationMs; left > 0; day = (day % 7) + 1) {
    const piece = Math.min(left, DAY_MS - from);
    windows.push({ days: [day], start: timeOf(from), end: timeOf((from + piece) % DAY_MS) });
    left -= piece;
    from = 0;
  }
  return windows;
}

/**
 * The number of the occurrence that gets the rotation's first slot. OnCall starts a rotation at `rotation_start`: with its
 * API's shifts the first occurrence at or after it, with the web UI's the one in progress then
 * (CustomOnCallShift.convert_to_ical).
 */
function firstOccurrence(
  occurrenceAt: (k: number) => number,
  durationMs: number,
  rotationStart: number,
  isWeb: boolean
): number {
  for (let k = 0; ; k += 1) {
    const at = occurrenceAt(k);
    if (isWeb ? at + durationMs > rotationStart : at >= rotationStart) return k;
  }
}

/**
 * A rotation (rolling_users, or recurrent_event: the same users every time) as layers, or why it cannot be.
 * Kept exactly: continuous rotations (each shift as long as the rotation step) of hours, days or weeks; daily and
 * weekly ones with shorter shifts, as restrictions; daily ones over some weekdays, as one layer per weekday.
 */
export function layersFromShift(
  shift: OnCallShift,
  schedule: OnCallSchedule,
  personOf: (oncallUserId: string) => MappedPerson | undefined,
  now: number
): { layers: Array<Omit<Layer, 'id'>>; notes: Note[] } {
  const subject = shiftSubject(shift, schedule);
  const notes: Note[] = [];
  const skip = (reason: string) => ({ layers: [], notes: [...notes, { subject, reason }] });
  const zone = zoneOf(shift, schedule);
  if (!isValidTimeZone(zone)) return skip(`its time zone ${zone} is not an IANA zone`);
  if (shift.type === 'single_event') return skip('a one-off shift (single_event): add it as an override');
  if (shift.type !== 'rolling_users' && shift.type !== 'recurrent_event') {
    return skip(`a ${shift.type} shift is not a rotation`);
  }
  if (shift.until) {
    const until = placeWall(wallOf(shift.until), zone);
    if (until <= now) return skip(`it ended at ${new Date(until).toISOString()}`);
    const reason = `it ends at ${new Date(until).toISOString()} in OnCall; the studio's layer does not end: remove it then`;
    notes.push({ subject, reason });
  }
  const index = shift.start_rotation_from_user_index ?? 0;
  const rolling = shift.rolling_users ?? [];
  const slots =
    shift.type === 'rolling_users' ? [...rolling.slice(index), ...rolling.slice(0, index)] : [shift.users ?? []];
  if (!slots.length) return skip('it has nobody on it');
  const participants = participantsOf(slots, personOf, subject, notes);
  if (typeof participants === 'string') return skip(participants);
  const shapes = rotationShapes(shift, schedule.type === 'web', participants);
  if (typeof shapes === 'string') return skip(shapes);
  const name = shift.name.trim().slice(0, 90) || 'rotation';
  const layers = shapes.map(({ nameSuffix, participants: order, ...shape }) => ({
    name: nameSuffix ? `${name} (${nameSuffix})` : name,
    participants: order ?? participants,
    timeZone: zone,
    ...shape,
  }));
  return { layers, notes };
}

type RotationShape = Pick<Layer, 'shiftLength' | 'handOffTime' | 'handOffDay' | 'startDate' | 'restrictions'> & {
  /** Set when the rotation takes several layers: which one this is, and its own participant order. */
  nameSuffix?: string;
  participants?: string[];
};

const WEEKDAY_NAMES = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** When a rotation's shifts start and hand off, on its wall clock; or why no layer can say the same. */
function rotationShapes(shift: OnCallShift, isWeb: boolean, participants: string[]): RotationShape[] | string {
  const step = UNIT[shift.frequency ?? ''];
  if (!step) return `a ${shift.frequency ?? 'non-recurring'} rotation: the studio's shifts are hours, days or weeks`;
  if (shift.by_month?.length || shift.by_monthday?.length) return 'it is limited to some months or days of the month';
  const days = selectedDays(shift);
  if (days === 'invalid') return `its by_day ${shift.by_day!.join(',')} is not a list of MO…SU`;

  const interval = shift.interval ?? 1;
  const periodMs = step.ms * interval;
  const durationMs = Math.floor(shift.duration / 60) * MINUTE_MS;
  const start = wallOf(shift.start);
  const rotationStart = wallOf(shift.rotation_start ?? shift.start);
  const onGrid = (restrictions?: Restriction[]): RotationShape => {
    // Whole steps are skipped at once: a rotation may have started years before its rotation_start.
    const skipped = Math.max(0, Math.floor((rotationStart - start) / periodMs) - 1);
    const occurrence = (k: number) => start + (skipped + k) * periodMs;
    const first = occurrence(firstOccurrence(occurrence, durationMs, rotationStart, isWeb));
    return {
      shiftLength: { unit: step.unit, count: interval },
      handOffTime: timeOf(first),
      ...(step.unit === 'weeks' ? { handOffDay: weekdayOf(first) } : {}),
      startDate: dateOf(first),
      ...(restrictions ? { restrictions } : {}),
    };
  };

  if (!days && durationMs === periodMs) return [onGrid()];
  if (!days && interval === 1 && shift.frequency === 'daily' && durationMs < DAY_MS) {
    return [onGrid([{ days: [1, 2, 3, 4, 5, 6, 7], start: timeOf(start), end: timeOf(start + durationMs) }])];
  }
  if (!days && interval === 1 && shift.frequency === 'weekly' && durationMs < WEEK_MS) {
    return [onGrid(windowsFrom(weekdayOf(start), start, durationMs))];
  }
  if (days && shift.frequency === 'daily' && durationMs <= DAY_MS) {
    return dailyOverSomeDays(shift, days, interval, durationMs, rotationStart, isWeb, participants);
  }
  if (days && interval === 1 && durationMs <= DAY_MS && shift.frequency === 'weekly') {
    const occurrence = occurrencesOn(days, start, rotationStart);
    const first = occurrence(firstOccurrence(occurrence, durationMs, rotationStart, isWeb));
    const restrictions = [{ days, start: timeOf(start), end: timeOf(start + durationMs) }];
    // Weekly over some weekdays: one slot a week, the week beginning on OnCall's week_start.
    const weekStart = ICAL_WEEKDAYS[shift.week_start ?? 'SU'] ?? 7;
    const weekBegins = first - ((weekdayOf(first) - weekStart + 7) % 7) * DAY_MS;
    return [
      {
        shiftLength: { unit: 'weeks', count: 1 },
        handOffTime: timeOf(first),
        handOffDay: weekStart,
        startDate: dateOf(weekBegins),
        restrictions,
      },
    ];
  }
  const every = interval === 1 ? step.unit.replace(/s$/, '') : `${interval} ${step.unit}`;
  const onDays = days ? ` on ${shift.by_day!.join(',')}` : '';
  return `a rotation every ${every} with ${shift.duration / 3600} h shifts${onDays} has no studio equivalent`;
}

/** The n-th day at the start's time on one of `days`, counted from about a day before rotation_start. */
function occurrencesOn(days: number[], start: number, rotationStart: number): (n: number) => number {
  const skipped = Math.max(0, Math.floor((rotationStart - start) / DAY_MS) - 1);
  const found: number[] = [];
  let k = 0;
  return (n) => {
    while (found.length <= n) {
      const at = start + (skipped + k++) * DAY_MS;
      if (days.includes(weekdayOf(at))) found.push(at);
    }
    return found[n]!;
  };
}

/**
 * A daily rotation over some weekdays. OnCall hands each slot `interval` of the selected days in turn, skipping the
 * others (CustomOnCallShift._daily_by_day_to_ical). When each run of skipped days is a whole number of turns round
 * the slots, counting every day gives the same order: one daily layer. Otherwise, as OnCall itself does, one weekly
 * layer per selected weekday, each with the order in which the slots come round to that weekday.
 */
function dailyOverSomeDays(
  shift: OnCallShift,
  days: number[],
  interval: number,
  durationMs: number,
  rotationStart: number,
  isWeb: boolean,
  participants: string[]
): RotationShape[] {
  const start = wallOf(shift.start);
  const occurrence = occurrencesOn(days, start, rotationStart);
  const firstIndex = firstOccurrence(occurrence, durationMs, rotationStart, isWeb);
  const first = occurrence(firstIndex);
  const window = (onDays: number[]) => [{ days: onDays, start: timeOf(start), end: timeOf(start + durationMs) }];
  const runs = days.map((d, i) => ((days[(i + 1) % days.length]! - d + 7) % 7 || 7) - 1);
  if (interval === 1 && runs.every((n) => n % participants.length === 0)) {
    return [
      {
        shiftLength: { unit: 'days', count: 1 },
        handOffTime: timeOf(first),
        startDate: dateOf(first),
        restrictions: window(days),
      },
    ];
  }
  const turn = participants.length * interval;
  // The slots come round to a weekday again after this many weeks.
  const weeks = turn / gcd(days.length, turn);
  return days.map((_, i) => {
    const onDay = occurrence(firstIndex + i);
    const order = Array.from(
      { length: weeks },
      (__, w) => participants[Math.floor((i + w * days.length) / interval) % participants.length]!
    );
    return {
      nameSuffix: WEEKDAY_NAMES[weekdayOf(onDay)],
      participants: order,
      shiftLength: { unit: 'weeks', count: 1 },
      handOffTime: timeOf(onDay),
      handOffDay: weekdayOf(onDay),
      startDate: dateOf(onDay),
      restrictions: window([weekdayOf(onDay)]),
    };
  });
}

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

/** by_day as ISO weekdays; null when it selects nothing narrower than the rotation itself. */
function selectedDays(shift: OnCallShift): number[] | null | 'invalid' {
  if (!shift.by_day?.length) return null;
  const days = [...new Set(shift.by_day.map((d) => ICAL_WEEKDAYS[d] ?? 0))].sort((a, b) => a - b);
  if (days.includes(0)) return 'invalid';
  // Every day of the week, or a weekly rotation's own weekday alone, is the same as no by_day.
  const isOwnWeekday = shift.frequency === 'weekly' && days.length === 1 && days[0] === weekdayOf(wallOf(shift.start));
  return days.length === 7 || isOwnWeekday ? null : days;
}

/** A web override as a studio override; `past` when it is already over (not worth importing). */
export function overrideFromShift(
  shift: OnCallShift,
  schedule: OnCallSchedule,
  personOf: (oncallUserId: string) => MappedPerson | undefined,
  now: number
): { override?: { personId: string; startsAt: Date; endsAt: Date; note: string }; past?: boolean; notes: Note[] } {
  const subject = `override "${shift.name}" of schedule "${schedule.name}"`;
  const zone = zoneOf(shift, schedule);
  if (!isValidTimeZone(zone)) return { notes: [{ subject, reason: `its time zone ${zone} is not an IANA zone` }] };
  const start = wallOf(shift.start);
  const startsAt = placeWall(start, zone);
  const endsAt = placeWall(start + shift.duration * 1000, zone);
  if (endsAt <= now) return { past: true, notes: [] };
  if (endsAt - startsAt > MAX_OVERRIDE_MS)
    return { notes: [{ subject, reason: 'it is longer than the 366 days a studio override may last' }] };
  const users = shift.users?.length ? shift.users : (shift.rolling_users ?? []).flat();
  const people = users.map(personOf);
  const kept = people.find((p) => p !== undefined);
  if (!kept)
    return { notes: [{ subject, reason: users.length ? 'nobody on it was imported' : 'it has nobody on it' }] };
  const notes: Note[] = [];
  const others = users.filter((_, i) => people[i] !== kept).map((u) => personOf(u)?.login ?? u);
  if (others.length)
    notes.push({
      subject,
      reason: `it has several people; a studio override has one: kept ${kept.login}, not ${others.join(', ')}`,
    });
  const note = `OnCall override ${shift.name}`.slice(0, 500);
  return { override: { personId: kept.id, startsAt: new Date(startsAt), endsAt: new Date(endsAt), note }, notes };
}
