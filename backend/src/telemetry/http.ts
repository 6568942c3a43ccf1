/**
 * What the telemetry clients (Prometheus, Loki, Tempo) share: how a datasource's URL and credentials become a base
 * URL and headers, how a 429's Retry-After is read, one error type for HTTP answers that are not the API's, and
 * the one classification of those errors for the dependency policies.
 */
import { DependencyFailure, type FailureClass, type PolicyOptions } from '../resilience/policy.js';

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
    readonly retryAfterMs?: number
  ) {
    super(message);
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

/**
 * One GET to a telemetry backend, the body read as text. A refused or reset connection becomes a TelemetryError
 * with status 0; an abort (timeout, caller gave up) is rethrown as is so the policy reports it as such.
 */
export async function getText(
  fetchFn: typeof fetch,
  dependency: string,
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal
): Promise<TextAnswer> {
  let res: Response;
  try {
    res = await fetchFn(url, { method: 'GET', headers: { accept: 'application/json', ...headers }, signal });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new TelemetryError(dependency, 0, 'unreachable', `${dependency} did not answer: ${(err as Error).message}`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    if (signal.aborted) throw err;
    throw new TelemetryError(
      dependency,
      0,
      'unreachable',
      `${dependency} broke off its answer: ${(err as Error).message}`
    );
  }
  const isJson = /\bjson\b/i.test(res.headers.get('content-type') ?? '');
  return { status: res.status, ok: res.ok, isJson, text, headers: res.headers };
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
