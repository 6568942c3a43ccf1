import { lastValueFrom } from 'rxjs';
import type { PluginMeta } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { PLUGIN_SETTINGS_URL } from '../../constants';
import { toError } from '../../utils/toError';

/** The app's jsonData (readable by every Grafana user: never put secrets here). */
export interface AppJsonData {
  /** Base URL of the sidecar as Grafana's server reaches it; the proxy routes append /api and /health. */
  sidecarUrl?: string;
  /**
   * Public ws(s):// URL of the sidecar's /live endpoint, as browsers reach it (WebSockets do not go through Grafana's
   * proxy). Optional: derived from sidecarUrl when empty (see api/liveConnection.ts).
   */
  liveUrl?: string;
  /** Uids of the datasources the plugin's "Open in Explore" links use (empty: no Explore link for that signal). */
  prometheusUid?: string;
  lokiUid?: string;
  tempoUid?: string;
}

/** The datasource uids the config page edits, with their datasource type. */
export const DATASOURCE_FIELDS = [
  { key: 'prometheusUid', type: 'prometheus', label: 'Prometheus' },
  { key: 'lokiUid', type: 'loki', label: 'Loki' },
  { key: 'tempoUid', type: 'tempo', label: 'Tempo' },
] as const;
export type DatasourceKey = (typeof DATASOURCE_FIELDS)[number]['key'];

/** The app's secureJsonData (write-only from the browser; Grafana stores it encrypted). */
export interface AppSecureJsonData {
  /** Sent by the proxy as `Authorization: Bearer <token>`. */
  sidecarToken?: string;
}

/**
 * Why `value` is not a usable Sidecar URL, or undefined when it is. The proxy appends "/api" and "/health" to it,
 * so a query string or fragment would break every call.
 */
export function sidecarUrlProblem(value: string): string | undefined {
  if (value.trim() === '') {
    return 'Enter the URL Grafana uses to reach the sidecar, e.g. http://reliability-sidecar:9000.';
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) {
    return 'Include the scheme, e.g. http://reliability-sidecar:9000.';
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return 'Not a URL. Use the form http://host:port.';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return 'Use an http:// or https:// URL.';
  }
  if (url.search || url.hash) {
    return 'Leave out the query string and fragment: Grafana appends /api and /health to this URL.';
  }
  return undefined;
}

/** Why `value` is not a usable Live URL, or undefined when it is (empty is fine: the Sidecar URL is used). */
export function liveUrlProblem(value: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed === '') {
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return 'Not a URL. Use the form wss://host/live.';
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    return 'Use a ws:// or wss:// URL (wss:// when Grafana is served over https).';
  }
  if (url.search || url.hash) {
    return 'Leave out the query string and fragment: the ticket is added to this URL.';
  }
  return undefined;
}

/** The URL as saved: trimmed, without trailing slashes (the routes add "/api"). */
export const normalizeSidecarUrl = (value: string): string => value.trim().replace(/\/+$/, '');

/** What Grafana's own API said when it refused (not the sidecar's envelope). */
export function grafanaErrorMessage(e: unknown): string {
  const data = (e as { data?: { message?: unknown } } | null)?.data;
  return typeof data?.message === 'string' && data.message ? data.message : toError(e).message;
}

/** POST /api/plugins/<id>/settings, as Grafana's own plugin config pages do. */
export async function saveSettings(
  data: Partial<PluginMeta<AppJsonData>> & { secureJsonData?: AppSecureJsonData }
): Promise<void> {
  await lastValueFrom(getBackendSrv().fetch({ url: PLUGIN_SETTINGS_URL, method: 'POST', data, showErrorAlert: false }));
}

/**
 * Grafana caches plugin settings per page load; a reload is the supported way to make the new ones effective.
 * An object so tests can replace it.
 */
export const page = {
  reload: () => window.location.reload(),
};
