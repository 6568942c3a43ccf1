/**
 * Who is on call, as pure functions of a schedule and an instant or a range. Times in and out are Unix
 * milliseconds; local times are read and made only through luxon's IANA zones, never by adding offsets by hand.
 *
 * The model:
 *
 * - A **layer** is a rotation: participants in order, a shift length (n hours, days or weeks), a hand-off time
 *   (and, for weekly shifts, a hand-off weekday), a start date and an IANA zone. Its first shift begins at the
 *   first hand-off on or after the start date (nobody is on call in the layer before that); shift k goes to
 *   participant k mod n.
 * - **Shifts step in local wall-clock time.** Shift k starts at (first hand-off + k × length) read on the layer's
 *   wall clock and only then placed in its zone, so a 09:00 hand-off stays 09:00 local on both sides of a
 *   daylight-saving change, and the shift across the change is an hour shorter (spring forward: 23 h for a daily
 *   shift) or longer (fall back: 25 h). That is how people read a rota ("I hand over at nine"). Hour-long shifts
 *   step the same way, so a 12 h rotation stays 09:00/21:00 and its night shift is 11 h or 13 h on those nights.
 *   A hand-off that falls in the missing hour moves forward with the clock (luxon's reading of a skipped time); a
 *   shift left empty by it is dropped.
 * - **Restrictions** narrow a layer to weekly windows on its own clock (e.g. Monday–Friday 09:00–17:00; a window
 *   whose end is not after its start runs past midnight). Outside them the layer has nobody, whoever holds the
 *   shift, so the layer below shows through.
 * - **Layers stack**: the schedule's later layers sit on top, and at each instant the topmost layer that has
 *   someone wins. With no layer having anyone, the schedule has a **gap**.
 * - **Overrides** (a person from one instant to another) win over every layer; among overlapping overrides the
 *   later one in the list (the later created) wins. "Take the pager now until T" is an override from now to T; a
 *   swap of two shifts is two overrides, each shift covered by the other shift's person (swapShifts).
 * - The **timeline** over a range is contiguous segments, ordered, covering the range exactly: who (null in a
 *   gap), from, to, and why (which layer or override). Neighbours with the same person and reason are merged, so
 *   evaluating a range in pieces and merging the pieces gives the same timeline as evaluating it whole.
 */
import { DateTime, IANAZone } from 'luxon';

export const SHIFT_UNITS = ['hours', 'days', 'weeks'] as const;
export type ShiftUnit = (typeof SHIFT_UNITS)[number];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const UNIT_HOURS: Record<ShiftUnit, number> = { hours: 1, days: 24, weeks: 168 };

/** A weekly window on the layer's clock: ISO weekdays (1 Monday … 7 Sunday) and `HH:MM` times. */
export interface Restriction {
  days: number[];
  start: string;
  /** Not after `start`: the window ends the next day. */
  end: string;
}

export interface Layer {
  id: string;
  name: string;
  /** Person ids, in rotation order. */
  participants: string[];
  shiftLength: { unit: ShiftUnit; count: number };
  /** `HH:MM` on the layer's clock. */
  handOffTime: string;
  /** ISO weekday of the hand-off, for weekly shifts only (default: the start date's weekday). */
  handOffDay?: number;
  /** `YYYY-MM-DD` on the layer's clock: the rotation begins at the first hand-off on or after it. */
  startDate: string;
  timeZone: string;
  restrictions?: Restriction[];
}

export interface Override {
  id: string;
  personId: string;
  start: number;
  end: number;
}

export interface Schedule {
  /** Bottom first: a later layer wins over an earlier one where it has someone. */
  layers: Layer[];
  /** Earlier created first: a later one wins where they overlap. */
  overrides: Override[];
}

export type Reason = { kind: 'layer'; layerId: string } | { kind: 'override'; overrideId: string } | { kind: 'gap' };

export interface Segment {
  /** Null in a gap. */
  personId: string | null;
  start: number;
  end: number;
  reason: Reason;
}

export interface Shift {
  /** The shift's number in the rotation (0: the first). */
  index: number;
  personId: string;
  start: number;
  end: number;
}

/** True when `zone` is an IANA zone name luxon (and so the platform's ICU) knows. */
export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Hours and minutes of an `HH:MM` time; throws on anything else (the API validates first). */
function parseTime(time: string): { hour: number; minute: number } {
  const match = TIME.exec(time);
  if (!match) throw new RangeError(`not an HH:MM time: ${time}`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/** True for a `HH:MM` time of day (00:00–23:59). */
export const isTimeOfDay = (time: string): boolean => TIME.test(time);

/** True for a `YYYY-MM-DD` date that exists. */
export const isCalendarDate = (date: string): boolean =>
  /^\d{4}-\d{2}-\d{2}$/.test(date) && DateTime.fromISO(date, { zone: 'UTC' }).isValid;

// Wall-clock times are "floating" milliseconds: the local date and time read as if it were UTC, so stepping them
// is plain calendar arithmetic with no daylight-saving in the way. Only `place` and `wallOf` cross between a wall
// time and a real instant, and both do it through luxon's zone.

// Placing a wall time in a zone asks the platform's time-zone data (Intl) for the offset, which dominates the cost
// of evaluating a schedule; hand-offs and restriction edges repeat across schedules and requests, so the answers
// are remembered (an answer for a zone and wall time never changes while the process runs). Bounded by clearing.
const PLACED = new Map<string, number>();
const PLACED_MAX = 100_000;

function place(wall: number, zone: string): number {
  const key = `${zone} ${wall}`;
  const known = PLACED.get(key);
  if (known !== undefined) return known;
  const w = new Date(wall);
  const instant = DateTime.fromObject(
    {
      year: w.getUTCFullYear(),
      month: w.getUTCMonth() + 1,
      day: w.getUTCDate(),
      hour: w.getUTCHours(),
      minute: w.getUTCMinutes(),
    },
    { zone }
  ).toMillis();
  if (PLACED.size >= PLACED_MAX) PLACED.clear();
  PLACED.set(key, instant);
  return instant;
}

// Reading an instant's wall time asks Intl for the zone's offset too (luxon's partsOffset was two thirds of the
// cost of "who is on call" across 500 schedules). An offset changes only at a zone's transitions, which today fall
// on quarter hours of UTC, so luxon is asked once per zone and quarter hour; a quarter hour whose two ends differ
// (a transition inside it, as in some zones' history) is never remembered and always asked.
const QUARTER_HOUR_MS = 15 * 60_000;
const OFFSETS = new Map<string, number>();
const OFFSETS_MAX = 100_000;

function offsetMinutes(instant: number, zone: string): number {
  const quarter = Math.floor(instant / QUARTER_HOUR_MS);
  const key = `${zone} ${quarter}`;
  const known = OFFSETS.get(key);
  if (known !== undefined) return known;
  const rules = IANAZone.create(zone);
  const offset = rules.offset(instant);
  const first = rules.offset(quarter * QUARTER_HOUR_MS);
  const last = rules.offset((quarter + 1) * QUARTER_HOUR_MS - 1);
  if (first === last) {
    if (OFFSETS.size >= OFFSETS_MAX) OFFSETS.clear();
    OFFSETS.set(key, first);
  }
  return offset;
}

function wallOf(instant: number, zone: string): number {
  return instant + offsetMinutes(instant, zone) * 60_000;
}

/** ISO weekday (1 Monday … 7 Sunday) of a wall time. */
const weekdayOf = (wall: number) => new Date(wall).getUTCDay() || 7;
const startOfDay = (wall: number) => Math.floor(wall / DAY_MS) * DAY_MS;

const ANCHORS = new WeakMap<Layer, number>();

/** The wall-clock time of the layer's first hand-off. */
function firstHandOff(layer: Layer): number {
  const known = ANCHORS.get(layer);
  if (known !== undefined) return known;
  const { hour, minute } = parseTime(layer.handOffTime);
  const [y, m, d] = layer.startDate.split('-').map(Number) as [number, number, number];
  let wall = Date.UTC(y, m - 1, d, hour, minute);
  if (layer.shiftLength.unit === 'weeks' && layer.handOffDay !== undefined) {
    wall += ((layer.handOffDay - weekdayOf(wall) + 7) % 7) * DAY_MS;
  }
  ANCHORS.set(layer, wall);
  return wall;
}

const stepHours = (layer: Layer) => UNIT_HOURS[layer.shiftLength.unit] * layer.shiftLength.count;

/** When shift `k` of the layer starts (k may be past the last shift anyone asked about). */
function shiftStart(layer: Layer, anchor: number, k: number): number {
  return place(anchor + k * stepHours(layer) * HOUR_MS, layer.timeZone);
}

/** The number of the shift holding `instant` (negative before the rotation begins). */
function shiftIndexAt(layer: Layer, anchor: number, instant: number): number {
  const wallElapsed = wallOf(instant, layer.timeZone) - anchor;
  let k = Math.floor(wallElapsed / (stepHours(layer) * HOUR_MS));
  // The wall-clock estimate is off by at most one around a change of offset; settle it on real instants.
  while (k > -1 && shiftStart(layer, anchor, k) > instant) k -= 1;
  while (shiftStart(layer, anchor, k + 1) <= instant) k += 1;
  return k;
}

/**
 * The layer's shifts overlapping [from, to), whole (not clipped to the range), in order, ignoring restrictions.
 * Contiguous from the rotation's start: each one ends where the next begins.
 */
export function shiftsOf(layer: Layer, from: number, to: number): Shift[] {
  if (layer.participants.length === 0 || to <= from) return [];
  const anchor = firstHandOff(layer);
  const shifts: Shift[] = [];
  let k = Math.max(0, shiftIndexAt(layer, anchor, from));
  let start = shiftStart(layer, anchor, k);
  while (start < to) {
    const end = shiftStart(layer, anchor, k + 1);
    if (end > start && end > from) {
      shifts.push({ index: k, personId: layer.participants[k % layer.participants.length]!, start, end });
    }
    k += 1;
    start = Math.max(start, end);
  }
  return shifts;
}

/** The restriction windows of a layer overlapping [from, to), merged and ordered. */
export function restrictionWindows(layer: Layer, from: number, to: number): Array<{ start: number; end: number }> {
  const windows: Array<{ start: number; end: number }> = [];
  // A window starts at most a day before it ends (runs past midnight at most once).
  const last = startOfDay(wallOf(to, layer.timeZone));
  for (let day = startOfDay(wallOf(from, layer.timeZone)) - DAY_MS; day <= last; day += DAY_MS) {
    for (const r of layer.restrictions ?? []) {
      if (!r.days.includes(weekdayOf(day))) continue;
      const s = parseTime(r.start);
      const e = parseTime(r.end);
      const startWall = day + s.hour * HOUR_MS + s.minute * 60_000;
      let endWall = day + e.hour * HOUR_MS + e.minute * 60_000;
      if (endWall <= startWall) endWall += DAY_MS;
      const start = place(startWall, layer.timeZone);
      const end = place(endWall, layer.timeZone);
      if (end > from && start < to && end > start) windows.push({ start, end });
    }
  }
  windows.sort((a, b) => a.start - b.start);
  const merged: Array<{ start: number; end: number }> = [];
  for (const w of windows) {
    const prev = merged.at(-1);
    if (prev && w.start <= prev.end) prev.end = Math.max(prev.end, w.end);
    else merged.push({ ...w });
  }
  return merged;
}

/** Who the layer has on call over [from, to): its shifts cut to the range and to its restrictions. */
export function layerCoverage(layer: Layer, from: number, to: number): Shift[] {
  const shifts = shiftsOf(layer, from, to).map((s) => ({
    ...s,
    start: Math.max(s.start, from),
    end: Math.min(s.end, to),
  }));
  if (!layer.restrictions?.length) return shifts;
  const windows = restrictionWindows(layer, from, to);
  const covered: Shift[] = [];
  for (const shift of shifts) {
    for (const w of windows) {
      const start = Math.max(shift.start, w.start);
      const end = Math.min(shift.end, w.end);
      if (end > start) covered.push({ ...shift, start, end });
    }
  }
  return covered;
}

const sameReason = (a: Reason, b: Reason) =>
  a.kind === b.kind &&
  (a.kind !== 'layer' || a.layerId === (b as typeof a).layerId) &&
  (a.kind !== 'override' || a.overrideId === (b as typeof a).overrideId);

/** Joins neighbours with the same person and reason. The segments must be contiguous and ordered. */
export function mergeSegments(segments: Segment[]): Segment[] {
  const merged: Segment[] = [];
  for (const s of segments) {
    const prev = merged.at(-1);
    if (prev && prev.end === s.start && prev.personId === s.personId && sameReason(prev.reason, s.reason))
      prev.end = s.end;
    else merged.push({ ...s, reason: { ...s.reason } });
  }
  return merged;
}

interface Claim {
  personId: string;
  start: number;
  end: number;
  reason: Reason;
  /** Higher wins: overrides above every layer, later above earlier. */
  rank: number;
}

/**
 * The schedule's on-call timeline over [from, to): contiguous, ordered segments covering the range exactly, each
 * with who (null: a gap) and why. Empty when the range is.
 */
export function timeline(schedule: Schedule, from: number, to: number): Segment[] {
  if (to <= from) return [];
  const claims: Claim[] = [];
  schedule.layers.forEach((layer, i) => {
    for (const s of layerCoverage(layer, from, to)) {
      claims.push({
        personId: s.personId,
        start: s.start,
        end: s.end,
        reason: { kind: 'layer', layerId: layer.id },
        rank: i,
      });
    }
  });
  schedule.overrides.forEach((o, i) => {
    const start = Math.max(o.start, from);
    const end = Math.min(o.end, to);
    if (end > start) {
      claims.push({
        personId: o.personId,
        start,
        end,
        reason: { kind: 'override', overrideId: o.id },
        rank: schedule.layers.length + i,
      });
    }
  });
  // Between two neighbouring boundaries nothing starts or ends, so one claim holds the whole piece.
  const bounds = [...new Set([from, to, ...claims.flatMap((c) => [c.start, c.end])])].sort((a, b) => a - b);
  claims.sort((a, b) => b.rank - a.rank);
  const pieces: Segment[] = [];
  for (let i = 0; i + 1 < bounds.length; i += 1) {
    const start = bounds[i]!;
    const end = bounds[i + 1]!;
    const winner = claims.find((c) => c.start <= start && c.end >= end);
    pieces.push(
      winner
        ? { personId: winner.personId, start, end, reason: winner.reason }
        : { personId: null, start, end, reason: { kind: 'gap' } }
    );
  }
  return mergeSegments(pieces);
}

/** The gaps (nobody on call) over [from, to). */
export function gaps(schedule: Schedule, from: number, to: number): Segment[] {
  return timeline(schedule, from, to).filter((s) => s.personId === null);
}

/** Who is on call at `instant` and why; `{ personId: null, reason: gap }` when nobody is. */
export function onCallAt(schedule: Schedule, instant: number): { personId: string | null; reason: Reason } {
  for (let i = schedule.overrides.length - 1; i >= 0; i -= 1) {
    const o = schedule.overrides[i]!;
    if (o.start <= instant && instant < o.end)
      return { personId: o.personId, reason: { kind: 'override', overrideId: o.id } };
  }
  for (let i = schedule.layers.length - 1; i >= 0; i -= 1) {
    const layer = schedule.layers[i]!;
    const [held] = layerCoverage(layer, instant, instant + 1);
    if (held) return { personId: held.personId, reason: { kind: 'layer', layerId: layer.id } };
  }
  return { personId: null, reason: { kind: 'gap' } };
}

// Looked at in growing steps: most hand-offs are within a day or a week, and a far horizon costs shifts to walk.
const HORIZONS_MS = [1, 7, 35, 120].map((days) => days * 24 * HOUR_MS);

/**
 * Who is on call at `instant` as a whole stretch (from the last change before it to the next change after it,
 * each looked for up to 120 days away), and the stretch after it: when the person on call next changes and to
 * whom (null: a gap begins). Consecutive shifts of the same person count as one stretch. `next` is null when
 * nothing changes within 120 days.
 */
export function nextHandOff(schedule: Schedule, instant: number): { current: Segment; next: Segment | null } {
  let ahead: Segment[] = [];
  let next: Segment | null = null;
  for (const horizon of HORIZONS_MS) {
    ahead = timeline(schedule, instant, instant + horizon);
    const change = ahead.findIndex((s) => s.personId !== ahead[0]!.personId);
    if (change > 0) {
      const following = ahead.slice(change);
      const stop = following.findIndex((s) => s.personId !== following[0]!.personId);
      next = { ...following[0]!, end: (stop > 0 ? following[stop]! : following.at(-1)!)[stop > 0 ? 'start' : 'end'] };
      ahead = ahead.slice(0, change);
      break;
    }
  }
  const current: Segment = { ...ahead[0]!, reason: { ...ahead[0]!.reason }, end: ahead.at(-1)!.end };
  for (const horizon of HORIZONS_MS) {
    const behind = timeline(schedule, instant - horizon, instant);
    let change = behind.length - 1;
    while (change >= 0 && behind[change]!.personId === current.personId) change -= 1;
    current.start = change >= 0 ? behind[change]!.end : instant - horizon;
    if (change >= 0) break;
  }
  return { current, next };
}

/**
 * Swapping two shifts, as the two overrides that do it: each shift covered by the other's person. The caller
 * gives the overrides their ids.
 */
export function swapShifts(a: Shift, b: Shift): Array<Omit<Override, 'id'>> {
  return [
    { personId: b.personId, start: a.start, end: a.end },
    { personId: a.personId, start: b.start, end: b.end },
  ];
}

/** The shift of `layer` holding `instant`, ignoring restrictions; undefined before the rotation starts. */
export function shiftAt(layer: Layer, instant: number): Shift | undefined {
  return shiftsOf(layer, instant, instant + 1)[0];
}
