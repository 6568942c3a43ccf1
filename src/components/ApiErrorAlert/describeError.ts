import { CLIENT_ERROR_CODES, isUnreachable, type ApiError } from '../../api/errors';

export const UNREACHABLE_TITLE = 'Cannot reach the Reliability Studio sidecar';
export const REFUSED_TITLE = 'The Reliability Studio sidecar refused the request';

/** A title for an error alert: says who failed (network/proxy, sidecar auth) before falling back to `fallback`. */
export function errorTitle(error: ApiError, fallback: string): string {
  if (isUnreachable(error)) {
    return UNREACHABLE_TITLE;
  }
  if (isSidecarAuthError(error)) {
    return REFUSED_TITLE;
  }
  if (error.code === CLIENT_ERROR_CODES.proxyForbidden) {
    return 'Grafana refused the request';
  }
  return fallback;
}

/** The sidecar (not Grafana) answered 401/403: the token Grafana's proxy sent is wrong or lacks the role. */
export function isSidecarAuthError(error: ApiError): boolean {
  return (
    (error.status === 401 || error.status === 403) &&
    error.code !== CLIENT_ERROR_CODES.grafanaUnauthorized &&
    error.code !== CLIENT_ERROR_CODES.proxyForbidden
  );
}
