/**
 * Every failure the API reports has one of these codes (DOMAIN_THING). The OpenAPI document's error envelope
 * lists them as its `code` enum, so the plugin's generated types know each one.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'MALFORMED_REQUEST',
  'UNSUPPORTED_MEDIA_TYPE',
  'AUTH_REQUIRED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'INCIDENT_NOT_FOUND',
  'SERVICE_NOT_FOUND',
  'SERVICE_ALREADY_EXISTS',
  'TOKEN_NOT_FOUND',
  'TOKEN_ALREADY_EXISTS',
  'ALERT_NOT_FOUND',
  'ALERT_RULE_NOT_FOUND',
  'HYPOTHESIS_NOT_FOUND',
  'FINDING_NOT_FOUND',
  'EVIDENCE_ALREADY_PINNED',
  'ALERT_RULE_ALREADY_EXISTS',
  'SILENCE_NOT_FOUND',
  'SLO_NOT_FOUND',
  'SLO_ALREADY_EXISTS',
  'SLO_QUERY_INVALID',
  'CHANNEL_NOT_FOUND',
  'CHANNEL_ALREADY_EXISTS',
  'NOTIFICATION_RULE_NOT_FOUND',
  'NOTIFICATION_RULE_ALREADY_EXISTS',
  'DELIVERY_NOT_FOUND',
  'DELIVERY_NOT_REDELIVERABLE',
  'PERSON_NOT_FOUND',
  'PERSON_ALREADY_EXISTS',
  'PERSON_ON_SCHEDULE',
  'SCHEDULE_NOT_FOUND',
  'SCHEDULE_ALREADY_EXISTS',
  'OVERRIDE_NOT_FOUND',
  'ESCALATION_POLICY_NOT_FOUND',
  'ESCALATION_POLICY_ALREADY_EXISTS',
  'ESCALATION_POLICY_IN_USE',
  'ESCALATION_NOT_FOUND',
  'ESCALATION_NOT_ACTIVE',
  'VERSION_CONFLICT',
  'STATUS_TRANSITION_INVALID',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'OVERLOADED',
  'DATABASE_UNAVAILABLE',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'REQUEST_TIMEOUT',
  'UPGRADE_REQUIRED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorOptions {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  cause?: unknown;
  /** True when the same request may succeed later (the HTTP layer adds Retry-After). */
  isRetryable?: boolean;
  /** How long to wait before retrying, when known (e.g. until a circuit breaker half-opens). */
  retryAfterSeconds?: number;
}

/** The one error type domain, store and routes throw; the HTTP layer turns it into the envelope. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  readonly isRetryable: boolean;
  readonly retryAfterSeconds?: number;

  constructor(options: AppErrorOptions) {
    super(options.message, { cause: options.cause });
    this.name = 'AppError';
    this.code = options.code;
    this.details = options.details;
    this.isRetryable = options.isRetryable ?? options.retryAfterSeconds !== undefined;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
