import { Observable } from 'rxjs';
import { setBackendSrv, type BackendSrv, type BackendSrvRequest, type FetchResponse } from '@grafana/runtime';

/** What a fake route answers: an HTTP status and a body. status >= 400 (or <= 0) is delivered as a FetchError. */
export interface FakeReply {
  status: number;
  data?: unknown;
  statusText?: string;
}

type Responder = FakeReply | ((request: BackendSrvRequest) => FakeReply);

interface FakeRoute {
  method: string;
  url: string;
  responder: Responder;
}

export const reply = (status: number, data?: unknown, statusText?: string): FakeReply => ({ status, data, statusText });

/** The sidecar's error envelope, as the proxy passes it through. */
export const envelope = (code: string, message: string, details?: Record<string, unknown>, requestId = 'req-123') => ({
  error: { code, message, details, request_id: requestId, timestamp: '2026-01-01T00:00:00.000Z' },
});

/**
 * A test double for Grafana's BackendSrv at the HTTP boundary: routes by method + URL (without query), answers with
 * observables the way the real one does (FetchResponse on success, a FetchError-shaped object on failure), and
 * records every request. The most recently registered route for a method + URL wins.
 */
export class FakeBackendSrv {
  readonly requests: BackendSrvRequest[] = [];
  private routes: FakeRoute[] = [];

  on(method: string, url: string, responder: Responder): this {
    this.routes.unshift({ method: method.toUpperCase(), url, responder });
    return this;
  }

  requestsTo(method: string, url: string): BackendSrvRequest[] {
    return this.requests.filter((r) => (r.method ?? 'GET').toUpperCase() === method.toUpperCase() && r.url === url);
  }

  fetch = <T>(request: BackendSrvRequest): Observable<FetchResponse<T>> => {
    this.requests.push(request);
    const method = (request.method ?? 'GET').toUpperCase();
    const route = this.routes.find((r) => r.method === method && r.url === request.url);
    return new Observable<FetchResponse<T>>((subscriber) => {
      // Answer asynchronously, like a real request.
      const timer = setTimeout(() => {
        const answer: FakeReply = !route
          ? reply(404, { message: `no fake route for ${method} ${request.url}` })
          : typeof route.responder === 'function'
            ? route.responder(request)
            : route.responder;
        if (answer.status >= 400 || answer.status <= 0) {
          subscriber.error({
            status: answer.status,
            statusText: answer.statusText,
            data: answer.data,
            config: request,
          });
          return;
        }
        subscriber.next({
          data: answer.data as T,
          status: answer.status,
          statusText: answer.statusText ?? 'OK',
          ok: true,
          headers: {} as Headers,
          redirected: false,
          type: 'basic',
          url: request.url,
          config: request,
        });
        subscriber.complete();
      }, 0);
      return () => clearTimeout(timer);
    });
  };
}

/** Installs a fresh fake as Grafana's BackendSrv and returns it. */
export function installFakeBackendSrv(): FakeBackendSrv {
  const fake = new FakeBackendSrv();
  setBackendSrv(fake as unknown as BackendSrv);
  return fake;
}
