/**
 * Outbox retention: old events go in batches, the watermark records how far, recent events and live tickets stay,
 * replicas pruning at once take turns, and retention 0 keeps the outbox but still clears expired tickets.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pruneOutbox } from '../src/live/retention.js';
import { issueTicket } from '../src/live/tickets.js';
import { startSidecar, type TestSidecar } from './support/sidecar.js';

let sidecar: TestSidecar;
beforeAll(async () => {
  sidecar = await startSidecar();
});
afterAll(async () => sidecar?.close());

const HOUR = 3_600_000;
const holder = { role: 'viewer', actor: { name: 'wallboard', source: 'api' } } as const;

it('prunes old events and expired tickets, records the watermark, keeps the rest', async () => {
  const { sql } = sidecar;
  await sql`insert into events (topic, type, payload, actor, at)
            select 'incidents', 'incident.updated', '{}'::jsonb, 'test', now() - interval '3 hours' from generate_series(1, 12000)`;
  await sql`insert into events (topic, type, payload, actor) values ('incidents', 'incident.updated', '{}'::jsonb, 'test')`;
  const [{ last }] = (await sql`select max(seq)::text as last from events`) as unknown as [{ last: string }];
  await issueTicket(sql, holder, 30_000);
  await issueTicket(sql, holder, 30_000);
  await sql`update live_tickets set expires_at = now() - interval '2 minutes' where ctid = (select ctid from live_tickets limit 1)`;

  // Two replicas at once: one prunes, the other skips, nothing is deleted twice or left half done.
  const [a, b] = await Promise.all([pruneOutbox(sql, HOUR), pruneOutbox(sql, HOUR)]);
  expect(a.events + b.events).toBe(12_000);
  const [{ left, state }] = (await sql`
    select (select count(*)::int from events) as left, (select pruned_through::text from live_outbox_state) as state`) as unknown as [
    { left: number; state: string },
  ];
  expect(left).toBe(1);
  expect(Number(state)).toBe(Number(last) - 1);
  const [{ tickets }] = (await sql`select count(*)::int as tickets from live_tickets`) as unknown as [{ tickets: number }];
  expect(tickets).toBe(1);
});

it('keeps every event with retention 0 and still clears expired tickets', async () => {
  const { sql } = sidecar;
  await sql`insert into events (topic, type, payload, actor, at) values ('incidents', 'x', '{}'::jsonb, 't', now() - interval '400 days')`;
  await issueTicket(sql, holder, 30_000);
  await sql`update live_tickets set expires_at = now() - interval '2 minutes'`;
  const result = await pruneOutbox(sql, 0);
  expect(result.events).toBe(0);
  expect(result.tickets).toBe(2);
  const [{ n }] = (await sql`select count(*)::int as n from events where at < now() - interval '399 days'`) as unknown as [{ n: number }];
  expect(n).toBe(1);
});
