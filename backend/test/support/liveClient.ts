import WebSocket from 'ws';

/** A message as the server sends it (events and protocol messages alike). */
export type LiveMessage = { type: string; seq?: number; topic?: string; event?: string; data?: any; [key: string]: unknown };

export interface TestLiveClient {
  ws: WebSocket;
  messages: LiveMessage[];
  /** Event messages only, in arrival order, with the time each arrived (performance.now()). */
  events: (LiveMessage & { receivedAt: number })[];
  send(message: unknown): void;
  /** Resolves with the first message (from the start of the connection) matching `predicate`. */
  waitFor(predicate: (m: LiveMessage) => boolean, timeoutMs?: number): Promise<LiveMessage>;
  /** Resolves once `count` events have arrived. */
  waitForEvents(count: number, timeoutMs?: number): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** The HTTP status of a refused upgrade, or `open` when the server accepted it. */
export function tryConnect(url: string, options: WebSocket.ClientOptions = {}): Promise<{ status: number | 'open'; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('open', () => {
      ws.close();
      resolve({ status: 'open', body: '' });
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

/** Connects a real ws client and records everything it receives. Fails if the upgrade is refused. */
export async function connectLive(url: string, options: WebSocket.ClientOptions = {}): Promise<TestLiveClient> {
  const ws = new WebSocket(url, options);
  const messages: LiveMessage[] = [];
  const events: TestLiveClient['events'] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as LiveMessage;
    messages.push(message);
    if (message.type === 'event') events.push({ ...message, receivedAt: performance.now() });
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of [...waiters]) w();
    })
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const until = (check: () => boolean, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const done = () => {
        if (!check()) return;
        waiters.delete(done);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(done);
        reject(new Error(`timed out waiting for ${what}; last messages: ${JSON.stringify(messages.slice(-3))}`));
      }, timeoutMs);
      waiters.add(done);
      done();
    });
  return {
    ws,
    messages,
    events,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    waitFor: async (predicate, timeoutMs = 5000) => {
      await until(() => messages.some(predicate), 'a matching message', timeoutMs);
      return messages.find(predicate)!;
    },
    waitForEvents: (count, timeoutMs = 10_000) => until(() => events.length >= count, `${count} events (have ${events.length})`, timeoutMs),
    closed,
    close: async () => {
      if (ws.readyState !== WebSocket.CLOSED) {
        ws.close();
        // A client whose socket the test paused never sees the server's answer: cut it instead of waiting 30 s.
        const timer = setTimeout(() => ws.terminate(), 1000);
        await closed;
        clearTimeout(timer);
      }
    },
  };
}

/** ws://.../live for a sidecar's http:// URL, with optional query parameters. */
export function liveUrl(httpUrl: string, query: Record<string, string> = {}): string {
  const url = new URL('/live', httpUrl.replace(/^http/, 'ws'));
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.href;
}
