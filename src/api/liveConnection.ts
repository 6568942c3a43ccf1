import { lastValueFrom } from 'rxjs';
import { getBackendSrv } from '@grafana/runtime';
import { SIDECAR_API_BASE } from '../constants';
import { toApiError } from './errors';
import { LiveClient } from './live';

/** The part of the app's jsonData the live feed reads (see components/AppConfig/settings.ts). */
export interface LiveSettings {
  sidecarUrl?: string;
  liveUrl?: string;
}

/**
 * Where the browser opens the live WebSocket. WebSockets do not go through Grafana's plugin proxy, so this is the
 * sidecar's public URL: `liveUrl` when set (ws:// or wss://, e.g. behind the same ingress as Grafana), else
 * derived from `sidecarUrl` (http → ws, https → wss, + /live), which works when browsers reach the sidecar at the
 * same address Grafana does. Null when neither gives a usable URL.
 */
export function liveUrlFor(settings: LiveSettings | undefined | null): string | null {
  const explicit = settings?.liveUrl?.trim();
  if (explicit) {
    return /^wss?:\/\//i.test(explicit) ? explicit : null;
  }
  const sidecar = settings?.sidecarUrl?.trim();
  if (!sidecar || !/^https?:\/\//i.test(sidecar)) {
    return null;
  }
  return `${sidecar.replace(/^http/i, 'ws').replace(/\/+$/, '')}/live`;
}

/**
 * POST /api/live/tickets through Grafana's proxy: a single-use ticket (~30 s) for one WebSocket upgrade. The
 * sidecar token never reaches the browser; the ticket is worthless after one use.
 */
export async function getLiveTicket(): Promise<string> {
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<{ ticket: string }>({
        url: `${SIDECAR_API_BASE}/live/tickets`,
        method: 'POST',
        showErrorAlert: false,
        showSuccessAlert: false,
      })
    );
    return response.data.ticket;
  } catch (e) {
    throw toApiError(e);
  }
}

const clients = new Map<string, LiveClient>();

/**
 * One live client per URL for the whole page load: every page and panel shares its socket, so navigating between
 * pages re-subscribes instead of reconnecting.
 */
export function sharedLiveClient(url: string): LiveClient {
  let client = clients.get(url);
  if (!client) {
    client = new LiveClient({ url, getTicket: getLiveTicket });
    clients.set(url, client);
  }
  return client;
}
