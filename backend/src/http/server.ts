import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { ErrorCode } from '../domain/errors.js';
import { errorEnvelope } from './errors.js';

/** What Node's HTTP parser refused, as an answer: llhttp's error codes (`HPE_*`) and Node's own timeouts. */
function refusalOf(code: string | undefined): { status: number; code: ErrorCode; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, code: 'MALFORMED_REQUEST', message: 'The request headers are too large' };
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT') {
    return { status: 408, code: 'MALFORMED_REQUEST', message: 'The request was not received in time' };
  }
  return { status: 400, code: 'MALFORMED_REQUEST', message: 'The request is not valid HTTP' };
}

/**
 * Answers requests that Node's HTTP parser refuses before they reach the app (headers too large, a bad request
 * line, a body that does not match its framing) with the API's error envelope and a request id, instead of Node's
 * bare `400 Bad Request`. The connection is closed after it: the parser cannot tell where the next request starts.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A reset or a half-written answer: there is nobody to answer, or an answer is already on its way.
    if (err.code === 'ECONNRESET' || !socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const refusal = refusalOf(err.code);
    const requestId = randomUUID();
    const body = JSON.stringify(errorEnvelope({ code: refusal.code, message: refusal.message }, requestId));
    socket.end(
      [
        `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}`,
        'Connection: close',
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        `X-Request-Id: ${requestId}`,
        '',
        body,
      ].join('\r\n')
    );
  });
}

/**
 * The app on a node:http server, as main.ts, the tests and the benchmarks all serve it: Hono's node adapter, with
 * the parser's refusals answered in the envelope. `onListening` gets the bound address (port 0 picks a free one).
 */
export function serveApp(
  app: Pick<Hono<any>, 'fetch'>,
  options: { port: number; hostname: string },
  onListening?: (address: AddressInfo) => void
): Server {
  const server = serve({ fetch: app.fetch, ...options }, onListening) as Server;
  answerClientErrors(server);
  return server;
}
