import { z } from '@hono/zod-openapi';

/** The one error envelope, as documented in the OpenAPI document. */
export const ErrorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'INCIDENT_NOT_FOUND' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
      request_id: z.string(),
      timestamp: z.string(),
    }),
  })
  .openapi('Error');

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (VALIDATION_FAILED, MALFORMED_REQUEST)',
  401: 'Missing or unrecognised token (AUTH_REQUIRED)',
  403: 'The token lacks the role (FORBIDDEN)',
  404: 'Not found',
  409: 'Conflict (VERSION_CONFLICT, STATUS_TRANSITION_INVALID, ...ALREADY_EXISTS)',
  413: 'Body too large (PAYLOAD_TOO_LARGE)',
  415: 'Body is not JSON (UNSUPPORTED_MEDIA_TYPE)',
  422: 'Understood but cannot be processed (SLO_QUERY_INVALID: Prometheus refused the query)',
  503: 'The database is unavailable (DATABASE_UNAVAILABLE); retry after Retry-After',
};

/** OpenAPI `responses` entries for the error statuses a route can answer. */
export function errorResponses<S extends keyof typeof DESCRIPTIONS>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: DESCRIPTIONS[s]!, content: { 'application/json': { schema: ErrorEnvelopeSchema } } }])
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
