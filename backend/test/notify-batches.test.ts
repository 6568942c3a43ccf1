import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDeliveries, recordAttempts, type AttemptRecord, type Claim } from '../src/store/deliveries.js';
import type { Delivery } from '../src/store/channels.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

/**
 * The delivery worker's batched claim and record (store/deliveries.ts), on a real Postgres: what one statement or
 * one transaction for many jobs must still guarantee for each.
 */
let sidecar: TestSidecar;
let channel: { id: string; name: string; kind: string };

beforeAll(async () => {
  sidecar = await startSidecar(); // no worker: deliveries stay pending until claimed here
  channel = await expectStatus(
    await sidecar.call('/api/channels', {
      method: 'POST',
      json: {
        kind: 'webhook',
        name: 'batches',
        secrets: { url: 'http://127.0.0.1:9/hook', signingSecret: 'signing-secret-0123456789' },
      },
    }),
    201
  );
  await expectStatus(
    await sidecar.call('/api/notification-rules', {
      method: 'POST',
      json: { name: 'batches', events: ['declared'], channelIds: [channel.id] },
    }),
    201
  );
});
afterAll(() => sidecar.close());

/** Declares `n` incidents; their pending deliveries and jobs. */
async function pending(n: number) {
  const found: Array<{ id: string; jobId: string }> = [];
  for (let i = 0; i < n; i++) {
    const incident = await expectStatus(
      await sidecar.call('/api/incidents', { method: 'POST', json: { title: `Batch ${i}`, severity: 'high' } }),
      201
    );
    const [row] = await sidecar.sql<{ id: string; jobId: string }[]>`
      select d.id, j.id as job_id from deliveries d join pgboss.job j on j.data->>'deliveryId' = d.id::text
      where d.incident_id = ${incident.id}`;
    found.push(row!);
  }
  return found;
}

const claimed = (claim: Claim | undefined): Delivery => {
  if (claim?.kind !== 'claimed') throw new Error(`expected a claim, got ${JSON.stringify(claim)}`);
  return claim.delivery;
};

describe('batched claims', () => {
  it('claims each delivery once, even when asked twice in one batch; a missing one is finished', async () => {
    const [a, b] = await pending(2);
    const gone = '00000000-0000-4000-8000-000000000000';
    const claims = await claimDeliveries(sidecar.sql, [a!.id, a!.id, b!.id, gone], 60);
    expect(claimed(claims[0]).id).toBe(a!.id);
    expect(claimed(claims[0]).attempts).toBe(1);
    expect(claims[1]).toMatchObject({ kind: 'later' });
    expect(claimed(claims[2]).id).toBe(b!.id);
    expect(claims[3]).toEqual({ kind: 'finished' });
    // Leased now: another worker's claim finds it later, at the lease's end.
    const [again] = await claimDeliveries(sidecar.sql, [a!.id], 60);
    expect(again).toMatchObject({ kind: 'later' });
    expect((again as { at: Date }).at.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });
});

describe('batched records', () => {
  it('records each outcome with its timeline entry in one transaction, fenced per attempt', async () => {
    const [a, b] = await pending(2);
    const claims = await claimDeliveries(sidecar.sql, [a!.id, b!.id], 60);
    const record = (i: number, outcome: AttemptRecord['outcome'], jobId: string): AttemptRecord => ({
      delivery: claimed(claims[i]),
      jobId,
      channel,
      maxAttempts: 8,
      outcome,
    });
    const stale = { ...record(1, { kind: 'delivered' }, b!.jobId), delivery: { ...claimed(claims[1]), attempts: 7 } };
    const results = await recordAttempts(sidecar.sql, [record(0, { kind: 'delivered' }, a!.jobId), stale]);
    // The second's fence (attempt 7, the row is on attempt 1) fails: not recorded, the first is.
    expect(results).toEqual([true, false]);
    const rows = await sidecar.sql<{ id: string; state: string }[]>`
      select id, state from deliveries where id in (${a!.id}, ${b!.id}) order by id = ${a!.id} desc`;
    expect(rows.map((r) => r.state)).toEqual(['delivered', 'sending']);
    const entries =
      await sidecar.sql`select 1 from timeline_events where type = 'notification' and data->>'deliveryId' = ${a!.id}`;
    expect(entries).toHaveLength(1);
  });

  it('records the others alone when one record fails the shared transaction', async () => {
    const [a, b] = await pending(2);
    const claims = await claimDeliveries(sidecar.sql, [a!.id, b!.id], 60);
    const good: AttemptRecord = {
      delivery: claimed(claims[0]),
      jobId: a!.jobId,
      channel,
      maxAttempts: 8,
      outcome: { kind: 'delivered' },
    };
    // A job id that is not a uuid: its statement fails, and with it the shared transaction.
    const bad: AttemptRecord = {
      delivery: claimed(claims[1]),
      jobId: 'not-a-job-id',
      channel,
      maxAttempts: 8,
      outcome: { kind: 'delivered' },
    };
    const [first, second] = await recordAttempts(sidecar.sql, [good, bad]);
    expect(first).toBe(true);
    expect(second).toBeInstanceOf(Error);
    const [row] = await sidecar.sql<{ state: string }[]>`select state from deliveries where id = ${a!.id}`;
    expect(row!.state).toBe('delivered');
    const [left] = await sidecar.sql<{ state: string }[]>`select state from deliveries where id = ${b!.id}`;
    expect(left!.state).toBe('sending'); // its lease runs out and a worker takes it again
  });
});
