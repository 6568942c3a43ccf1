import { SEVERITIES, type Incident, type Severity } from '../../api/types';

/** The panel's options, as Grafana stores them in the dashboard JSON. */
export interface ActiveIncidentsOptions {
  /** Show incidents at least this severe (low: all). */
  minSeverity: Severity;
  /** At most this many rows (the most severe, then the oldest). */
  maxRows: number;
  /** Only incidents impacting this service (empty: every service). */
  service: string;
}

export const DEFAULT_OPTIONS: ActiveIncidentsOptions = { minSeverity: 'low', maxRows: 10, service: '' };

/** Options with defaults for anything unset (a panel added before an option existed, or a host without defaults). */
export function withDefaults(options: Partial<ActiveIncidentsOptions> | undefined): ActiveIncidentsOptions {
  const merged = { ...DEFAULT_OPTIONS, ...options };
  return {
    minSeverity: SEVERITIES.includes(merged.minSeverity) ? merged.minSeverity : DEFAULT_OPTIONS.minSeverity,
    maxRows:
      Number.isFinite(merged.maxRows) && merged.maxRows > 0 ? Math.floor(merged.maxRows) : DEFAULT_OPTIONS.maxRows,
    service: (merged.service ?? '').trim(),
  };
}

/**
 * What the panel shows of the active incidents (already most severe first, then oldest, from the sidecar):
 * at least `minSeverity`, on `service` if set, at most `maxRows`; and how many were left out.
 */
export function selectIncidents(
  incidents: Incident[],
  options: ActiveIncidentsOptions
): { shown: Incident[]; hidden: number } {
  const floor = SEVERITIES.indexOf(options.minSeverity);
  const matching = incidents.filter(
    (i) =>
      SEVERITIES.indexOf(i.severity) <= floor &&
      (!options.service || i.services.some((s) => s.name === options.service))
  );
  const shown = matching.slice(0, options.maxRows);
  return { shown, hidden: matching.length - shown.length };
}
