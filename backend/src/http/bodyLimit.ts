import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../domain/errors.js';

/**
 * 413 PAYLOAD_TOO_LARGE past `maxBytes` (hono's bodyLimit: the Content-Length up front, or counted while a
 * chunked body streams in). Requests that carry no body skip it: it reads `c.req.raw.body`, which makes
 * @hono/node-server build a full WHATWG Request (with an AbortController) for every GET — a tenth of the cost
 * of `GET /api/incidents/:id` in the overhead benchmark. An HTTP/1.1 request without Content-Length or
 * Transfer-Encoding has no body (RFC 9112, 6.3).
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError({
        code: 'PAYLOAD_TOO_LARGE',
        message: `The request body is larger than ${maxBytes} bytes`,
        details: { maxBytes },
      });
    },
  });
  return (c, next) => {
    const hasBody = c.req.header('content-length') !== undefined || c.req.header('transfer-encoding') !== undefined;
    return hasBody ? limit(c, next) : next();
  };
}
