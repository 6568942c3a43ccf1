import { userDateTime } from '../../components/userTime';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** The On call page shows two weeks from now. */
export const TIMELINE_DAYS = 14;

export interface Range {
  from: number;
  to: number;
}

/** How far along the range an instant is, in percent. */
export function offsetPercent(at: number, range: Range): number {
  return ((at - range.from) / (range.to - range.from)) * 100;
}

/** Where a bar sits in a track over `range`, in percent, clipped to the range. */
export function barPosition(start: string, end: string, range: Range): { left: number; width: number } {
  const span = range.to - range.from;
  const s = Math.max(Date.parse(start), range.from);
  const e = Math.min(Date.parse(end), range.to);
  return { left: ((s - range.from) / span) * 100, width: (Math.max(0, e - s) / span) * 100 };
}

/** Midnights in the user's time zone inside the range: the day lines and labels of the timeline. */
export function dayStarts(range: Range): number[] {
  const days: number[] = [];
  let day = userDateTime(range.from).startOf('day').add(1, 'day');
  while (day.valueOf() < range.to) {
    days.push(day.valueOf());
    // add() on a zoned DateTime keeps local midnight across daylight-saving changes.
    day = day.add(1, 'day');
  }
  return days;
}

/** A stable index for a person's colour, so they keep one colour in every row and schedule. */
export function colorIndex(personId: string, paletteSize: number): number {
  let hash = 0;
  for (const ch of personId) {
    hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  }
  return hash % paletteSize;
}
