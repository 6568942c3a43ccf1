import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;

/** Where Grafana mounts the app's pages. */
export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;

/** Grafana's plugin proxy for this app: it adds the sidecar token and forwards by the routes in plugin.json. */
export const PLUGIN_PROXY_BASE = `/api/plugin-proxy/${PLUGIN_ID}`;
export const SIDECAR_API_BASE = `${PLUGIN_PROXY_BASE}/api`;
export const SIDECAR_HEALTH_BASE = `${PLUGIN_PROXY_BASE}/health`;

/** Where the config page saves the app's settings (Grafana's own API). */
export const PLUGIN_SETTINGS_URL = `/api/plugins/${PLUGIN_ID}/settings`;

/** Page routes, relative to PLUGIN_BASE_URL. */
export enum ROUTES {
  Incidents = 'incidents',
  Services = 'services',
  Slos = 'slos',
  Alerts = 'alerts',
  /** Where notifications go (channels) and which incident events go there (rules). */
  Notifications = 'notifications',
  /** Who is on call now and next per schedule, two weeks of shifts, taking the pager and covering. */
  OnCall = 'on-call',
  /** Who gets paged, in which order and after how long, and which services use which policy. */
  EscalationPolicies = 'escalation-policies',
  /** One incident's war room; `?wallboard=1` shows it full screen for a war-room display. */
  WarRoom = 'incidents/:id',
  /** One incident's review (postmortem draft). */
  Review = 'incidents/:id/review',
}

/** Absolute URL of a page of this app, e.g. prefixRoute(ROUTES.Incidents) → "/a/reliability-studio-app/incidents". */
export function prefixRoute(route: string): string {
  return `${PLUGIN_BASE_URL}/${route}`;
}

/** Absolute URL of an incident's war room (`wallboard`: the full-screen display mode). */
export function warRoomUrl(incidentId: string, options: { wallboard?: boolean } = {}): string {
  const path = prefixRoute(`${ROUTES.Incidents}/${encodeURIComponent(incidentId)}`);
  return options.wallboard ? `${path}?wallboard=1` : path;
}

/** Absolute URL of an incident's review page. */
export function reviewUrl(incidentId: string): string {
  return `${warRoomUrl(incidentId)}/review`;
}
