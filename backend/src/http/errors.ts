import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { AppError, type ErrorCode } from '../domain/errors.js';
import { isDatabaseUnavailable } from '../store/db.js';

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
  VERSION_CONFLICT: 409,
  STATUS_TRANSITION_INVALID: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  OVERLOADED: 503,
  DATABASE_UNAVAILABLE: 503,
  UPSTREAM_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
  REQUEST_TIMEOUT: 504,
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

/** Normalises anything thrown into an AppError; unknown errors become INTERNAL without leaking their text. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) return fromHttpException(err);
  if (isDatabaseUnavailable(err)) {
    return new AppError({
      code: 'DATABASE_UNAVAILABLE',
      message: 'The database is unavailable; retry shortly',
      cause: err,
      isRetryable: true,
    });
  }
  return new AppError({ code: 'INTERNAL', message: 'Internal error', cause: err });
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
