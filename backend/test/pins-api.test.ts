/**
 * Pinned evidence through real HTTP on a real database: a pin freezes the whole finding into the timeline, so it
 * still shows what was seen after the correlation rows are gone; a finding is pinned once; who may pin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/store/tokens.js';
import { SEEDED_BASELINE, SEEDED_WINDOW, seedFindings } from './support/evidence.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

const UNKNOWN = '00000000-0000-4000-8000-00000000abcd';
let sidecar: TestSidecar;
let viewer: string;

beforeAll(async () => {
  sidecar = await startSidecar();
  viewer = (await createApiToken(sidecar.sql, 'wall', 'viewer')).token;
});
afterAll(() => sidecar.close());

const declare = async () =>
  expectStatus(
    await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'Payments failing', severity: 'critical' } }),
    201
  );
const pin = (
  incidentId: string,
  findingId: string,
  init: { json?: unknown; token?: string | null; headers?: Record<string, string> } = {}
) => sidecar.call(`/api/incidents/${incidentId}/correlations/${findingId}/pin`, { method: 'POST', ...init });
const timelineOf = async (id: string) =>
  (await expectStatus(await sidecar.call(`/api/incidents/${id}/timeline`), 200)).items;

const logData = {
  pattern: 'payment failed: timeout after <num>ms',
  count: 1200,
  baselineCount: 4,
  samples: [
    { at: '2025-03-01T10:08:00.000Z', line: 'payment failed: timeout after 3000ms', labels: { level: 'error' } },
  ],
};

describe('pinning a finding', () => {
  it('freezes the whole finding into the timeline, and it survives the correlation rows being deleted', async () => {
    const incident = await declare();
    const [finding] = await seedFindings(sidecar.sql, incident.id, [
      { source: 'loki', signal: 'log_pattern', score: 0.87, summary: 'New log pattern in checkout', data: logData },
    ]);
    const res = await pin(incident.id, finding!.id, {
      json: { note: '  matches the customer reports ' },
      headers: { 'x-grafana-user': 'ana' },
    });
    const event = await expectStatus(res, 201);
    const expectedFinding = {
      id: finding!.id,
      incidentId: incident.id,
      runId: finding!.runId,
      source: 'loki',
      service: 'checkout',
      signal: 'log_pattern',
      score: 0.87,
      rank: 1,
      summary: 'New log pattern in checkout',
      query: 'sum(count_over_time({service="checkout"} |= "error" [1m]))',
      window: SEEDED_WINDOW,
      baseline: SEEDED_BASELINE,
      changedAt: '2025-03-01T10:07:00.000Z',
      exploreUrl: '/explore?left=x',
      data: logData,
      computedAt: expect.any(String),
    };
    expect(event).toMatchObject({
      incidentId: incident.id,
      type: 'evidence_pinned',
      author: 'ana',
      data: { finding: expectedFinding, note: 'matches the customer reports' },
    });
    expect(event.message).toContain('New log pattern in checkout');
    // The frozen copy is the finding exactly as the correlation API shows it.
    const shown = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/correlations`), 200);
    expect(shown.findings).toEqual([event.data.finding]);

    // Retention (or a re-run) drops the run and its findings: the pinned entry still shows what was seen.
    await sidecar.sql`delete from correlation_runs where id = ${finding!.runId}`;
    expect((await sidecar.sql`select count(*)::int as n from correlations where id = ${finding!.id}`)[0]!.n).toBe(0);
    const pinned = (await timelineOf(incident.id)).filter((e: { type: string }) => e.type === 'evidence_pinned');
    expect(pinned).toEqual([event]);
    expect(pinned[0].data.finding.data.samples[0].line).toBe('payment failed: timeout after 3000ms');

    // And the live feed carried the same entry.
    const [outbox] = await sidecar.sql<{ payload: { id: string; data: unknown } }[]>`
      select payload from events where topic = ${`incident:${incident.id}`} and type = 'timeline.added'
      and payload ->> 'type' = 'evidence_pinned'`;
    expect(outbox!.payload).toMatchObject({ id: event.id, data: event.data });
  });

  it('takes no body at all (note null)', async () => {
    const incident = await declare();
    const [finding] = await seedFindings(sidecar.sql, incident.id);
    const event = await expectStatus(await pin(incident.id, finding!.id), 201);
    expect(event.data.note).toBeNull();
    expect(event.data.finding.id).toBe(finding!.id);
  });

  it('pins a finding once: a second pin is 409 with the existing entry, and adds nothing', async () => {
    const incident = await declare();
    const [finding] = await seedFindings(sidecar.sql, incident.id);
    const first = await expectStatus(await pin(incident.id, finding!.id, { json: { note: 'first' } }), 201);
    const again = await expectStatus(await pin(incident.id, finding!.id, { json: { note: 'second' } }), 409);
    expect(again.error.code).toBe('EVIDENCE_ALREADY_PINNED');
    expect(again.error.details.current).toMatchObject({ id: first.id, data: { note: 'first' } });
    // Two people pinning at the same moment also end with one entry.
    const [other] = await seedFindings(sidecar.sql, incident.id);
    const racing = await Promise.all([pin(incident.id, other!.id), pin(incident.id, other!.id)]);
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409]);
    const pinned = (await timelineOf(incident.id)).filter((e: { type: string }) => e.type === 'evidence_pinned');
    expect(pinned).toHaveLength(2);
  });

  it('answers 404 for an unknown finding, a finding of another incident, or an unknown incident', async () => {
    const incident = await declare();
    const other = await declare();
    const [theirs] = await seedFindings(sidecar.sql, other.id);
    expect((await expectStatus(await pin(incident.id, UNKNOWN), 404)).error.code).toBe('FINDING_NOT_FOUND');
    expect((await expectStatus(await pin(incident.id, theirs!.id), 404)).error.code).toBe('FINDING_NOT_FOUND');
    expect((await expectStatus(await pin(UNKNOWN, theirs!.id), 404)).error.code).toBe('INCIDENT_NOT_FOUND');
    expect((await timelineOf(incident.id)).some((e: { type: string }) => e.type === 'evidence_pinned')).toBe(false);
  });

  it('answers 400 for malformed ids and bodies', async () => {
    const incident = await declare();
    const [finding] = await seedFindings(sidecar.sql, incident.id);
    await expectStatus(await pin(incident.id, 'not-a-uuid'), 400);
    await expectStatus(await pin('nope', finding!.id), 400);
    const extra = await expectStatus(await pin(incident.id, finding!.id, { json: { note: 'x', pinned: true } }), 400);
    expect(extra.error.code).toBe('VALIDATION_FAILED');
    await expectStatus(await pin(incident.id, finding!.id, { json: { note: 'x'.repeat(2001) } }), 400);
    await expectStatus(await pin(incident.id, finding!.id, { json: { note: 42 } }), 400);
    const malformed = await sidecar.call(`/api/incidents/${incident.id}/correlations/${finding!.id}/pin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"note":',
    });
    expect((await expectStatus(malformed, 400)).error.code).toBe('MALFORMED_REQUEST');
  });
});

describe('who may pin', () => {
  it('refuses viewers (403) and callers without a token (401)', async () => {
    const incident = await declare();
    const [finding] = await seedFindings(sidecar.sql, incident.id);
    expect((await expectStatus(await pin(incident.id, finding!.id, { token: viewer }), 403)).error.code).toBe(
      'FORBIDDEN'
    );
    expect((await expectStatus(await pin(incident.id, finding!.id, { token: null }), 401)).error.code).toBe(
      'AUTH_REQUIRED'
    );
    expect((await timelineOf(incident.id)).some((e: { type: string }) => e.type === 'evidence_pinned')).toBe(false);
  });
});
