import { toError } from '../utils/toError';
import type { ErrorEnvelope, IncidentStatus, StatusTransitionDetails, ValidationIssue } from './types';

/** Codes the client itself produces when the sidecar's envelope is not there (the sidecar's own codes pass through). */
export const CLIENT_ERROR_CODES = {
  /** Grafana's proxy answered 502/504: the sidecar is down, or the Sidecar URL is wrong or unset. */
  sidecarUnreachable: 'SIDECAR_UNREACHABLE',
  /** The browser could not reach Grafana at all (offline, DNS, CORS, Grafana restarting). */
  network: 'NETWORK_ERROR',
  /** Grafana refused the proxy route for this user's role (reqRole in plugin.json). */
  proxyForbidden: 'PROXY_FORBIDDEN',
  /** Grafana itself answered 401: the user's session is gone. */
  grafanaUnauthorized: 'GRAFANA_UNAUTHORIZED',
  cancelled: 'REQUEST_CANCELLED',
  unknown: 'UNKNOWN',
} as const;

export interface ApiErrorInit {
  code: string;
  message: string;
  /** HTTP status; 0 when there was no HTTP answer. */
  status: number;
  requestId?: string;
  details?: Record<string, unknown>;
}

/** Every failure of a sidecar call, whatever its origin, as one Error the UI can display. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly requestId?: string;
  readonly details?: Record<string, unknown>;

  constructor({ code, message, status, requestId, details }: ApiErrorInit) {
    super(message);
    // Keeps `instanceof ApiError` true when the class is compiled down to ES5.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.requestId = requestId;
    this.details = details;
  }
}

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null;

function isEnvelope(data: unknown): data is ErrorEnvelope {
  return (
    isObject(data) &&
    isObject(data.error) &&
    typeof data.error.code === 'string' &&
    typeof data.error.message === 'string'
  );
}

/** The message Grafana (not the sidecar) put in a non-envelope body, if any worth showing. */
function grafanaMessage(data: unknown, statusText?: unknown): string | undefined {
  let message: unknown;
  if (typeof data === 'string') {
    message = data;
  } else if (isObject(data)) {
    message = data.message ?? data.error;
  }
  if (typeof message === 'string' && message.trim() !== '' && message !== 'Unexpected error') {
    return message.trim();
  }
  return typeof statusText === 'string' && statusText !== '' ? statusText : undefined;
}

/**
 * Turns anything a sidecar call can throw into an ApiError:
 * - the sidecar's envelope `{error: {code, message, details, request_id}}` → its code, message, details, request id;
 * - Grafana's proxy 502/504 (sidecar down or Sidecar URL wrong, body `{message}` or empty) → SIDECAR_UNREACHABLE;
 * - no HTTP answer (status 0/-1/absent, or a TypeError from fetch) → NETWORK_ERROR;
 * - Grafana's own 401/403 → GRAFANA_UNAUTHORIZED / PROXY_FORBIDDEN;
 * - any other HTTP answer → `HTTP_<status>`; anything else → UNKNOWN with the thrown value's message.
 */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) {
    return e;
  }
  // fetch rejects with a TypeError when there is no HTTP answer; Grafana's FetchError carries status and data.
  const isHttpFailure = isObject(e) && ('status' in e || 'data' in e || e instanceof TypeError);
  if (!isHttpFailure) {
    return new ApiError({ code: CLIENT_ERROR_CODES.unknown, message: toError(e).message, status: 0 });
  }

  const status = typeof e.status === 'number' ? e.status : 0;
  const data = e.data;

  if (isEnvelope(data)) {
    const { code, message, details, request_id } = data.error;
    return new ApiError({ code, message, status, requestId: request_id || undefined, details });
  }

  if (e.cancelled === true) {
    return new ApiError({ code: CLIENT_ERROR_CODES.cancelled, message: 'The request was cancelled.', status });
  }

  const said = grafanaMessage(data, e.statusText);
  const saidSuffix = said ? ` (Grafana said: ${said})` : '';

  if (status === 502 || status === 504) {
    const what = status === 504 ? 'did not answer in time' : 'cannot be reached';
    return new ApiError({
      code: CLIENT_ERROR_CODES.sidecarUnreachable,
      message:
        `The Reliability Studio sidecar ${what} through Grafana's proxy${saidSuffix}. ` +
        `Check that the sidecar is running and that the Sidecar URL in the app's configuration is right.`,
      status,
    });
  }

  if (status <= 0) {
    const detail = e instanceof Error && e.message && e.message !== 'Unexpected error' ? ` (${e.message})` : '';
    return new ApiError({
      code: CLIENT_ERROR_CODES.network,
      message: `Grafana could not be reached${detail}. Check your network connection and try again.`,
      status: 0,
    });
  }

  if (status === 401) {
    return new ApiError({
      code: CLIENT_ERROR_CODES.grafanaUnauthorized,
      message: `Grafana did not accept your session${saidSuffix}. Sign in again.`,
      status,
    });
  }

  if (status === 403) {
    return new ApiError({
      code: CLIENT_ERROR_CODES.proxyForbidden,
      message: `Grafana refused this request for your role${saidSuffix}. Declaring or changing incidents needs the Editor role.`,
      status,
    });
  }

  return new ApiError({
    code: `HTTP_${status}`,
    message: said ? `Request failed with HTTP ${status}: ${said}` : `Request failed with HTTP ${status}.`,
    status,
  });
}

/** The sidecar could not be reached at all (as opposed to answering with an error). */
export function isUnreachable(error: ApiError): boolean {
  return error.code === CLIENT_ERROR_CODES.sidecarUnreachable || error.code === CLIENT_ERROR_CODES.network;
}

/** `details.issues` of a 400 VALIDATION_FAILED, or [] for any other error. */
export function validationIssues(error: ApiError): ValidationIssue[] {
  const issues = error.details?.issues;
  if (error.code !== 'VALIDATION_FAILED' || !Array.isArray(issues)) {
    return [];
  }
  return issues.filter(
    (i): i is ValidationIssue =>
      isObject(i) && typeof i.message === 'string' && (typeof i.path === 'string' || Array.isArray(i.path))
  );
}

/** First segment of an issue's path ("services.0" or ["services", 0] → "services"); "" for the whole body. */
export function issueField(issue: ValidationIssue): string {
  const first = Array.isArray(issue.path) ? issue.path[0] : issue.path.split(/[.[]/)[0];
  return first === undefined ? '' : String(first);
}

/** `details` of a 409 STATUS_TRANSITION_INVALID, if that is what this error is. */
export function statusTransitionDetails(error: ApiError): StatusTransitionDetails | undefined {
  const d = error.details;
  if (error.code !== 'STATUS_TRANSITION_INVALID' || !d || !Array.isArray(d.allowed)) {
    return undefined;
  }
  return { from: d.from as IncidentStatus, to: d.to as IncidentStatus, allowed: d.allowed as IncidentStatus[] };
}
