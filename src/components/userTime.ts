import { dateTimeForTimeZone, dateTimeFormat, getTimeZone, type DateTime } from '@grafana/data';
import type { TimeZone } from '@grafana/schema';

/**
 * The signed-in user's time zone as Grafana resolves it (their preference, else the org's, else the browser's):
 * inside Grafana, @grafana/data's resolver is set by Grafana itself, so every page agrees with the rest of Grafana.
 */
export function userTimeZone(): TimeZone {
  return getTimeZone();
}

/** An instant in the user's time zone with a moment.js format, e.g. "ddd D MMM HH:mm". */
export function formatUserTime(instant: string | number, format: string): string {
  return dateTimeFormat(instant, { format, timeZone: userTimeZone() });
}

/** The instant as a DateTime in the user's time zone (for day boundaries and Grafana's date-time pickers). */
export function userDateTime(instant: string | number | Date): DateTime {
  return dateTimeForTimeZone(userTimeZone(), instant);
}
