/**
 * The live protocol over real sockets on a real database: subscribe, events from API writes, unsubscribe, bad
 * messages answered (the server keeps serving), topic permissions, replay with since, resync_required, heartbeats
 * and dead-peer cleanup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneOutbox } from '../src/live/retention.js';
import { connectLive, liveUrl, type TestLiveClient } from './support/liveClient.js';
import { ADMIN_TOKEN, expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

let sidecar: TestSidecar;
const open: TestLiveClient[] = [];

beforeAll(async () => {
  sidecar = await startSidecar({ live: true, env: { LIVE_HEARTBEAT_MS: '1000' } });
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await sidecar?.close();
});

async function connect(token = ADMIN_TOKEN): Promise<TestLiveClient> {
  const client = await connectLive(liveUrl(sidecar.url), { headers: { authorization: `Bearer ${token}` } });
  open.push(client);
  await client.waitFor((m) => m.type === 'welcome');
  return client;
}

async function subscribe(client: TestLiveClient, topics: string[], since?: number) {
  const before = client.messages.length;
  client.send({ type: 'subscribe', topics, ...(since !== undefined ? { since } : {}) });
  return client.waitFor((m) => client.messages.indexOf(m) >= before && m.type === 'subscribed');
}

const declare = async (title: string) =>
  expectStatus(await sidecar.call('/api/incidents', { method: 'POST', json: { title, severity: 'low' } }), 201);

describe('subscribe and events', () => {
  it('sends every change on a subscribed topic, with its seq, once, and nothing from other topics', async () => {
    const client = await connect();
    const subscribed = await subscribe(client, ['incidents']);
    expect(subscribed).toMatchObject({ topics: ['incidents'], seq: expect.any(Number) });
    const incident = await declare('Checkout 5xx');
    await expectStatus(
      await sidecar.call(`/api/incidents/${incident.id}`, { method: 'PATCH', json: { version: 1, status: 'investigating' } }),
      200
    );
    await client.waitForEvents(2);
    const [created, updated] = client.events;
    expect(created).toMatchObject({ topic: 'incidents', event: 'incident.created', actor: 'admin', data: { id: incident.id, title: 'Checkout 5xx' } });
    expect(updated).toMatchObject({ event: 'incident.updated', data: { incident: { status: 'investigating', version: 2 }, changes: ['status_changed'] } });
    expect(updated!.seq).toBeGreaterThan(created!.seq!);
    expect(created!.seq).toBeGreaterThan(subscribed.seq as number);
    // The timeline entries went to incident:<id>, which this client did not ask for.
    expect(client.events.every((e) => e.topic === 'incidents')).toBe(true);
  });

  it('follows one incident on incident:<id> and stops after unsubscribe', async () => {
    const incident = await declare('Search slow');
    const client = await connect();
    await subscribe(client, [`incident:${incident.id}`]);
    await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/timeline`, { method: 'POST', json: { message: 'rolled back' } }), 201);
    // Live from this replica's position: the "created" entry may still arrive if the replica had not read it yet.
    const note = await client.waitFor((m) => m.data?.type === 'note');
    expect(note).toMatchObject({ event: 'timeline.added', topic: `incident:${incident.id}`, data: { message: 'rolled back' } });
    const seen = client.events.length;

    client.send({ type: 'unsubscribe', topics: [`incident:${incident.id}`] });
    await client.waitFor((m) => m.type === 'unsubscribed');
    await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/timeline`, { method: 'POST', json: { message: 'again' } }), 201);
    client.send({ type: 'ping' });
    await client.waitFor((m) => m.type === 'pong');
    await new Promise((r) => setTimeout(r, 300));
    expect(client.events).toHaveLength(seen);
  });
});

describe('bad messages', () => {
  it('answers each with an error and keeps the connection serving', async () => {
    const client = await connect();
    const bad = ['not json', '[]', '{"type":"subscribe"}', '{"type":"subscribe","topics":["nope"]}', '{"type":"dance"}',
      '{"type":"subscribe","topics":["incidents"],"since":-1}', '{"type":"ping","extra":1}', '{"type":"subscribe","topics":["incident:42"]}'];
    for (const text of bad) client.send(text);
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await client.waitFor(() => client.messages.filter((m) => m.type === 'error').length === bad.length + 1);
    const errors = client.messages.filter((m) => m.type === 'error');
    expect(errors[0]).toMatchObject({ code: 'MALFORMED_MESSAGE' });
    expect(errors[3]).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/unknown topic/) });
    expect(errors.at(-1)).toMatchObject({ code: 'MALFORMED_MESSAGE', message: expect.stringMatching(/text/) });
    // Still serving this client and everyone else.
    await subscribe(client, ['incidents']);
    await declare('after the bad messages');
    await client.waitForEvents(1);
  });

  it('refuses topics the role may not read', async () => {
    const { token } = await expectStatus(await sidecar.call('/api/tokens', { method: 'POST', json: { name: 'viewer-bot', role: 'viewer' } }), 201);
    const client = await connect(token);
    client.send({ type: 'subscribe', topics: ['incidents', 'tokens'] });
    const error = await client.waitFor((m) => m.type === 'error');
    expect(error).toMatchObject({ code: 'FORBIDDEN', details: { topics: ['tokens'] } });
  });

  it('closes a client that floods messages (1008)', async () => {
    const client = await connect();
    for (let i = 0; i < 150; i++) client.send({ type: 'ping' });
    expect((await client.closed).code).toBe(1008);
  });
});

describe('since', () => {
  it('replays what a client missed, in order, then continues live without a gap or a duplicate', async () => {
    const first = await connect();
    const { seq: start } = (await subscribe(first, ['incidents'])) as { seq: number };
    await first.close();
    for (let i = 0; i < 5; i++) await declare(`missed ${i}`);
    const client = await connect();
    client.send({ type: 'subscribe', topics: ['incidents'], since: start });
    const subscribed = await client.waitFor((m) => m.type === 'subscribed');
    expect(client.events.map((e) => e.data.title)).toEqual([0, 1, 2, 3, 4].map((i) => `missed ${i}`));
    await declare('live again');
    await client.waitForEvents(6);
    const seqs = client.events.map((e) => e.seq!);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(6);
    expect(seqs[4]).toBeLessThanOrEqual(subscribed.seq as number);
  });

  it('says resync_required when since is older than retention, and when it was never written', async () => {
    const old = await connect();
    const { seq: start } = (await subscribe(old, ['incidents'])) as { seq: number };
    await declare('will be pruned');
    await sidecar.sql`update events set at = now() - interval '2 days'`;
    const pruned = await pruneOutbox(sidecar.sql, 24 * 3_600_000);
    expect(pruned.events).toBeGreaterThan(0);

    const client = await connect();
    client.send({ type: 'subscribe', topics: ['incidents'], since: start });
    const resync = await client.waitFor((m) => m.type === 'resync_required');
    expect(resync).toMatchObject({ reason: 'retention', since: start, oldest: pruned.prunedThrough + 1, topics: ['incidents'] });
    // Subscribed anyway, live from now: the client refetches and carries on.
    await client.waitFor((m) => m.type === 'subscribed');
    await declare('after resync');
    await client.waitForEvents(1);

    const future = await connect();
    future.send({ type: 'subscribe', topics: ['incidents'], since: 10_000_000 });
    expect(await future.waitFor((m) => m.type === 'resync_required')).toMatchObject({ reason: 'unknown_seq' });
  });
});

describe('a client ahead of this replica', () => {
  it('skips what the client already saw elsewhere and sends what follows', async () => {
    // Written without a notification, so this replica reads them only at its next poll: meanwhile the client, which
    // saw the first two on another replica, resumes here.
    const seqs = await sidecar.sql.begin(async (tx) => {
      const rows = [];
      for (const n of [1, 2, 3]) {
        rows.push(...(await tx`insert into events (topic, type, payload, actor) values ('incidents', 'incident.updated', ${tx.json({ n })}, 'other') returning seq::int`));
      }
      return rows.map((r) => r.seq as number);
    });
    expect(sidecar.live!.feed.horizon).toBeLessThan(seqs[0]!);
    const client = await connect();
    client.send({ type: 'subscribe', topics: ['incidents'], since: seqs[1] });
    expect((await client.waitFor((m) => m.type === 'subscribed')).seq).toBe(seqs[1]);
    await client.waitForEvents(1, 3000);
    await new Promise((r) => setTimeout(r, 100));
    expect(client.events.map((e) => e.seq)).toEqual([seqs[2]]);
  });
});

describe('heartbeat', () => {
  it('sends the position every interval and cuts a peer that stops answering pings', async () => {
    const client = await connect();
    await subscribe(client, ['incidents']);
    const beat = await client.waitFor((m) => m.type === 'heartbeat', 3000);
    expect(beat.seq).toBeGreaterThan(0);

    const silent = await connect();
    // A paused socket reads nothing, so it never answers a ping: after two rounds the server cuts it.
    (silent.ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
    const before = sidecar.live!.hub.connections.size;
    for (const deadline = Date.now() + 5000; sidecar.live!.hub.connections.size === before && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(sidecar.live!.hub.connections.size).toBe(before - 1);
    expect(await (await sidecar.call('/metrics')).text()).toMatch(/live_dead_peers_total [1-9]/);
  });
});
