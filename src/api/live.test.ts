import { LiveClient, type LiveEvent, type LiveStatus } from './live';
import { liveUrlFor } from './liveConnection';

/** A browser WebSocket double: records what the client sends; the test plays the server. */
class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: any[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close() {
    this.readyState = 3;
  }
  // The server's side:
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code = 1006, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

const latest = () => FakeSocket.all[FakeSocket.all.length - 1];
const event = (seq: number, topic = 'incidents'): LiveEvent & { type: 'event' } => ({
  type: 'event',
  seq,
  topic,
  event: 'incident.updated',
  data: { n: seq },
  actor: 'robin',
  at: '2026-01-01T00:00:00Z',
});

/** Lets the ticket promise settle, then runs timers. */
async function advance(ms: number) {
  await Promise.resolve();
  await Promise.resolve();
  jest.advanceTimersByTime(ms);
  await Promise.resolve();
  await Promise.resolve();
}

describe('LiveClient', () => {
  let tickets: number;
  let ticketCalls: number[];
  let failTickets: boolean;
  let client: LiveClient;
  let statuses: LiveStatus[];

  beforeEach(() => {
    jest.useFakeTimers();
    FakeSocket.all = [];
    tickets = 0;
    ticketCalls = [];
    failTickets = false;
    statuses = [];
    client = new LiveClient({
      url: 'wss://studio.example.com/live',
      getTicket: async () => {
        ticketCalls.push(Date.now());
        if (failTickets) {
          throw new Error('Bad Gateway');
        }
        return `lt_${++tickets}`;
      },
      WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
      random: () => 0.5,
    });
    client.onStatus((s) => statuses.push(s));
  });

  afterEach(() => {
    client.close();
    jest.useRealTimers();
  });

  async function connectLive(topics = ['incidents'], seq = 10, heartbeatMs = 25_000) {
    await advance(0);
    const socket = latest();
    socket.open();
    socket.receive({ type: 'welcome', heartbeatMs });
    socket.receive({ type: 'subscribed', topics, seq });
    return socket;
  }

  test('opens one socket with a ticket, subscribes every topic, and routes events by topic', async () => {
    const onIncidents = { onEvent: jest.fn(), onResync: jest.fn() };
    const onOne = { onEvent: jest.fn() };
    client.subscribe('incidents', onIncidents);
    client.subscribe('incident:1', onOne);
    const socket = await connectLive(['incidents', 'incident:1']);

    expect(FakeSocket.all).toHaveLength(1);
    expect(socket.url).toBe('wss://studio.example.com/live?ticket=lt_1');
    expect(socket.sent).toEqual([{ type: 'subscribe', topics: ['incidents', 'incident:1'] }]);
    expect(client.status.state).toBe('live');
    // A first subscription has no replay: the page refetches what may have changed before it.
    expect(onIncidents.onResync).toHaveBeenCalledTimes(1);

    socket.receive(event(11));
    socket.receive(event(12, 'incident:1'));
    expect(onIncidents.onEvent).toHaveBeenCalledWith(expect.objectContaining({ seq: 11 }));
    expect(onOne.onEvent).toHaveBeenCalledWith(expect.objectContaining({ seq: 12 }));
    expect(onIncidents.onEvent).toHaveBeenCalledTimes(1);
  });

  test('reconnects after a drop with a new ticket and resumes from the last seq, reporting down and recovery', async () => {
    const listener = { onEvent: jest.fn(), onResync: jest.fn() };
    client.subscribe('incidents', listener);
    const first = await connectLive();
    first.receive(event(11));
    first.receive({ type: 'heartbeat', seq: 15 });

    failTickets = true;
    first.drop(1006);
    expect(client.status.state).toBe('reconnecting');
    await advance(2000);
    expect(client.status.state).toBe('down');
    expect(client.status.lastError).toBe('Bad Gateway');

    failTickets = false;
    await advance(10_000);
    const second = latest();
    expect(second).not.toBe(first);
    expect(second.url).toMatch(/ticket=lt_2$/);
    second.open();
    expect(second.sent).toEqual([{ type: 'subscribe', topics: ['incidents'], since: 15 }]);
    second.receive(event(16));
    second.receive({ type: 'subscribed', topics: ['incidents'], seq: 20 });
    expect(client.status).toMatchObject({ state: 'live', recoveredAt: expect.any(Number), lastError: null });
    expect(listener.onEvent.mock.calls.map(([e]) => e.seq)).toEqual([11, 16]);
    // Replayed, so no refetch this time.
    expect(listener.onResync).toHaveBeenCalledTimes(1);
    const changes = statuses.map((s) => s.state).filter((state, i, all) => state !== all[i - 1]);
    expect(changes).toEqual(['live', 'reconnecting', 'down', 'live']);
  });

  test('backs off exponentially with jitter while the sidecar stays away, and comes back at once on 1001', async () => {
    client.subscribe('incidents', { onEvent: jest.fn() });
    const socket = await connectLive();
    socket.drop(1001, 'server shutting down: reconnect');
    // A replica going away: the first retry is within 250 ms.
    await advance(250);
    expect(tickets).toBe(2);

    failTickets = true;
    const droppedAt = Date.now();
    const dropAt = () => droppedAt;
    latest().drop(1006);
    const before = ticketCalls.length;
    for (let t = 0; t < 40_000; t += 50) {
      await advance(50);
    }
    const gaps = ticketCalls.slice(before).map((t, i, all) => (i === 0 ? t - dropAt() : t - all[i - 1]));
    // With random() = 0.5 each delay is 3/4 of min(10 s, 500 ms × 2^attempt): growing, then flat at 7.5 s.
    expect(gaps.slice(0, 6)).toEqual([750, 1500, 3000, 6000, 7500, 7500]);
    expect(client.status.state).toBe('down');
  });

  test('calls onResync when the sidecar cannot replay (retention)', async () => {
    const listener = { onEvent: jest.fn(), onResync: jest.fn() };
    client.subscribe('incidents', listener);
    const socket = await connectLive();
    socket.receive({ type: 'resync_required', topics: ['incidents'], since: 3, oldest: 9, reason: 'retention' });
    expect(listener.onResync).toHaveBeenCalledTimes(2);
  });

  test('gives up on a silent socket after two and a half heartbeats and reconnects', async () => {
    client.subscribe('incidents', { onEvent: jest.fn() });
    const socket = await connectLive(['incidents'], 10, 1000);
    await advance(2400);
    expect(FakeSocket.all).toHaveLength(1);
    await advance(200);
    expect(socket.readyState).toBe(3);
    expect(client.status.state).toBe('reconnecting');
    await advance(1000);
    expect(FakeSocket.all).toHaveLength(2);
  });

  test('adds and drops topics on the open socket, and closes it a while after the last subscriber left', async () => {
    const stop = client.subscribe('incidents', { onEvent: jest.fn() });
    const socket = await connectLive();
    const stopOne = client.subscribe('incident:7', { onEvent: jest.fn() });
    expect(socket.sent.at(-1)).toEqual({ type: 'subscribe', topics: ['incident:7'] });
    stopOne();
    expect(socket.sent.at(-1)).toEqual({ type: 'unsubscribe', topics: ['incident:7'] });
    stop();
    await advance(4000);
    expect(socket.readyState).toBe(1);
    await advance(1500);
    expect(socket.readyState).toBe(3);
  });
});

describe('liveUrlFor', () => {
  test('uses liveUrl when set, else derives ws(s)://…/live from the sidecar URL', () => {
    expect(liveUrlFor({ sidecarUrl: 'http://sidecar:9000', liveUrl: 'wss://studio.example.com/live' })).toBe(
      'wss://studio.example.com/live'
    );
    expect(liveUrlFor({ sidecarUrl: 'http://127.0.0.1:9000/' })).toBe('ws://127.0.0.1:9000/live');
    expect(liveUrlFor({ sidecarUrl: 'https://studio.example.com/sidecar' })).toBe(
      'wss://studio.example.com/sidecar/live'
    );
    expect(liveUrlFor({ liveUrl: 'http://nope' })).toBeNull();
    expect(liveUrlFor({})).toBeNull();
    expect(liveUrlFor(null)).toBeNull();
  });
});
