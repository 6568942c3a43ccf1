import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { timeout } from 'hono/timeout';

/**
 * 504 REQUEST_TIMEOUT, in the envelope, for a request still running after `ms` (hono/timeout races the rest of
 * the chain against a timer; http/errors.ts maps its HTTPException(504) to the code). The handler is not
 * cancelled: a write that finishes after the deadline still lands, so the message does not say it failed.
 */
export function requestTimeout(ms: number): MiddlewareHandler {
  return timeout(
    ms,
    () => new HTTPException(504, { message: `The request did not finish within ${ms} ms; a change may still complete` })
  );
}
