import { SEVERITIES, type Severity } from '../../api/types';

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

/** The most GET /api/incidents/active answers in one page: more rows than that would not fit a panel anyway. */
const ACTIVE_PAGE_MAX = 200;

/**
 * What the panel asks the sidecar for: the first `maxRows` active incidents at least `minSeverity`, on `service` if
 * set (the sidecar filters, orders most severe then oldest, and counts the rest).
 */
export function activeQuery(options: ActiveIncidentsOptions): {
  severity: Severity[];
  service?: string;
  limit: number;
} {
  return {
    severity: SEVERITIES.slice(0, SEVERITIES.indexOf(options.minSeverity) + 1),
    service: options.service || undefined,
    limit: Math.min(options.maxRows, ACTIVE_PAGE_MAX),
  };
}
