import type { BadgeColor } from '@grafana/ui';
import type { IncidentStatus, Severity } from '../../api/types';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Compact age of a timestamp relative to `now`: "45s" → "0m", then "5m", "3h", "2d". Future times count as 0m. */
export function formatAge(iso: string, now: number): string {
  const started = Date.parse(iso);
  if (Number.isNaN(started)) {
    return '—';
  }
  const elapsed = Math.max(0, now - started);
  if (elapsed < HOUR) {
    return `${Math.floor(elapsed / MINUTE)}m`;
  }
  if (elapsed < DAY) {
    return `${Math.floor(elapsed / HOUR)}h`;
  }
  return `${Math.floor(elapsed / DAY)}d`;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export const statusLabel = (status: IncidentStatus): string => capitalize(status);
export const severityLabel = (severity: Severity): string => capitalize(severity);

/** Badge's named colours (they follow the theme), most urgent first. */
export const SEVERITY_COLORS: Record<Severity, BadgeColor> = {
  critical: 'red',
  high: 'orange',
  medium: 'blue',
  low: 'darkgrey',
};
