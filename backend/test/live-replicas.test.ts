/**
 * Two sidecar processes on one database, as N replicas behind a load balancer: a write through replica A reaches a
 * client on replica B (each replica LISTENs), a ticket issued by A opens a socket on B, and SIGTERM on B closes its
 * clients with 1001 so they resume on A without losing what was written meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLive, liveUrl, tryConnect, type TestLiveClient } from './support/liveClient.js';
import { startSidecarProcess, type SidecarProcess } from './support/sidecarProcess.js';
import { createTestDatabase } from './support/sidecar.js';

const TOKEN = 'replica-test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

let drop: (() => Promise<void>) | undefined;
let a: SidecarProcess;
let b: SidecarProcess;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  // Both migrate at once, as replicas starting together do (the advisory lock serialises them).
  const env = { SHUTDOWN_DRAIN_DELAY_MS: '300', LOG_LEVEL: 'warn' };
  [a, b] = await Promise.all([startSidecarProcess(db.url, TOKEN, env), startSidecarProcess(db.url, TOKEN, env)]);
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await drop?.();
});

async function follow(replica: SidecarProcess, since?: number): Promise<TestLiveClient> {
  const client = await connectLive(liveUrl(replica.url), { headers: auth });
  client.send({ type: 'subscribe', topics: ['incidents'], ...(since !== undefined ? { since } : {}) });
  await client.waitFor((m) => m.type === 'subscribed');
  return client;
}

async function declare(replica: SidecarProcess, title: string): Promise<{ id: string; answeredAt: number }> {
  const res = await fetch(`${replica.url}/api/incidents`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ title, severity: 'high' }),
  });
  const answeredAt = performance.now();
  const body = (await res.json()) as { id: string };
  if (res.status !== 201) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return { id: body.id, answeredAt };
}

describe('two replicas on one database', () => {
  it('delivers a write through A to clients on B (and on A), in the same order', async () => {
    const onA = await follow(a);
    const onB = await follow(b);
    const written: { id: string; answeredAt: number }[] = [];
    for (let i = 0; i < 20; i++) written.push(await declare(a, `replica write ${i}`));
    await Promise.all([onA.waitForEvents(20), onB.waitForEvents(20)]);
    expect(onB.events.map((e) => e.data.id)).toEqual(written.map((w) => w.id));
    expect(onB.events.map((e) => e.seq)).toEqual(onA.events.map((e) => e.seq));
    // Both replicas hear the same NOTIFY; B's extra cost is only its own read. Reported, loosely bounded.
    const lag = (c: TestLiveClient) => c.events.map((e, i) => e.receivedAt - written[i]!.answeredAt).sort((x, y) => x - y)[10]!;
    console.log(`median from A's answer to receipt: on A ${lag(onA).toFixed(1)} ms, on B ${lag(onB).toFixed(1)} ms`);
    expect(Math.max(...onB.events.map((e, i) => e.receivedAt - written[i]!.answeredAt))).toBeLessThan(1000);
    await Promise.all([onA.close(), onB.close()]);
  });

  it('redeems on B a ticket issued by A, once', async () => {
    const res = await fetch(`${a.url}/api/live/tickets`, { method: 'POST', headers: auth });
    const { ticket } = (await res.json()) as { ticket: string };
    expect((await tryConnect(liveUrl(b.url, { ticket }))).status).toBe('open');
    expect((await tryConnect(liveUrl(a.url, { ticket }))).status).toBe(401);
  });

  it('on SIGTERM closes B clients with 1001; they resume on A with since and miss nothing', { timeout: 30_000 }, async () => {
    const onB = await follow(b);
    await declare(a, 'before the restart');
    await onB.waitForEvents(1);
    const last = onB.events.at(-1)!.seq!;

    b.kill('SIGTERM');
    // During the drain delay B refuses new sockets (503) but keeps serving the ones it has.
    await new Promise((r) => setTimeout(r, 100));
    expect((await tryConnect(liveUrl(b.url), { headers: auth })).status).toBe(503);
    const { code } = await onB.closed;
    expect(code).toBe(1001);
    const missed = [await declare(a, 'while away 1'), await declare(a, 'while away 2')];
    expect(await b.exited).toBe(0);

    const resumed = await follow(a, last);
    await resumed.waitForEvents(2);
    expect(resumed.events.map((e) => e.data.id)).toEqual(missed.map((m) => m.id));
    await resumed.close();
  });
});
