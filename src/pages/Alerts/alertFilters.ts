import {
  ALERT_SOURCES,
  ALERT_STATUSES,
  SEVERITIES,
  type AlertFilters,
  type AlertSource,
  type AlertStatus,
  type Severity,
} from '../../api/types';

/**
 * The alerts page's filters, kept in the URL (`status=firing`, `severity=critical,high`, `source=grafana`,
 * `alertname=`, `incident=with|without`) so a view can be shared. Defaults are left out.
 */
export interface AlertView {
  /** Empty: firing and resolved. */
  status: AlertStatus[];
  severity: Severity[];
  source: AlertSource[];
  alertname: string;
  incident: 'any' | 'with' | 'without';
}

export const DEFAULT_ALERT_VIEW: AlertView = { status: [], severity: [], source: [], alertname: '', incident: 'any' };

const listOf = <T extends string>(raw: string | null, known: readonly T[]): T[] => {
  const values = (raw ?? '').split(',');
  return known.filter((k) => values.includes(k));
};

/** Reads the view from the URL; unknown values are dropped. */
export function parseAlertView(params: URLSearchParams): AlertView {
  const incident = params.get('incident');
  return {
    status: listOf(params.get('status'), ALERT_STATUSES),
    severity: listOf(params.get('severity'), SEVERITIES),
    source: listOf(params.get('source'), ALERT_SOURCES),
    alertname: params.get('alertname')?.trim() ?? '',
    incident: incident === 'with' || incident === 'without' ? incident : 'any',
  };
}

const PARAMS = ['status', 'severity', 'source', 'alertname', 'incident'];

/** Writes the view into URL parameters, keeping those that are not the view's (e.g. `theme`). */
export function serializeAlertView(view: AlertView, base = new URLSearchParams()): URLSearchParams {
  const params = new URLSearchParams(base);
  PARAMS.forEach((p) => params.delete(p));
  if (view.status.length) {
    params.set('status', view.status.join(','));
  }
  if (view.severity.length) {
    params.set('severity', view.severity.join(','));
  }
  if (view.source.length) {
    params.set('source', view.source.join(','));
  }
  if (view.alertname) {
    params.set('alertname', view.alertname);
  }
  if (view.incident !== 'any') {
    params.set('incident', view.incident);
  }
  return params;
}

/** The GET /api/alerts query of a view. */
export function alertQueryFor(view: AlertView): AlertFilters {
  return {
    status: view.status.length ? view.status : undefined,
    severity: view.severity.length ? view.severity : undefined,
    source: view.source.length ? view.source : undefined,
    alertname: view.alertname || undefined,
    hasIncident: view.incident === 'any' ? undefined : view.incident === 'with',
  };
}
