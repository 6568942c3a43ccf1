import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';

/**
 * Answers `Connection: close` when the request's body has not fully arrived by the time the answer is ready
 * (a 413, a 401 or a shed 503 sent before reading a large upload). Otherwise the connection is reused while the
 * rest of that body is still on its way: the server reads the client's next request as body bytes, and
 * @hono/node-server gives up draining after 500 ms and drops the socket, failing that next request (found by
 * test/fuzz.test.ts: oversized bodies broke the request after them).
 */
export function closeUnfinishedRequests(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (incoming && !incoming.complete) c.header('Connection', 'close');
  };
}
