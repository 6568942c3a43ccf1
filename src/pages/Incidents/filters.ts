import {
  INCIDENT_SORTS,
  SEVERITIES,
  type Incident,
  type IncidentFilters,
  type IncidentSort,
  type Severity,
} from '../../api/types';
import {
  DEFAULT_STATUS_FILTER,
  parseStatusFilter,
  STATUS_FILTER_PARAM,
  statusesFor,
  type StatusFilterValue,
} from './statusFilter';

/**
 * What the incidents page shows, all of it kept in the URL so a filtered view can be shared: `?status=`,
 * `severity=critical,high`, `service=`, `q=`, `range=24h` (relative to whoever opens the link) or `from=`/`to=`
 * (ISO times), and `sort=`. Defaults are left out of the URL.
 */
export interface IncidentView {
  status: StatusFilterValue;
  severity: Severity[];
  service: string;
  q: string;
  range: TimeRange;
  sort: IncidentSort;
}

export const RANGE_PRESETS = ['1h', '6h', '24h', '7d', '30d'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

/** Started within a preset window before now, or between two absolute times (either end may be open). */
export type TimeRange =
  { kind: 'any' } | { kind: 'preset'; preset: RangePreset } | { kind: 'absolute'; from?: string; to?: string };

export const DEFAULT_SORT: IncidentSort = 'newest';

export const DEFAULT_VIEW: IncidentView = {
  status: DEFAULT_STATUS_FILTER,
  severity: [],
  service: '',
  q: '',
  range: { kind: 'any' },
  sort: DEFAULT_SORT,
};

const PRESET_MS: Record<RangePreset, number> = {
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 24 * 3_600_000,
  '30d': 30 * 24 * 3_600_000,
};

const isIso = (value: string | null): value is string => value !== null && !Number.isNaN(Date.parse(value));

function parseRange(params: URLSearchParams): TimeRange {
  const preset = RANGE_PRESETS.find((p) => p === params.get('range'));
  if (preset) {
    return { kind: 'preset', preset };
  }
  const from = params.get('from');
  const to = params.get('to');
  if (isIso(from) || isIso(to)) {
    return { kind: 'absolute', from: isIso(from) ? from : undefined, to: isIso(to) ? to : undefined };
  }
  return { kind: 'any' };
}

/** Reads a view from the URL; anything unknown or malformed falls back to the default for that part. */
export function parseView(params: URLSearchParams): IncidentView {
  const severity = (params.get('severity') ?? '')
    .split(',')
    .filter((s): s is Severity => (SEVERITIES as readonly string[]).includes(s));
  return {
    status: parseStatusFilter(params.get(STATUS_FILTER_PARAM)),
    // In the order of SEVERITIES, once each, so equal views serialise equally.
    severity: SEVERITIES.filter((s) => severity.includes(s)),
    service: params.get('service')?.trim() ?? '',
    q: params.get('q') ?? '',
    range: parseRange(params),
    sort: INCIDENT_SORTS.find((s) => s === params.get('sort')) ?? DEFAULT_SORT,
  };
}

const VIEW_PARAMS = [STATUS_FILTER_PARAM, 'severity', 'service', 'q', 'range', 'from', 'to', 'sort'];

/**
 * Writes a view into URL parameters, leaving out defaults. Parameters that are not the view's (e.g. Grafana's
 * `theme`) are kept from `base`.
 */
export function serializeView(view: IncidentView, base: URLSearchParams = new URLSearchParams()): URLSearchParams {
  const params = new URLSearchParams(base);
  VIEW_PARAMS.forEach((p) => params.delete(p));
  if (view.status !== DEFAULT_STATUS_FILTER) {
    params.set(STATUS_FILTER_PARAM, view.status);
  }
  if (view.severity.length) {
    params.set('severity', SEVERITIES.filter((s) => view.severity.includes(s)).join(','));
  }
  if (view.service) {
    params.set('service', view.service);
  }
  if (view.q) {
    params.set('q', view.q);
  }
  if (view.range.kind === 'preset') {
    params.set('range', view.range.preset);
  } else if (view.range.kind === 'absolute') {
    view.range.from && params.set('from', view.range.from);
    view.range.to && params.set('to', view.range.to);
  }
  if (view.sort !== DEFAULT_SORT) {
    params.set('sort', view.sort);
  }
  return params;
}

/** A stable identity of a view: two views with the same key show the same list. */
export const viewKey = (view: IncidentView): string => serializeView(view).toString();

/** The time bounds of a range at `now` (a preset moves with the clock). */
export function rangeBounds(range: TimeRange, now: number): { from?: string; to?: string } {
  if (range.kind === 'preset') {
    return { from: new Date(now - PRESET_MS[range.preset]).toISOString() };
  }
  if (range.kind === 'absolute') {
    return { from: range.from, to: range.to };
  }
  return {};
}

/** The GET /api/incidents query of a view at `now`. */
export function queryFor(view: IncidentView, now: number): IncidentFilters {
  const q = view.q.trim();
  return {
    status: statusesFor(view.status),
    severity: view.severity.length ? view.severity : undefined,
    service: view.service || undefined,
    q: q || undefined,
    ...rangeBounds(view.range, now),
    sort: view.sort === DEFAULT_SORT ? undefined : view.sort,
  };
}

/** Whether an incident (e.g. one the live feed reports) belongs in the list of a view, as the sidecar would decide. */
export function matchesView(incident: Incident, view: IncidentView, now: number): boolean {
  const statuses = statusesFor(view.status);
  if (statuses && !statuses.includes(incident.status)) {
    return false;
  }
  if (view.severity.length && !view.severity.includes(incident.severity)) {
    return false;
  }
  if (view.service && !incident.services.some((s) => s.name === view.service)) {
    return false;
  }
  const q = view.q.trim().toLowerCase();
  if (q && !`${incident.title}\n${incident.description}`.toLowerCase().includes(q)) {
    return false;
  }
  const { from, to } = rangeBounds(view.range, now);
  const started = Date.parse(incident.startedAt);
  return !(from && started < Date.parse(from)) && !(to && started >= Date.parse(to));
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const STATUS_RANK: Record<Incident['status'], number> = {
  open: 0,
  investigating: 1,
  identified: 2,
  monitoring: 3,
  resolved: 4,
};

const newestFirst = (a: Incident, b: Incident) =>
  Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** The sidecar's order for each sort, as a comparator (negative: `a` comes first). */
export function compareFor(sort: IncidentSort): (a: Incident, b: Incident) => number {
  switch (sort) {
    case 'newest':
      return newestFirst;
    case 'oldest':
      return (a, b) => -newestFirst(a, b);
    case 'severity':
      return (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || newestFirst(a, b);
    case 'status':
      return (a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || newestFirst(a, b);
    case 'duration':
      return (a, b) => {
        if (!a.resolvedAt !== !b.resolvedAt) {
          return a.resolvedAt ? 1 : -1;
        }
        const longest = a.resolvedAt
          ? Date.parse(b.resolvedAt!) - Date.parse(b.startedAt) - (Date.parse(a.resolvedAt) - Date.parse(a.startedAt))
          : Date.parse(a.startedAt) - Date.parse(b.startedAt);
        return longest || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
      };
  }
}
