import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { AppError, type ErrorCode } from '../domain/errors.js';
import { DependencyFailure } from '../resilience/policy.js';
import { isDatabaseUnavailable, isDataException } from '../store/db.js';
import { PrometheusError } from '../telemetry/prometheus.js';

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  VALIDATION_FAILED: 400,
  MALFORMED_REQUEST: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  AUTH_REQUIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  INCIDENT_NOT_FOUND: 404,
  SERVICE_NOT_FOUND: 404,
  SERVICE_ALREADY_EXISTS: 409,
  TOKEN_NOT_FOUND: 404,
  TOKEN_ALREADY_EXISTS: 409,
  ALERT_NOT_FOUND: 404,
  ALERT_RULE_NOT_FOUND: 404,
  HYPOTHESIS_NOT_FOUND: 404,
  FINDING_NOT_FOUND: 404,
  // A finding is pinned once per incident; details.current is the existing evidence_pinned entry.
  EVIDENCE_ALREADY_PINNED: 409,
  ALERT_RULE_ALREADY_EXISTS: 409,
  SILENCE_NOT_FOUND: 404,
  SLO_NOT_FOUND: 404,
  SLO_ALREADY_EXISTS: 409,
  // The SLO's PromQL is wrong (Prometheus said bad_data or could not execute it): the SLO needs fixing, not a retry.
  SLO_QUERY_INVALID: 422,
  CHANNEL_NOT_FOUND: 404,
  CHANNEL_ALREADY_EXISTS: 409,
  NOTIFICATION_RULE_NOT_FOUND: 404,
  NOTIFICATION_RULE_ALREADY_EXISTS: 409,
  DELIVERY_NOT_FOUND: 404,
  // Only a dead or failed delivery is sent again; a delivered one would reach its receiver twice.
  DELIVERY_NOT_REDELIVERABLE: 409,
  PERSON_NOT_FOUND: 404,
  PERSON_ALREADY_EXISTS: 409,
  // A person still on a rota cannot be deleted: the schedule would silently lose a shift (details.schedules).
  PERSON_ON_SCHEDULE: 409,
  SCHEDULE_NOT_FOUND: 404,
  SCHEDULE_ALREADY_EXISTS: 409,
  OVERRIDE_NOT_FOUND: 404,
  ESCALATION_POLICY_NOT_FOUND: 404,
  ESCALATION_POLICY_ALREADY_EXISTS: 409,
  // A policy a service names cannot be deleted: that service's incidents would page nobody (details.services).
  ESCALATION_POLICY_IN_USE: 409,
  // The incident has no escalation (nobody asked to page, or its services name no policy).
  ESCALATION_NOT_FOUND: 404,
  // "Escalate now" on an escalation that was acknowledged, resolved or ran out of steps (details.state).
  ESCALATION_NOT_ACTIVE: 409,
  VERSION_CONFLICT: 409,
  STATUS_TRANSITION_INVALID: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  OVERLOADED: 503,
  DATABASE_UNAVAILABLE: 503,
  UPSTREAM_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
  REQUEST_TIMEOUT: 504,
  // GET /live without a WebSocket upgrade: the feed speaks only WebSocket.
  UPGRADE_REQUIRED: 426,
  INTERNAL: 500,
};

/** Seconds a client should wait before retrying a retryable failure whose error does not say. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** Hono's own HTTPExceptions (body parsing, media type) mapped to our codes. */
function fromHttpException(err: HTTPException): AppError {
  const byStatus: Partial<Record<number, ErrorCode>> = {
    400: 'MALFORMED_REQUEST',
    404: 'NOT_FOUND',
    413: 'PAYLOAD_TOO_LARGE',
    415: 'UNSUPPORTED_MEDIA_TYPE',
    // Only hono/timeout throws 504 (http/timeout.ts); its message is ours and meant for the client.
    504: 'REQUEST_TIMEOUT',
  };
  const code = byStatus[err.status] ?? (err.status >= 500 ? 'INTERNAL' : 'MALFORMED_REQUEST');
  // Hono's 4xx messages are written for clients ("Malformed JSON in request body"); 5xx ones are not shown.
  const message =
    code === 'INTERNAL'
      ? 'Internal error'
      : code === 'UNSUPPORTED_MEDIA_TYPE'
        ? 'Send the body as JSON with Content-Type: application/json'
        : err.message || 'Bad request';
  return new AppError({ code, message, cause: err });
}

/**
 * Normalises anything thrown into an AppError. This is the one place where failures of the database and of
 * upstreams become answers: a policy's give-up is 503 (Retry-After from an open breaker), a value Postgres refuses
 * (SQLSTATE class 22, data exception) is the request's fault, 400. Unknown errors become INTERNAL without leaking
 * their text. The HTTP error handler and the live feed's upgrade refusals both answer through it.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) return fromHttpException(err);
  if (err instanceof DependencyFailure) return fromDependencyFailure(err);
  if (isDatabaseUnavailable(err)) {
    return new AppError({ code: 'DATABASE_UNAVAILABLE', message: DATABASE_UNAVAILABLE, cause: err, isRetryable: true });
  }
  if (isDataException(err)) {
    // Postgres' message names the value and the type ("value … is out of range for type integer"): the caller's own
    // input, so it may be shown; the query and the column stay in the log.
    return new AppError({
      code: 'VALIDATION_FAILED',
      message: `A value in the request cannot be stored: ${String((err as Error).message).slice(0, 300)}`,
      details: { issues: [{ path: '', message: 'rejected by the database', code: `sqlstate_${(err as { code: string }).code}` }] },
      cause: err,
    });
  }
  if (err instanceof PrometheusError && err.status === 429) {
    return new AppError({
      code: 'UPSTREAM_UNAVAILABLE',
      message: 'Prometheus is rate limiting the studio; retry shortly',
      details: { dependency: 'prometheus', reason: 'rate_limited' },
      cause: err,
      retryAfterSeconds: (err.retryAfterMs ?? 5000) / 1000,
    });
  }
  return new AppError({ code: 'INTERNAL', message: 'Internal error', cause: err });
}

const DATABASE_UNAVAILABLE = 'The database is unavailable; retry shortly';

/** A dependency policy gave up (resilience/policy.ts): the database's or an upstream's outage, never the caller's. */
function fromDependencyFailure(err: DependencyFailure): AppError {
  const retryAfterSeconds = err.retryAfterMs !== undefined ? err.retryAfterMs / 1000 : undefined;
  const reason = err.reason.replace('_', ' ');
  if (err.dependency !== 'postgres') {
    const name = err.dependency.charAt(0).toUpperCase() + err.dependency.slice(1);
    return new AppError({
      code: 'UPSTREAM_UNAVAILABLE',
      message: `${name} is unavailable (${reason}); retry shortly`,
      details: { dependency: err.dependency, reason: err.reason },
      cause: err,
      isRetryable: true,
      retryAfterSeconds,
    });
  }
  if (err.reason === 'bulkhead_full') {
    // Every pool connection busy and the queue full: the database is fine, this process has taken on more than it
    // can pass to it. That is overload (shed cheaply, logged as a count), not a database fault to log one by one.
    return new AppError({
      code: 'OVERLOADED',
      message: 'The sidecar is overloaded (database queue full); retry shortly',
      details: { reason: 'database_queue_full' },
      cause: err,
      retryAfterSeconds: 1,
    });
  }
  return new AppError({
    code: 'DATABASE_UNAVAILABLE',
    message:
      err.reason === 'circuit_open'
        ? 'The database is unavailable (recent calls failed); retry shortly'
        : `The database is unavailable (${reason}); retry shortly`,
    cause: err,
    isRetryable: true,
    retryAfterSeconds,
  });
}

/** zod issues as the envelope's details: which field and why. */
export function validationError(error: ZodError, where: string): AppError {
  return new AppError({
    code: 'VALIDATION_FAILED',
    message: `Invalid ${where}: ${error.issues.map((i) => `${i.path.join('.') || where} ${i.message}`).join('; ')}`,
    details: {
      issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, code: i.code })),
    },
  });
}

/** A string Postgres cannot store as given (domain/storable.ts), named like a zod issue: `body.labels.team`. */
export function unstorableError(where: string, path: ReadonlyArray<string | number>): AppError {
  const field = path.length ? path.join('.') : where;
  const message = 'must not contain the NUL character (U+0000) or unpaired UTF-16 surrogates';
  return new AppError({
    code: 'VALIDATION_FAILED',
    message: `Invalid ${where}: ${field} ${message}`,
    details: { issues: [{ path: path.join('.'), message, code: 'unstorable_text' }] },
  });
}

/** The one error envelope's body. A plain object will do for `err` where building an AppError costs too much. */
export function errorEnvelope(err: Pick<AppError, 'code' | 'message' | 'details'>, requestId: string) {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.details ? { details: err.details } : {}),
      request_id: requestId,
      timestamp: new Date().toISOString(),
    },
  };
}

/** Writes the one error envelope. */
export function errorResponse(c: Context, err: AppError): Response {
  const status = STATUS[err.code];
  if (err.isRetryable) c.header('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS))));
  return c.json(errorEnvelope(err, c.get('requestId') ?? ''), status);
}

export function httpStatusOf(code: ErrorCode): ContentfulStatusCode {
  return STATUS[code];
}
