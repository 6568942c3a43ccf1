/**
 * Backpressure: a client that stops reading is closed with 1013 once what is queued for it passes the cap, while a
 * client on the same server that reads normally gets every event, promptly; the slow one resumes with since.
 */
import type { Socket } from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendEvent } from '../src/store/events.js';
import { connectLive, liveUrl, type TestLiveClient } from './support/liveClient.js';
import { ADMIN_TOKEN, startSidecar, type TestSidecar } from './support/sidecar.js';

// 1,200 events of 16 KiB: ~20 MB, well past what loopback's kernel buffers absorb before ws starts queueing.
const EVENTS = 1200;
const BLOB = 'x'.repeat(16 * 1024);
const CAP = 256 * 1024;

let sidecar: TestSidecar;
let writer: postgres.Sql;

beforeAll(async () => {
  sidecar = await startSidecar({ live: true, env: { LIVE_MAX_BUFFERED_BYTES: String(CAP) } });
  writer = postgres(sidecar.databaseUrl, { max: 4, onnotice: () => {} });
});
afterAll(async () => {
  await writer?.end({ timeout: 1 });
  await sidecar?.close();
});

async function subscribed(since?: number): Promise<TestLiveClient> {
  const client = await connectLive(liveUrl(sidecar.url), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  client.send({ type: 'subscribe', topics: ['incidents'], ...(since !== undefined ? { since } : {}) });
  await client.waitFor((m) => m.type === 'subscribed');
  return client;
}

const socketOf = (client: TestLiveClient) => (client.ws as unknown as { _socket: Socket })._socket;
const slowCloses = async () =>
  Number(/live_slow_consumer_closes_total (\d+)/.exec(await (await sidecar.call('/metrics')).text())?.[1] ?? 0);

it('closes the client that does not read with 1013 and keeps the reading one on time', { timeout: 60_000 }, async () => {
  const normal = await subscribed();
  const slow = await subscribed();
  socketOf(slow).pause();

  const committedAt = new Map<number, number>();
  let n = 0;
  const write = async () => {
    while (n < EVENTS) {
      n++;
      const seq = await writer.begin((tx) =>
        appendEvent(tx, { topic: 'incidents', type: 'incident.updated', payload: { n, blob: BLOB }, actor: 'test' })
      );
      committedAt.set(seq, performance.now());
    }
  };
  const writing = Promise.all([write(), write(), write(), write()]);
  // The server gives a closed client a grace period to read up to its close frame, then cuts it (1006): so the
  // slow client starts reading again as soon as the server has given up on it.
  for (const deadline = Date.now() + 20_000; (await slowCloses()) === 0 && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const gotBeforeClose = slow.events.length;
  socketOf(slow).resume();
  await writing;

  await normal.waitForEvents(EVENTS, 30_000);
  expect(normal.ws.readyState).toBe(normal.ws.OPEN);
  const delays = normal.events.map((e) => e.receivedAt - committedAt.get(e.seq!)!).sort((a, b) => a - b);
  const p99 = delays[Math.floor(delays.length * 0.99)]!;
  // Everything shares one event loop here (writer, server and both clients), so "on time" is generous.
  expect(p99).toBeLessThan(1000);

  expect(await slowCloses()).toBe(1);
  const { code, reason } = await slow.closed;
  expect(code).toBe(1013);
  expect(reason).toMatch(/resume with since/);
  expect(slow.events.length).toBeGreaterThan(gotBeforeClose);
  expect(slow.events.length).toBeLessThan(EVENTS);

  // The slow client comes back with its last seq and catches up, paced by what it reads.
  const resumed = await subscribed(slow.events.at(-1)!.seq);
  await resumed.waitForEvents(EVENTS - slow.events.length, 30_000);
  expect([...slow.events, ...resumed.events].map((e) => e.seq)).toEqual(normal.events.map((e) => e.seq));
  await Promise.all([normal.close(), resumed.close()]);
});
