/**
 * What the telemetry clients (Prometheus, Loki, Tempo) share: how a datasource's URL and credentials become a base
 * URL and headers, the one function that sends their requests (and traces each as an OpenTelemetry CLIENT span),
 * how a 429's Retry-After is read, one error type for HTTP answers that are not the API's, and the one
 * classification of those errors for the dependency policies.
 */
import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import { traceHeaders } from '../observability/tracing.js';
import { DependencyFailure, type FailureClass, type PolicyOptions } from '../resilience/policy.js';

// Still "development" in the semantic conventions (1.45), so only in the package's `incubating` entry point, which
// its README advises copying names from rather than importing.
const ATTR_URL_TEMPLATE = 'url.template';

export interface DatasourceAuth {
  /** e.g. https://user:pass@loki:3100/prefix; basic auth in the URL is sent as a header. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` (wins over basic auth in the URL: one Authorization header only). */
  token?: string;
  /** Multi-tenant Loki/Tempo/Mimir: sent as `X-Scope-OrgID`. */
  tenant?: string;
}

/** How the process reaches one telemetry backend (config.ts `prometheus`, `loki`, `tempo`); no URL: not configured. */
export interface DatasourceConfig extends Partial<DatasourceAuth> {
  cacheTtlMs: number;
  policy: PolicyOptions;
}

/**
 * A base URL without credentials (fetch refuses credentials in URLs) and the headers every call to the datasource
 * carries: Authorization (basic from the URL, or bearer) and X-Scope-OrgID.
 */
export function datasourceConnection(auth: DatasourceAuth): { baseUrl: string; headers: Record<string, string> } {
  const url = new URL(auth.url);
  const headers: Record<string, string> = {};
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (auth.tenant) headers['x-scope-orgid'] = auth.tenant;
  return { baseUrl: url.href.replace(/\/+$/, ''), headers };
}

/** Reads a Retry-After header (seconds or an HTTP date) as milliseconds. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * A failed answer from a telemetry backend: `status` is the HTTP status (0: no answer; a 2xx whose body could not
 * be read is reported as 502), `errorType` the backend's own word when it gave one, else `unreachable`,
 * `bad_response` or `http_<status>`. `retryAfterMs` comes from a 429's Retry-After.
 */
export class TelemetryError extends Error {
  constructor(
    readonly dependency: string,
    readonly status: number,
    readonly errorType: string,
    message: string,
    readonly retryAfterMs?: number,
    cause?: unknown
  ) {
    super(message, { cause });
    this.name = 'TelemetryError';
  }

  /** True for a query the backend refused or could not run (400, 422, 404...): the query's fault, not the backend's. */
  get isQueryError(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 429;
  }
}

/**
 * How a telemetry policy treats errors: no answer or a 5xx is the backend being unwell (retried, counts towards the
 * breaker); a 429 is retried only when it says when (Retry-After), without tripping the breaker; other 4xx (Loki's
 * 400 parse errors, 499 cancelled by us) are the query's fault, never retried, never counted. Anything else thrown
 * by fetch (a TypeError for refused connections, resets and DNS failures) is the backend being unreachable.
 */
export function classifyStatus(status: number, retryAfter: number | undefined): FailureClass {
  if (status === 0 || status >= 500) return { retry: 'idempotent', isFailure: true };
  if (status === 429) return { retry: retryAfter !== undefined ? 'idempotent' : 'never', isFailure: false };
  return { retry: 'never', isFailure: false };
}

/** The classifier for the Loki and Tempo policies (see classifyStatus). */
export function classifyTelemetryError(err: unknown): FailureClass {
  if (err instanceof TelemetryError) return classifyStatus(err.status, err.retryAfterMs);
  return { retry: 'idempotent', isFailure: true };
}

export interface TextAnswer {
  status: number;
  ok: boolean;
  isJson: boolean;
  text: string;
  headers: Headers;
}

/** How a client sends: its fetch, and a tracer when tracing is on (one CLIENT span per request). */
export interface Transport {
  fetch: typeof fetch;
  tracer?: Tracer;
}

/** One HTTP request to a telemetry backend. */
export interface UpstreamRequest {
  /** `prometheus`, `loki` or `tempo`: named in errors. */
  dependency: string;
  method?: 'GET' | 'POST';
  /** Absolute, without credentials (datasourceConnection turned them into headers). */
  url: string;
  /**
   * The API route with its variable parts as placeholders (`/api/v2/traces/{traceId}`), never the query string:
   * the span's name, so it must stay low-cardinality.
   */
  urlTemplate: string;
  /** Sent as is (Authorization, X-Scope-OrgID...); `accept: application/json` and `traceparent` are added. */
  headers: Record<string, string>;
  body?: URLSearchParams;
  /** A status that is an answer rather than a failure for this call (Tempo's 404 for a trace it does not have). */
  isExpected?: (status: number) => boolean;
}

/**
 * Sends one request to a telemetry backend and reads the body as text. Each call is one physical request, so
 * with tracing on it is one CLIENT span (HTTP semantic conventions), named `{method} {url.template}`; `attempt`
 * is the dependency policy's (DependencyPolicy.execute) and becomes `http.request.resend_count` on a retry, so
 * the tries of one call are sibling spans under the caller's. The backend receives the span's own `traceparent`.
 * The span ends once the body is read, so an answer broken off midway is an error on it too.
 * A refused or reset connection becomes a TelemetryError with status 0; an abort (timeout, caller gave up) is
 * rethrown as is so the policy reports it as such.
 */
export async function send(
  transport: Transport,
  request: UpstreamRequest,
  signal: AbortSignal,
  attempt = 0
): Promise<TextAnswer> {
  if (!transport.tracer) return exchange(transport.fetch, request, request.headers, signal);
  const span = startClientSpan(transport.tracer, request, attempt);
  const headers = { ...request.headers, ...traceHeaders(trace.setSpan(context.active(), span)) };
  try {
    const answer = await exchange(transport.fetch, request, headers, signal);
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, answer.status);
    if (answer.status >= 400 && !request.isExpected?.(answer.status)) {
      span.setAttribute(ATTR_ERROR_TYPE, String(answer.status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    return answer;
  } catch (err) {
    span.setAttribute(ATTR_ERROR_TYPE, errorType(err, signal));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw err;
  } finally {
    span.end();
  }
}

/** One GET to a telemetry backend, the body read as text (see send). */
export function getText(
  transport: Transport,
  request: Omit<UpstreamRequest, 'method' | 'body'>,
  signal: AbortSignal,
  attempt = 0
): Promise<TextAnswer> {
  return send(transport, { ...request, method: 'GET' }, signal, attempt);
}

async function exchange(
  fetchFn: typeof fetch,
  request: UpstreamRequest,
  headers: Record<string, string>,
  signal: AbortSignal
): Promise<TextAnswer> {
  const { dependency } = request;
  let res: Response;
  try {
    res = await fetchFn(request.url, {
      method: request.method ?? 'GET',
      headers: { accept: 'application/json', ...headers },
      body: request.body,
      signal,
    });
  } catch (err) {
    if (signal.aborted) throw err;
    const message = `${dependency} did not answer: ${(err as Error).message}`;
    throw new TelemetryError(dependency, 0, 'unreachable', message, undefined, err);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    if (signal.aborted) throw err;
    const message = `${dependency} broke off its answer: ${(err as Error).message}`;
    throw new TelemetryError(dependency, 0, 'unreachable', message, undefined, err);
  }
  const isJson = /\bjson\b/i.test(res.headers.get('content-type') ?? '');
  return { status: res.status, ok: res.ok, isJson, text, headers: res.headers };
}

function startClientSpan(tracer: Tracer, request: UpstreamRequest, attempt: number): Span {
  const method = request.method ?? 'GET';
  const url = new URL(request.url);
  return tracer.startSpan(`${method} ${request.urlTemplate}`, {
    kind: SpanKind.CLIENT,
    // Set at the start, as the conventions ask of the attributes a sampler may look at.
    attributes: {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_FULL]: withoutCredentials(url),
      [ATTR_URL_TEMPLATE]: request.urlTemplate,
      [ATTR_SERVER_ADDRESS]: url.hostname,
      [ATTR_SERVER_PORT]: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
      // Only on a resend: the conventions leave it out of first tries.
      ...(attempt > 0 ? { [ATTR_HTTP_REQUEST_RESEND_COUNT]: attempt } : {}),
    },
  });
}

// The conventions' form for a URL that carried credentials; fetch refuses them anyway, but a span must never hold one.
function withoutCredentials(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const redacted = new URL(url.href);
  redacted.username = 'REDACTED';
  redacted.password = 'REDACTED';
  return redacted.href;
}

/**
 * `error.type` of a request that got no (whole) answer, low-cardinality as the conventions ask: `aborted` when the
 * policy's timeout or the caller cut it short, else the socket error's code (ECONNREFUSED, ECONNRESET, ENOTFOUND,
 * UND_ERR_SOCKET...) that undici puts in the cause, else the error's class.
 */
function errorType(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'aborted';
  const cause = err instanceof TelemetryError ? err.cause : err;
  const code = (cause as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (typeof code === 'string') return code;
  return cause instanceof Error ? cause.name : '_OTHER';
}

/**
 * The error for a non-2xx answer. Loki and Tempo answer errors in text/plain ("parse error at line 1..."), proxies
 * in HTML: the body is read as text unless the content type says JSON, and only its start is kept.
 */
export function httpError(dependency: string, answer: TextAnswer, label: string): TelemetryError {
  let message = answer.text.trim();
  let errorType = `http_${answer.status}`;
  if (answer.isJson) {
    try {
      const body = JSON.parse(answer.text) as { error?: unknown; message?: unknown; errorType?: unknown };
      const said = body.error ?? body.message;
      if (typeof said === 'string') message = said;
      if (typeof body.errorType === 'string') errorType = body.errorType;
    } catch {
      // a JSON content type with a body that is not: keep the text
    }
  }
  return new TelemetryError(
    dependency,
    answer.status,
    errorType,
    `${label} answered HTTP ${answer.status}: ${message.slice(0, 300) || '(empty body)'}`,
    answer.status === 429 ? retryAfterMs(answer.headers.get('retry-after')) : undefined
  );
}

/** A 2xx whose body is not what the API answers: as bad as a 502 from a proxy in front of the backend. */
export function badResponse(dependency: string, label: string, why: string): TelemetryError {
  return new TelemetryError(dependency, 502, 'bad_response', `${label} answered data this client cannot read: ${why}`);
}

/**
 * A failure of a telemetry call in a few words for a correlation run's record (shown to users): what went wrong,
 * never a URL, a credential or a stack.
 */
export function describeFailure(label: string, err: unknown): string {
  if (
    err instanceof Error &&
    (err.name === 'AbortError' || err.name === 'BudgetExceeded' || err.name === 'TaskCancelledError')
  )
    return 'cut short by the run budget';
  if (err instanceof DependencyFailure) return `${label} unavailable (${err.reason.replace(/_/g, ' ')})`;
  if (err instanceof TelemetryError) {
    if (err.status === 429) return `${label} is rate limiting (429)`;
    if (err.errorType === 'bad_response') return `${label} answered something that is not its API`;
    if (err.status === 0) return `${label} did not answer`;
    return `${label} refused the query (${err.status}: ${err.message.replace(/^.*? answered HTTP \d+: /, '').slice(0, 120)})`;
  }
  return `${label} did not answer`;
}
