/**
 * A local HTTP server standing in for Loki and Tempo: it serves the real payload fixtures (fixtures.ts) unchanged,
 * and answers generated per scenario, with controllable latency, error statuses, garbage bodies, 429 with or
 * without Retry-After, broken connections, and refusal (it stops listening). Every request is recorded with its
 * headers, so tests assert on what the client actually sent.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { fixture } from './fixtures.js';

export { fixture, FIXTURES_DIR } from './fixtures.js';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export interface Reply {
  status?: number;
  /** A string goes out as is; anything else as JSON. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (on top of the server's latency). */
  delayMs?: number;
  /** Drop the connection instead of answering (a crash mid-request). */
  destroy?: boolean;
}

export type Responder = (req: SeenRequest) => Reply | Promise<Reply>;

export interface FixtureServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  requests: SeenRequest[];
  /** Added to every answer. */
  latencyMs: number;
  /** Answers requests whose path matches (first match wins, in the order added); others get a text/plain 404. */
  route(path: string | RegExp, responder: Responder): void;
  /** Forgets routes, recorded requests and latency. */
  reset(): void;
  /** Stops listening and drops open connections: later calls are refused (ECONNREFUSED). */
  refuse(): Promise<void>;
  /** Listens again on the same port after refuse(). */
  resume(): Promise<void>;
  close(): Promise<void>;
}

export const json = (body: unknown, status = 200): Reply => ({ status, body, contentType: 'application/json' });
/** Loki's and Tempo's error answers: plain text. */
export const text = (status: number, body: string): Reply => ({
  status,
  body,
  contentType: 'text/plain; charset=utf-8',
});
export const fromFixture = (name: string): Reply => ({
  status: 200,
  body: fixture(name),
  contentType: 'application/json',
});
export const garbage = (): Reply => ({
  status: 200,
  body: '<html><body>502 Bad Gateway</body></html>',
  contentType: 'text/html',
});
export const tooMany = (retryAfterSeconds?: number): Reply => ({
  ...text(429, 'Ingestion rate limit exceeded (limit: 4194304 bytes/sec)'),
  headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
});

export async function startFixtureServer(): Promise<FixtureServer> {
  let routes: Array<{ path: string | RegExp; responder: Responder }> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://localhost');
    const seen: SeenRequest = {
      method: req.method!,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
    };
    state.requests.push(seen);
    req.resume();
    const route = routes.find((r) =>
      typeof r.path === 'string' ? r.path === url.pathname : r.path.test(url.pathname)
    );
    // A responder that throws answers 500 with its message, so a broken test scenario shows in the test's failure.
    void new Promise<Reply>((done) => done(route ? route.responder(seen) : text(404, '404 page not found')))
      .catch((err: Error) => text(500, `fixture server: ${err.message}`))
      .then(async (reply) => {
        const wait = state.latencyMs + (reply.delayMs ?? 0);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (reply.destroy) return void req.socket.destroy();
        if (res.destroyed) return;
        const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? null);
        res.writeHead(reply.status ?? 200, {
          'content-type': reply.contentType ?? 'application/json',
          ...reply.headers,
        });
        res.end(body);
      });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (port: number) => new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const stop = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      for (const socket of sockets) socket.destroy();
    });
  await listen(0);
  const port = (server.address() as { port: number }).port;
  const state: FixtureServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: [],
    latencyMs: 0,
    route: (path, responder) => void routes.push({ path, responder }),
    reset: () => {
      routes = [];
      state.requests.length = 0;
      state.latencyMs = 0;
    },
    refuse: stop,
    resume: () => listen(port),
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
  return state;
}

// Generated answers, in the exact shapes Loki and Tempo send.

const ns = (at: Date) => `${BigInt(at.getTime()) * 1_000_000n}`;

/** A Loki streams answer; each stream's lines are sent newest first, as Loki does by default. */
export function lokiStreams(streams: Array<{ labels: Record<string, string>; lines: Array<[Date, string]> }>): Reply {
  return json({
    status: 'success',
    data: {
      resultType: 'streams',
      result: streams.map((s) => ({
        stream: s.labels,
        values: [...s.lines].sort((a, b) => b[0].getTime() - a[0].getTime()).map(([at, line]) => [ns(at), line]),
      })),
      stats: { summary: { totalLinesProcessed: streams.reduce((n, s) => n + s.lines.length, 0) } },
    },
  });
}

/** A Loki matrix answer (metric query): one series of [unix seconds, "value"] pairs. */
export function lokiMatrix(points: Array<[Date, number]>, metric: Record<string, string> = {}): Reply {
  return json({
    status: 'success',
    data: {
      resultType: 'matrix',
      result: points.length ? [{ metric, values: points.map(([at, v]) => [at.getTime() / 1000, String(v)]) }] : [],
    },
  });
}

export interface GeneratedTrace {
  traceId: string;
  rootService?: string;
  rootName?: string;
  start: Date;
  durationMs?: number;
  spans?: Array<{ spanId: string; name?: string; durationMs: number; attributes?: Record<string, string> }>;
}

/** A Tempo search answer (2.2+ shape: `spanSets`, and `spanSet` like Tempo sends for compatibility). */
export function tempoSearch(traces: GeneratedTrace[]): Reply {
  return json({
    traces: traces.map((t) => {
      const spanSet = t.spans && {
        matched: t.spans.length,
        spans: t.spans.map((s) => ({
          spanID: s.spanId,
          ...(s.name === undefined ? {} : { name: s.name }),
          startTimeUnixNano: ns(t.start),
          durationNanos: String(Math.round(s.durationMs * 1e6)),
          attributes: Object.entries(s.attributes ?? {}).map(([key, v]) => ({ key, value: { stringValue: v } })),
        })),
      };
      return {
        traceID: t.traceId,
        ...(t.rootService === undefined ? {} : { rootServiceName: t.rootService }),
        ...(t.rootName === undefined ? {} : { rootTraceName: t.rootName }),
        startTimeUnixNano: ns(t.start),
        ...(t.durationMs === undefined ? {} : { durationMs: t.durationMs }),
        ...(spanSet ? { spanSet, spanSets: [spanSet] } : {}),
      };
    }),
    metrics: { inspectedTraces: traces.length, inspectedBytes: '1024' },
  });
}
