/**
 * Grafana's BackendSrv (public/app/core/services/backend_srv.ts + core/utils/fetch.ts) without the fetch queue,
 * 401 token rotation, success/error toasts and the query inspector. Same request and error shapes.
 */
import { lastValueFrom, Observable, throwError } from 'rxjs';
import { fromFetch } from 'rxjs/fetch';
import { catchError, map, mergeMap } from 'rxjs/operators';
import type { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';

const isLocalUrl = (url: string) => !url.match(/^http/); // core/utils/query.ts
const isJson = (h: Headers) => h.get('content-type')?.toLowerCase() === 'application/json'; // exact match, as Grafana

function parseUrl({ url, params }: BackendSrvRequest): string {
  const kept = Object.entries(params ?? {}).filter(([, v]) => v !== undefined && !(v && v.length === 0));
  const enc = (k: string, v: unknown) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`;
  const query = kept.map(([k, v]) => (Array.isArray(v) ? v.map((x) => enc(k, x)).join('&') : enc(k, v))).join('&');
  return params && query.length ? `${url}?${query}` : url;
}

function parseInit(options: BackendSrvRequest): RequestInit {
  const headers = new Headers(options.headers ?? {});
  if (['post', 'put', 'patch'].includes(options.method?.toLowerCase() ?? '') && !headers.get('content-type')) {
    headers.set('content-type', 'application/json');
  }
  if (!headers.get('accept')) {
    headers.set('accept', 'application/json, text/plain, */*');
  }
  const { data } = options;
  const body =
    !data || typeof data === 'string' ? data : isJson(headers) ? JSON.stringify(data) : new URLSearchParams(data);
  const credentials = options.credentials ?? (options.withCredentials ? 'include' : 'same-origin');
  return { method: options.method, headers, body, credentials };
}

async function parseBody(response: Response, responseType?: BackendSrvRequest['responseType']): Promise<unknown> {
  switch (responseType) {
    case 'arraybuffer':
      return response.arrayBuffer();
    case 'blob':
      return response.blob();
    case 'text':
      return response.text();
    case 'json':
      return response.headers.get('Content-Length') === '0' ? {} : response.json();
  }
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** processRequestError: `data` always ends up an object with a `message`. Network errors arrive as a TypeError. */
function processRequestError(err: FetchError & { data: any }): FetchError {
  err.data = err.data ?? { message: 'Unexpected error' };
  if (typeof err.data === 'string') {
    err.data = { message: err.data, error: err.statusText, response: err.data };
  }
  if (err.data && !err.data.message && typeof err.data.error === 'string') {
    err.data.message = err.data.error;
  }
  return err;
}

export class HostBackendSrv implements BackendSrv {
  fetch<T>(request: BackendSrvRequest): Observable<FetchResponse<T>> {
    const options: BackendSrvRequest = { ...request, retry: request.retry ?? 0 };
    if (isLocalUrl(options.url)) {
      const headers: Record<string, any> = { ...options.headers, 'X-Grafana-Org-Id': 1 };
      if (headers.Authorization) {
        headers['X-DS-Authorization'] = headers.Authorization;
        delete headers.Authorization;
      }
      // Relative to <base href>, which is how Grafana supports serving from a sub path.
      options.url = options.url.replace(/^\//, '');
      options.headers = headers;
    }
    return fromFetch(parseUrl(options), parseInit(options)).pipe(
      mergeMap(async (r) => {
        const type = options.responseType ?? (isJson(r.headers) ? 'json' : undefined);
        const data = (await parseBody(r, type)) as T;
        const traceId = r.headers.get('grafana-trace-id') ?? undefined;
        const { status, statusText, ok, headers, url, redirected } = r;
        return { status, statusText, ok, headers, url, type: r.type, redirected, data, config: options, traceId };
      }),
      map((response) => {
        if (!response.ok) {
          const { status, statusText, data, traceId } = response;
          throw { status, statusText, data, config: options, traceId } satisfies FetchError;
        }
        return response;
      }),
      catchError((err) => throwError(() => processRequestError(err)))
    );
  }

  request<T>(options: BackendSrvRequest): Promise<T> {
    return lastValueFrom(this.fetch<T>(options).pipe(map((r) => r.data)));
  }
  datasourceRequest<T>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
    return lastValueFrom(this.fetch<T>(options));
  }
  get<T>(url: string, params?: any, requestId?: string, options?: Partial<BackendSrvRequest>) {
    return this.request<T>({ ...options, method: 'GET', url, params, requestId });
  }
  delete = <T>(url: string, data?: unknown, o?: Partial<BackendSrvRequest>) => this.send<T>('DELETE', url, data, o);
  post = <T>(url: string, data?: unknown, o?: Partial<BackendSrvRequest>) => this.send<T>('POST', url, data, o);
  patch = <T>(url: string, data?: unknown, o?: Partial<BackendSrvRequest>) => this.send<T>('PATCH', url, data, o);
  put = <T>(url: string, data?: unknown, o?: Partial<BackendSrvRequest>) => this.send<T>('PUT', url, data, o);
  private send<T>(method: string, url: string, data?: unknown, options?: Partial<BackendSrvRequest>) {
    return this.request<T>({ ...options, method, url, data });
  }
  chunked(): Observable<FetchResponse<Uint8Array | undefined>> {
    return throwError(() => new Error('backendSrv.chunked() is not implemented by the host'));
  }
}
