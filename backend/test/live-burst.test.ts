/**
 * A burst of 10,000 outbox events written by concurrent transactions that commit out of seq order (and some that
 * roll back): a client that stays connected and a client cut in the middle that resumes with `since` both end with
 * exactly the committed sequence, in order, with no gap and no duplicate.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendEvent } from '../src/store/events.js';
import { connectLive, liveUrl, type TestLiveClient } from './support/liveClient.js';
import { ADMIN_TOKEN, startSidecar, type TestSidecar } from './support/sidecar.js';

const TOTAL = 10_000;
const WRITERS = 8;

let sidecar: TestSidecar;
let writers: postgres.Sql;

beforeAll(async () => {
  sidecar = await startSidecar({ live: true });
  writers = postgres(sidecar.databaseUrl, { max: WRITERS, onnotice: () => {} });
});
afterAll(async () => {
  await writers?.end({ timeout: 1 });
  await sidecar?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * WRITERS concurrent loops, each transaction appending 1-3 events. Every 7th transaction holds its seqs a few
 * milliseconds before committing (so later seqs commit first), every 23rd rolls back (its seqs never appear).
 */
async function burst(): Promise<void> {
  let written = 0;
  let n = 0;
  const loop = async () => {
    while (written < TOTAL) {
      const k = n++;
      const size = 1 + (k % 3);
      written += size;
      await writers
        .begin(async (tx) => {
          for (let i = 0; i < size; i++) {
            await appendEvent(tx, { topic: 'incidents', type: 'incident.updated', payload: { k, i }, actor: 'burst' });
          }
          if (k % 7 === 0) await sleep(1 + (k % 5));
          if (k % 23 === 0) throw new Error('rollback');
        })
        .catch((err: Error) => {
          if (err.message !== 'rollback') throw err;
          written -= size;
        });
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, loop));
}

async function client(since?: number): Promise<{ client: TestLiveClient; from: number }> {
  const c = await connectLive(liveUrl(sidecar.url), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  c.send({ type: 'subscribe', topics: ['incidents'], ...(since !== undefined ? { since } : {}) });
  const subscribed = await c.waitFor((m) => m.type === 'subscribed');
  return { client: c, from: subscribed.seq as number };
}

const seqsOf = (c: TestLiveClient) => c.events.map((e) => e.seq!);

it('delivers the exact committed sequence to a steady client and to one that resumes with since', { timeout: 120_000 }, async () => {
  const steady = await client();
  const cut = await client();
  const start = Math.min(steady.from, cut.from);

  let resumed: TestLiveClient | undefined;
  let cutSeqs: number[] = [];
  const writing = burst();
  // Cut the second client abruptly once it is well into the burst, stay away a moment, come back with since.
  await cut.client.waitForEvents(3000, 60_000);
  cut.client.ws.terminate();
  cutSeqs = seqsOf(cut.client);
  await sleep(200);
  resumed = (await client(cutSeqs.at(-1))).client;
  await writing;

  const expected = (await sidecar.sql<{ seq: string }[]>`
    select seq::text from events where topic = 'incidents' and seq > ${start} order by events.seq`).map((r) => Number(r.seq));
  expect(expected.length).toBeGreaterThan(TOTAL * 0.9);
  // There were rollbacks, so the committed seqs themselves have holes: what matters is that clients see exactly them.
  expect(expected.at(-1)! - expected[0]! + 1).toBeGreaterThan(expected.length);

  // On failure, name the seqs that went missing or came twice rather than diffing 10,000 numbers.
  const wanted = new Set(expected);
  const compare = (got: number[]) => {
    const seen = new Set(got);
    return {
      missing: expected.filter((x) => !seen.has(x)).slice(0, 20),
      extra: got.filter((x) => !wanted.has(x)).slice(0, 20),
      // Strictly ascending also rules out duplicates.
      inOrder: got.every((x, i) => i === 0 || x > got[i - 1]!),
    };
  };
  await steady.client.waitForEvents(expected.length, 30_000).catch(() => {});
  expect(compare(seqsOf(steady.client))).toEqual({ missing: [], extra: [], inOrder: true });
  expect(seqsOf(steady.client)).toHaveLength(expected.length);

  const afterCut = expected.filter((s) => s > cutSeqs.at(-1)!);
  await resumed.waitForEvents(afterCut.length, 30_000).catch(() => {});
  const combined = [...cutSeqs, ...seqsOf(resumed)];
  expect(compare(combined)).toEqual({ missing: [], extra: [], inOrder: true });
  expect(combined).toHaveLength(expected.length);

  const metrics = await (await sidecar.call('/metrics')).text();
  expect(metrics).toMatch(/live_replays_total [1-9]/);
  await Promise.all([steady.client.close(), resumed.close()]);
});
