/**
 * A transaction that takes an outbox seq and stays open holds back the events after it (they must not overtake it),
 * but only until LIVE_GAP_TIMEOUT_MS: then the feed moves on and counts what it skipped. If the late transaction
 * still commits, live clients never get its event, while a replay from before it does.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendEvent } from '../src/store/events.js';
import { connectLive, liveUrl } from './support/liveClient.js';
import { ADMIN_TOKEN, startSidecar, type TestSidecar } from './support/sidecar.js';

let sidecar: TestSidecar;
let other: postgres.Sql;
beforeAll(async () => {
  sidecar = await startSidecar({ live: true, env: { LIVE_GAP_TIMEOUT_MS: '1000' } });
  other = postgres(sidecar.databaseUrl, { max: 2, onnotice: () => {} });
});
afterAll(async () => {
  await other?.end({ timeout: 1 });
  await sidecar?.close();
});

const append = (sql: postgres.TransactionSql, n: number) =>
  appendEvent(sql, { topic: 'incidents', type: 'incident.updated', payload: { n }, actor: 'test' });

it('holds later events back behind an open transaction, then moves on at the gap timeout', async () => {
  const client = await connectLive(liveUrl(sidecar.url), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  client.send({ type: 'subscribe', topics: ['incidents'] });
  const { seq: start } = await client.waitFor((m) => m.type === 'subscribed');

  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let stuckSeq = 0;
  const stuck = other.begin(async (tx) => {
    stuckSeq = await append(tx, 0);
    await held;
  });
  while (stuckSeq === 0) await new Promise((r) => setTimeout(r, 5));
  const startedAt = Date.now();
  const after = [];
  for (const n of [1, 2, 3]) after.push(await other.begin((tx) => append(tx, n)));

  await new Promise((r) => setTimeout(r, 500));
  expect(client.events).toHaveLength(0);
  await client.waitForEvents(3, 5000);
  expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
  expect(client.events.map((e) => e.seq)).toEqual(after);
  expect(await (await sidecar.call('/metrics')).text()).toMatch(/live_gap_seqs_abandoned_total 1/);

  release();
  await stuck;
  // The late event is in the outbox: a client replaying from before it gets everything, in order.
  const replay = await connectLive(liveUrl(sidecar.url), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  replay.send({ type: 'subscribe', topics: ['incidents'], since: start });
  await replay.waitForEvents(4);
  expect(replay.events.map((e) => e.seq)).toEqual([stuckSeq, ...after]);
  await Promise.all([client.close(), replay.close()]);
});
