import { lastValueFrom } from 'rxjs';
import { getBackendSrv, type BackendSrvRequest } from '@grafana/runtime';
import { SIDECAR_API_BASE, SIDECAR_HEALTH_BASE } from '../constants';
import { toApiError } from './errors';
import type {
  ActiveIncidentsPage,
  AlertFilters,
  AlertPage,
  CreateIncidentInput,
  Incident,
  IncidentFilters,
  IncidentPage,
  PageOf,
  ReadyStatus,
  Service,
  ServiceInput,
  Severity,
  Slo,
  SloStatus,
  TimelineEvent,
  UpdateIncidentInput,
} from './types';

export { ApiError, toApiError } from './errors';

/** Options every call accepts. */
export interface CallOptions {
  /** Aborts the HTTP request (e.g. when the component that asked unmounts or the filter changes). */
  signal?: AbortSignal;
}

type Request = Pick<BackendSrvRequest, 'url' | 'method' | 'data' | 'params'>;

/** One sidecar call through Grafana's proxy; every failure becomes an ApiError. Shared by the api/ modules. */
export async function call<T>(request: Request, { signal }: CallOptions = {}): Promise<T> {
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({
        ...request,
        // Errors are shown inline next to what failed; Grafana's toast would duplicate them.
        showErrorAlert: false,
        showSuccessAlert: false,
        abortSignal: signal,
      })
    );
    return response.data;
  } catch (e) {
    throw toApiError(e);
  }
}

/**
 * Every item of a list the sidecar pages (limit and cursor), following nextCursor: for the lists the UI shows whole
 * (a timeline, the service catalog, channels, people...). Each page is one bounded request.
 */
export async function listEveryPage<T>(
  url: string,
  options?: CallOptions,
  params: Record<string, string | number> = {}
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null | undefined;
  do {
    const page: PageOf<T> = await call({ url, params: cursor ? { ...params, cursor } : params }, options);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** Absolute proxy URL of one incident (the base of its sub-resources). */
export const incidentUrl = (id: string) => `${SIDECAR_API_BASE}/incidents/${encodeURIComponent(id)}`;

/** Query parameters for GET /incidents. Lists are joined with commas (Grafana would repeat the key instead). */
export function incidentQueryParams(filters: IncidentFilters): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  if (filters.status?.length) {
    params.status = filters.status.join(',');
  }
  if (filters.severity?.length) {
    params.severity = filters.severity.join(',');
  }
  for (const key of ['service', 'q', 'from', 'to', 'cursor', 'sort'] as const) {
    const value = filters[key];
    if (value) {
      params[key] = value;
    }
  }
  if (filters.limit !== undefined) {
    params.limit = filters.limit;
  }
  return params;
}

/** GET /api/incidents: newest first by startedAt (or in `sort` order), one page at a time (pass `nextCursor` back as `cursor`). */
export function listIncidents(filters: IncidentFilters = {}, options?: CallOptions): Promise<IncidentPage> {
  return call({ url: `${SIDECAR_API_BASE}/incidents`, params: incidentQueryParams(filters) }, options);
}

/**
 * GET /api/incidents/active: the first `limit` unresolved incidents (of these severities, on this service), most
 * severe then oldest first, and how many match (`total`, counted up to 1,000: `isTotalExact` false past that).
 */
export function listActiveIncidents(
  query: { severity?: Severity[]; service?: string; limit?: number } = {},
  options?: CallOptions
): Promise<ActiveIncidentsPage> {
  const params: Record<string, string | number> = {};
  if (query.severity?.length) {
    params.severity = query.severity.join(',');
  }
  if (query.service) {
    params.service = query.service;
  }
  if (query.limit !== undefined) {
    params.limit = query.limit;
  }
  return call({ url: `${SIDECAR_API_BASE}/incidents/active`, params }, options);
}

/** GET /api/incidents/:id. */
export function getIncident(id: string, options?: CallOptions): Promise<Incident> {
  return call({ url: incidentUrl(id) }, options);
}

/** POST /api/incidents → the created incident. 400 VALIDATION_FAILED carries `details.issues`. */
export function createIncident(input: CreateIncidentInput, options?: CallOptions): Promise<Incident> {
  return call({ url: `${SIDECAR_API_BASE}/incidents`, method: 'POST', data: input }, options);
}

/**
 * PATCH /api/incidents/:id. `input.version` must be the version the user saw: a stale one gets 409 VERSION_CONFLICT
 * (details.current = the incident as it is now); a move the lifecycle forbids gets 409 STATUS_TRANSITION_INVALID.
 */
export function updateIncident(id: string, input: UpdateIncidentInput, options?: CallOptions): Promise<Incident> {
  return call({ url: incidentUrl(id), method: 'PATCH', data: input }, options);
}

/** GET /api/incidents/:id/timeline, oldest first, every page of it. */
export function getTimeline(id: string, options?: CallOptions): Promise<TimelineEvent[]> {
  return listEveryPage(`${incidentUrl(id)}/timeline`, options, { limit: 1000 });
}

/** POST /api/incidents/:id/timeline: adds a note. */
export function addNote(id: string, message: string, options?: CallOptions): Promise<TimelineEvent> {
  return call({ url: `${incidentUrl(id)}/timeline`, method: 'POST', data: { message } }, options);
}

/**
 * POST /api/incidents/:id/acknowledge (editor): once; a second call changes nothing and answers the incident. The
 * `acknowledged` timeline entry says who.
 */
export function acknowledgeIncident(id: string, options?: CallOptions): Promise<Incident> {
  return call({ url: `${incidentUrl(id)}/acknowledge`, method: 'POST', data: {} }, options);
}

/** GET /api/services, every page: the catalog (the declare form's service picker). */
export function listServices(options?: CallOptions): Promise<Service[]> {
  return listEveryPage(`${SIDECAR_API_BASE}/services`, options, { limit: 500 });
}

const serviceUrl = (name: string) => `${SIDECAR_API_BASE}/services/${encodeURIComponent(name)}`;

/** GET /api/services/:name: one service with `effectiveQueries` (its query templates with the defaults filled in). */
export function getService(name: string, options?: CallOptions): Promise<Service> {
  return call({ url: serviceUrl(name) }, options);
}

/** POST /api/services → the created service. 400 VALIDATION_FAILED carries `details.issues`; 409 a taken name. */
export function createService(input: ServiceInput, options?: CallOptions): Promise<Service> {
  return call({ url: `${SIDECAR_API_BASE}/services`, method: 'POST', data: input }, options);
}

/** PATCH /api/services/:name with the fields to change (a new `name` renames it). */
export function updateService(name: string, input: Partial<ServiceInput>, options?: CallOptions): Promise<Service> {
  return call({ url: serviceUrl(name), method: 'PATCH', data: input }, options);
}

/** GET /api/slos, every page: every SLO. */
export function listSlos(options?: CallOptions): Promise<Slo[]> {
  return listEveryPage(`${SIDECAR_API_BASE}/slos`, options, { limit: 500 });
}

/** GET /api/slos/:id/status, live from Prometheus; 503 UPSTREAM_UNAVAILABLE when Prometheus is not there. */
export function getSloStatus(id: string, options?: CallOptions): Promise<SloStatus> {
  return call({ url: `${SIDECAR_API_BASE}/slos/${encodeURIComponent(id)}/status` }, options);
}

/** Query parameters for GET /alerts (lists joined with commas). */
export function alertQueryParams(filters: AlertFilters): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  for (const key of ['status', 'severity', 'source'] as const) {
    const values = filters[key];
    if (values?.length) {
      params[key] = values.join(',');
    }
  }
  for (const key of ['alertname', 'from', 'to', 'cursor'] as const) {
    const value = filters[key];
    if (value) {
      params[key] = value;
    }
  }
  if (filters.hasIncident !== undefined) {
    params.hasIncident = String(filters.hasIncident);
  }
  if (filters.limit !== undefined) {
    params.limit = filters.limit;
  }
  return params;
}

/** GET /api/alerts: newest first, one page at a time (pass `nextCursor` back as `cursor`). */
export function listAlerts(filters: AlertFilters = {}, options?: CallOptions): Promise<AlertPage> {
  return call({ url: `${SIDECAR_API_BASE}/alerts`, params: alertQueryParams(filters) }, options);
}

/**
 * Proves the saved token works: /health/ready answers without one, so "Test connection" also makes the cheapest
 * authenticated read (GET /api/services, one item). Rejects with the sidecar's 401/403 when the token is refused.
 */
export async function verifyToken(options?: CallOptions): Promise<void> {
  await call({ url: `${SIDECAR_API_BASE}/services`, params: { limit: 1 } }, options);
}

function isReadyStatus(data: unknown): data is ReadyStatus {
  const d = data as Partial<ReadyStatus> | null;
  return typeof d === 'object' && d !== null && typeof d.status === 'string' && typeof d.checks === 'object';
}

/**
 * GET /health/ready through the proxy, with the SAVED settings (Grafana's proxy reads them from its database).
 * A 503 whose body is the readiness report (database down) resolves with `status: 'not_ready'` rather than throwing,
 * so the caller can say which check failed.
 */
export async function checkReady(options: CallOptions = {}): Promise<ReadyStatus> {
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<ReadyStatus>({
        url: `${SIDECAR_HEALTH_BASE}/ready`,
        showErrorAlert: false,
        abortSignal: options.signal,
      })
    );
    return response.data;
  } catch (e) {
    const err = e as { status?: unknown; data?: unknown };
    if (err && err.status === 503 && isReadyStatus(err.data)) {
      return err.data;
    }
    throw toApiError(e);
  }
}
