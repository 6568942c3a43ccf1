import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ERROR_CODES } from '../domain/errors.js';

export type OpenApiDocument = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

/** The one error envelope, as documented in the OpenAPI document. */
export const ErrorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES).openapi({ example: 'INCIDENT_NOT_FOUND' }),
      message: z.string(),
      details: z
        .record(z.string(), z.unknown())
        .optional()
        .openapi({
          description:
            'VALIDATION_FAILED: `issues` ({path, message, code}); VERSION_CONFLICT and EVIDENCE_ALREADY_PINNED: ' +
            '`current`; STATUS_TRANSITION_INVALID: `from`, `to`, `allowed`',
        }),
      request_id: z.string().openapi({ description: 'Also sent as X-Request-Id' }),
      timestamp: z.iso.datetime(),
    }),
  })
  .openapi('Error');

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503 | 504;

const DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'Invalid request (VALIDATION_FAILED, MALFORMED_REQUEST)',
  401: 'Missing or unrecognised token (AUTH_REQUIRED)',
  403: 'The token lacks the role, or is an integration token outside alert intake (FORBIDDEN)',
  404: 'Not found',
  409: 'Conflict (VERSION_CONFLICT, STATUS_TRANSITION_INVALID, EVIDENCE_ALREADY_PINNED, ...ALREADY_EXISTS)',
  413: 'Body too large (PAYLOAD_TOO_LARGE)',
  415: 'Body is not JSON (UNSUPPORTED_MEDIA_TYPE)',
  422: 'Understood but cannot be processed (SLO_QUERY_INVALID: Prometheus refused the query)',
  429: 'Too many requests for this token, or too many failed attempts from this address (RATE_LIMITED)',
  503: 'Unavailable: OVERLOADED (load shedding), DATABASE_UNAVAILABLE or UPSTREAM_UNAVAILABLE; retry after Retry-After',
  504: 'The request did not finish in time (REQUEST_TIMEOUT); a change it made may still complete',
};

/**
 * OpenAPI `responses` entries for the error statuses a route itself can answer. The ones the /api middleware adds
 * to every route (401, 403, 429, 503, 504: see API_MIDDLEWARE_STATUSES) are filled in by describeApiMiddleware.
 */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: DESCRIPTIONS[s], content: { 'application/json': { schema: ErrorEnvelopeSchema } } },
    ])
  ) as Record<S, { description: string; content: { 'application/json': { schema: typeof ErrorEnvelopeSchema } } }>;
}

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const IdParamsSchema = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, example: '0b6f1a56-8c1e-4d0f-9a8e-4f7d2f6c1b2a' }),
});

/** Dates leave the API as ISO 8601 strings. */
export function iso(date: Date): string;
export function iso(date: Date | null): string | null;
export function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

// ---- What the middleware adds (app.ts): answers and headers no route declares, because every route has them ----

const integer = (description: string) => ({ description, schema: { type: 'integer' as const, minimum: 0 } });

/** Response headers, by name (components.headers). */
const HEADERS = {
  'X-Request-Id': {
    description: "The request's id: the caller's X-Request-Id when it is short and plain, else a new one",
    schema: { type: 'string' as const },
  },
  'Retry-After': integer('Seconds to wait before retrying (sent when retrying can help)'),
  // hono-rate-limiter's draft-6 headers (http/rateLimit.ts); absent when rate limiting is off.
  'RateLimit-Limit': integer('Requests allowed per window for this caller (alert intake has its own budget)'),
  'RateLimit-Remaining': integer('Requests left in the current window'),
  'RateLimit-Reset': integer('Seconds until the window resets'),
  'RateLimit-Policy': {
    description: 'The budget as `<limit>;w=<window seconds>`',
    schema: { type: 'string' as const, example: '600;w=60' },
  },
  'WWW-Authenticate': {
    description: 'Bearer (with error="invalid_token" for a token that is unknown or revoked)',
    schema: { type: 'string' as const },
  },
};

type HeaderName = keyof typeof HEADERS;
const RATE_LIMIT_HEADERS: HeaderName[] = [
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'RateLimit-Policy',
];
const headerRefs = (names: HeaderName[]) =>
  Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));

/**
 * Every /api operation can get these, whatever its handler does: 401 and 403 from auth (an integration token may
 * only post alerts), 429 from rate limiting, 503 OVERLOADED from load shedding, 504 from the request timeout.
 */
export const API_MIDDLEWARE_STATUSES = [401, 403, 429, 503, 504] as const;

/** components.responses for API_MIDDLEWARE_STATUSES, and the headers each carries. */
const MIDDLEWARE_RESPONSES: Record<(typeof API_MIDDLEWARE_STATUSES)[number], { name: string; headers: HeaderName[] }> =
  {
    401: { name: 'AuthRequired', headers: ['X-Request-Id', 'WWW-Authenticate'] },
    403: { name: 'Forbidden', headers: ['X-Request-Id'] },
    429: { name: 'RateLimited', headers: ['X-Request-Id', 'Retry-After', ...RATE_LIMIT_HEADERS] },
    503: { name: 'Unavailable', headers: ['X-Request-Id', 'Retry-After'] },
    504: { name: 'RequestTimeout', headers: ['X-Request-Id'] },
  };

type Operation = { responses?: Record<string, { $ref?: string; headers?: Record<string, unknown> }> };
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Completes the generated document with what the middleware stack in app.ts does to every request, so each
 * operation lists every answer it can get: the /api statuses above (as shared components.responses, replacing a
 * route's own entry for them), RateLimit-* on /api answers, and X-Request-Id on every answer.
 */
export function describeApiMiddleware(doc: OpenApiDocument): OpenApiDocument {
  const envelope = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
  const responses = Object.fromEntries(
    API_MIDDLEWARE_STATUSES.map((status) => {
      const { name, headers } = MIDDLEWARE_RESPONSES[status];
      return [name, { description: DESCRIPTIONS[status], headers: headerRefs(headers), content: envelope }];
    })
  );
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const isApi = path.startsWith('/api/');
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation?.responses) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        if (response.$ref) continue;
        const names: HeaderName[] = ['X-Request-Id'];
        if (isApi && status.startsWith('2')) names.push(...RATE_LIMIT_HEADERS);
        if (!isApi && status === '503') names.push('Retry-After');
        response.headers = { ...headerRefs(names), ...response.headers };
      }
      if (!isApi) continue;
      for (const status of API_MIDDLEWARE_STATUSES) {
        operation.responses[status] = { $ref: `#/components/responses/${MIDDLEWARE_RESPONSES[status].name}` };
      }
    }
  }
  doc.components = {
    ...doc.components,
    responses: { ...doc.components?.responses, ...responses },
    headers: { ...doc.components?.headers, ...HEADERS },
  };
  return doc;
}
