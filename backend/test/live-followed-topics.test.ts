/**
 * The outbox feed builds an event's message only for topics a connection of this replica follows: every seq still
 * moves the horizon, and a topic followed while a read is in flight gets the events of that read too.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { OutboxFeed, type FeedEvent } from '../src/live/outbox.js';
import { ResilienceRegistry } from '../src/resilience/registry.js';
import { createSql, Database, type Sql } from '../src/store/db.js';
import { appendEvent } from '../src/store/events.js';
import { migrate } from '../src/store/migrate.js';
import { createTestDatabase } from './support/sidecar.js';

// The production Postgres policy: the feed reads through it as in the sidecar.
const POLICY = loadConfig({}).database;

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: Sql;
beforeAll(async () => {
  testDb = await createTestDatabase();
  sql = createSql({ url: testDb.url, poolMax: 5, statementTimeoutMs: 5000 });
  await migrate(sql);
});
afterAll(async () => {
  await sql?.end({ timeout: 1 });
  await testDb?.drop();
});

/** A feed over `db` with the given followers, collecting what it hands out. */
async function startFeed(db: Database, followers: Map<string, unknown>) {
  const handedOut: FeedEvent[] = [];
  const errors: unknown[] = [];
  const feed = new OutboxFeed({
    db,
    followers: () => followers,
    pollMs: 20,
    onEvents: (events) => handedOut.push(...events),
    onError: (err) => errors.push(err),
  });
  await feed.start();
  return { feed, handedOut, errors };
}

const append = (topic: string, n: number) =>
  sql.begin(async (tx) => {
    let seq = 0;
    for (let i = 0; i < n; i++) seq = await appendEvent(tx, { topic, type: 'test.event', payload: { i }, actor: 'test' });
    return seq;
  });

const waitFor = async (check: () => boolean) => {
  for (const deadline = Date.now() + 5000; !check(); ) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

// The message after the WebSocket frame's header (2 or 4 bytes here).
const message = (event: FeedEvent) => JSON.parse(event.frame!.toString('utf8', event.frame!.indexOf('{')));

it('builds frames for followed topics only, and hands out every seq', async () => {
  const db = new Database(sql, POLICY, new ResilienceRegistry());
  const { feed, handedOut, errors } = await startFeed(db, new Map([['followed', new Set()]]));
  try {
    await append('followed', 2);
    const last = await append('nobody', 3);
    await waitFor(() => feed.horizon >= last);

    expect(handedOut.map((e) => [e.topic, e.frame === null])).toEqual([
      ['followed', false],
      ['followed', false],
      ['nobody', true],
      ['nobody', true],
      ['nobody', true],
    ]);
    expect(errors).toEqual([]);
    expect(message(handedOut[1]!)).toMatchObject({ type: 'event', topic: 'followed', event: 'test.event', data: { i: 1 } });
  } finally {
    feed.stop();
  }
});

it('builds the frames of a read in flight for a topic followed meanwhile', async () => {
  const db = new Database(sql, POLICY, new ResilienceRegistry());
  const followers = new Map<string, unknown>();
  const { feed, handedOut, errors } = await startFeed(db, followers);
  // The moment between the read's answer and the hand-out: someone subscribes to `late`.
  const read = db.read.bind(db);
  let isArmed = true;
  db.read = async <T>(fn: (s: Sql) => Promise<T>): Promise<T> => {
    const result = await read(fn);
    if (isArmed && Array.isArray(result) && result.some((r: { topic?: string }) => r.topic === 'late')) {
      isArmed = false;
      followers.set('late', new Set());
    }
    return result;
  };
  try {
    const last = await append('late', 3);
    await waitFor(() => feed.horizon >= last);

    expect(errors).toEqual([]);
    expect(isArmed).toBe(false);
    expect(handedOut.map((e) => message(e).data)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
  } finally {
    feed.stop();
  }
});
