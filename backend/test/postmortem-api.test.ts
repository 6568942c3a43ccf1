/**
 * The review API through real HTTP on a real database: the generated draft, saving edits under optimistic
 * concurrency, the Markdown export, pinned evidence that outlives its correlation rows, the budget burned from a
 * real Prometheus (and null, never a 5xx, when Prometheus is missing or down), and who may do what.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/store/tokens.js';
import { seedFindings } from './support/evidence.js';
import { freePort } from './support/net.js';
import {
  eventually,
  shouldRunPrometheusTests,
  startExporter,
  startPrometheus,
  type Exporter,
  type TestPrometheus,
} from './support/prometheusServer.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

const UNKNOWN = '00000000-0000-4000-8000-00000000abcd';
const sli = {
  type: 'errors',
  errors: 'sum(rate(test_requests_errors_total[{{window}}]))',
  total: 'sum(rate(test_requests_total[{{window}}]))',
};
const edits = {
  summary: 'Checkout failed for ten minutes.',
  impact: 'About 3 % of payments failed.',
  rootCause: 'Release 1.42 exhausted the pool.',
  lessons: 'Canary first.',
  followUps: [{ title: 'Canary deploys', owner: 'sam', done: false }],
};

let sidecar: TestSidecar;
let viewer: string;

beforeAll(async () => {
  sidecar = await startSidecar();
  viewer = (await createApiToken(sidecar.sql, 'wall', 'viewer')).token;
  await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name: 'checkout' } }), 201);
});
afterAll(() => sidecar.close());

const declare = async (s: TestSidecar = sidecar) =>
  expectStatus(
    await s.call('/api/incidents', {
      method: 'POST',
      json: { title: 'Checkout 5xx', description: 'Payments fail.', severity: 'critical', services: ['checkout'] },
    }),
    201
  );
const url = (id: string) => `/api/incidents/${id}/postmortem`;
const save = (id: string, json: Record<string, unknown>, token?: string | null) =>
  sidecar.call(url(id), { method: 'PUT', json, token });

describe('GET /api/incidents/:id/postmortem', () => {
  it('drafts the review from the incident: timeline, verdicts, pinned evidence that outlives retention', async () => {
    const incident = await declare();
    const board = `/api/incidents/${incident.id}/hypotheses`;
    const h = await expectStatus(
      await sidecar.call(board, { method: 'POST', json: { statement: 'Release 1.42' } }),
      201
    );
    await expectStatus(
      await sidecar.call(`${board}/${h.id}`, {
        method: 'PATCH',
        json: { version: 1, status: 'confirmed', note: 'rollback fixed it' },
      }),
      200
    );
    const [finding] = await seedFindings(sidecar.sql, incident.id);
    await expectStatus(
      await sidecar.call(`/api/incidents/${incident.id}/correlations/${finding!.id}/pin`, { method: 'POST' }),
      201
    );
    await sidecar.sql`delete from correlation_runs where incident_id = ${incident.id}`;
    await expectStatus(
      await sidecar.call(`/api/incidents/${incident.id}`, {
        method: 'PATCH',
        json: { version: 1, status: 'resolved' },
      }),
      200
    );

    const pm = await expectStatus(await sidecar.call(url(incident.id), { token: viewer }), 200);
    expect(pm).toMatchObject({
      incidentId: incident.id,
      reference: incident.reference,
      title: 'Checkout 5xx',
      severity: 'critical',
      status: 'resolved',
      startedAt: incident.startedAt,
      services: [{ name: 'checkout', impact: 'major' }],
      budgetBurned: null, // no Prometheus configured
      version: 0,
    });
    expect(pm.durationMs).toBe(Date.parse(pm.resolvedAt) - Date.parse(incident.startedAt));
    expect(pm.timeline.map((e: { type: string }) => e.type)).toEqual([
      'created',
      'hypothesis_added',
      'hypothesis_decided',
      'evidence_pinned',
      'status_changed',
    ]);
    expect(pm.hypotheses).toEqual([
      expect.objectContaining({ id: h.id, status: 'confirmed', decisionNote: 'rollback fixed it' }),
    ]);
    expect(pm.pinnedEvidence).toEqual([
      expect.objectContaining({
        id: finding!.id,
        summary: 'Error logs in checkout rose 12x, starting 3 min before the incident',
      }),
    ]);
    expect(pm.pinnedEvidence[0].data.count).toBe(1200);
    expect(pm.edits.summary).toContain(
      `${incident.reference} (critical): Checkout 5xx.\n\nPayments fail.\n\nIt started at`
    );
    expect(pm.edits.impact).toContain('Impacted services: checkout (major).');
    expect(pm.edits.rootCause).toBe('- Release 1.42 (rollback fixed it)');
    expect(pm.edits.followUps).toEqual([]);
  });

  it('counts an unresolved incident’s duration up to now', async () => {
    const incident = await declare();
    const pm = await expectStatus(await sidecar.call(url(incident.id)), 200);
    expect(pm.resolvedAt).toBeNull();
    expect(pm.durationMs).toBeGreaterThanOrEqual(Date.parse(pm.generatedAt) - Date.parse(incident.startedAt) - 5);
    expect(pm.edits.summary).toContain('is still open after');
  });

  it('exports Markdown', async () => {
    const incident = await declare();
    const [finding] = await seedFindings(sidecar.sql, incident.id);
    await expectStatus(
      await sidecar.call(`/api/incidents/${incident.id}/correlations/${finding!.id}/pin`, { method: 'POST' }),
      201
    );
    await expectStatus(await save(incident.id, { ...edits, version: 0 }), 200);
    const res = await sidecar.call(`${url(incident.id)}?format=md`, { token: viewer });
    const md = await res.text();
    expect(res.status, md).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(res.headers.get('content-disposition')).toContain(`${incident.reference}-postmortem.md`);
    expect(md.startsWith(`# ${incident.reference}: Checkout 5xx\n`)).toBe(true);
    expect(md).toContain('## Summary\n\nCheckout failed for ten minutes.');
    expect(md).toContain('```logql\nsum(count_over_time({service="checkout"} |= "error" [1m]))\n```');
    expect(md).toContain('- [ ] Canary deploys (owner: sam)');
    expect(md).toContain('_Unknown: Prometheus could not be asked');
  });

  it('answers 404 for an unknown incident and 400 for a bad id or format', async () => {
    expect((await expectStatus(await sidecar.call(url(UNKNOWN)), 404)).error.code).toBe('INCIDENT_NOT_FOUND');
    expect((await expectStatus(await sidecar.call(`${url(UNKNOWN)}?format=md`), 404)).error.code).toBe(
      'INCIDENT_NOT_FOUND'
    );
    await expectStatus(await sidecar.call(url('INC-1')), 400);
    const incident = await declare();
    await expectStatus(await sidecar.call(`${url(incident.id)}?format=pdf`), 400);
  });
});

describe('PUT /api/incidents/:id/postmortem', () => {
  it('creates with version 0, then saves under optimistic concurrency', async () => {
    const incident = await declare();
    const res = await sidecar.call(url(incident.id), {
      method: 'PUT',
      json: { ...edits, version: 0 },
      headers: { 'x-grafana-user': 'kim' },
    });
    const saved = await expectStatus(res, 200);
    expect(saved).toMatchObject({ incidentId: incident.id, edits, version: 1 });
    expect((await expectStatus(await sidecar.call(url(incident.id)), 200)).edits).toEqual(edits);

    const next = { ...edits, followUps: [...edits.followUps, { title: 'Pool alert', owner: null, done: true }] };
    expect(await expectStatus(await save(incident.id, { ...next, version: 1 }), 200)).toMatchObject({
      edits: next,
      version: 2,
    });
    const [row] = await sidecar.sql`select updated_by, version from postmortems where incident_id = ${incident.id}`;
    expect(row).toEqual({ updatedBy: 'admin', version: 2 });
    const live =
      await sidecar.sql`select actor from events where topic = ${`incident:${incident.id}`} and type = 'postmortem.updated' order by seq`;
    expect(live.map((e) => e.actor)).toEqual(['kim', 'admin']);
  });

  it('answers 409 with the current postmortem to a stale version (a second "create" included), saving nothing', async () => {
    const incident = await declare();
    await expectStatus(await save(incident.id, { ...edits, version: 0 }), 200);
    for (const version of [0, 7]) {
      const conflict = await expectStatus(await save(incident.id, { ...edits, summary: 'overwrite', version }), 409);
      expect(conflict.error.code).toBe('VERSION_CONFLICT');
      expect(conflict.error.details.current).toMatchObject({ incidentId: incident.id, edits, version: 1 });
    }
    const fresh = await declare();
    const early = await expectStatus(await save(fresh.id, { ...edits, version: 1 }), 409);
    expect(early.error.details.current.version).toBe(0);
    expect((await expectStatus(await sidecar.call(url(incident.id)), 200)).edits.summary).toBe(edits.summary);
  });

  it.each([
    ['no version', { ...edits }],
    ['a negative version', { ...edits, version: -1 }],
    ['a missing field', { ...edits, lessons: undefined, version: 0 }],
    ['an unknown field', { ...edits, version: 0, verdict: 'blameless' }],
    ['a follow-up without title', { ...edits, version: 0, followUps: [{ title: ' ', owner: null, done: false }] }],
    [
      'a follow-up with a string "done"',
      { ...edits, version: 0, followUps: [{ title: 'x', owner: null, done: 'yes' }] },
    ],
  ])('refuses %s with 400', async (_name, json) => {
    const incident = await declare();
    expect((await expectStatus(await save(incident.id, json), 400)).error.code).toBe('VALIDATION_FAILED');
  });

  it('answers 404 for an unknown incident', async () => {
    expect((await expectStatus(await save(UNKNOWN, { ...edits, version: 0 }), 404)).error.code).toBe(
      'INCIDENT_NOT_FOUND'
    );
  });

  it('lets viewers read but not write, and refuses callers without a token', async () => {
    const incident = await declare();
    expect((await expectStatus(await save(incident.id, { ...edits, version: 0 }, viewer), 403)).error.code).toBe(
      'FORBIDDEN'
    );
    expect((await expectStatus(await save(incident.id, { ...edits, version: 0 }, null), 401)).error.code).toBe(
      'AUTH_REQUIRED'
    );
    expect((await expectStatus(await sidecar.call(url(incident.id), { token: null }), 401)).error.code).toBe(
      'AUTH_REQUIRED'
    );
    expect((await expectStatus(await sidecar.call(url(incident.id)), 200)).version).toBe(0);
  });
});

describe('budget burned when Prometheus is down', () => {
  it('answers 200 with budgetBurned null, promptly', async () => {
    const down = await startSidecar({ env: { PROMETHEUS_URL: `http://127.0.0.1:${await freePort()}` } });
    try {
      await expectStatus(await down.call('/api/services', { method: 'POST', json: { name: 'checkout' } }), 201);
      await expectStatus(
        await down.call('/api/slos', {
          method: 'POST',
          json: {
            service: 'checkout',
            name: 'availability',
            sli,
            objective: 99,
            window: { type: 'rolling', days: 30 },
          },
        }),
        201
      );
      const incident = await declare(down);
      const started = Date.now();
      const pm = await expectStatus(await down.call(url(incident.id)), 200);
      expect(Date.now() - started).toBeLessThan(6000);
      expect(pm.budgetBurned).toBeNull();
      expect(pm.edits.impact).toContain('Error budget burned: unknown');
    } finally {
      await down.close();
    }
  });
});

describe.runIf(shouldRunPrometheusTests)('budget burned from a real Prometheus', () => {
  const counters = { total: 1_000_000, errors: 100_000 };
  let exporter: Exporter;
  let prometheus: TestPrometheus;
  let withPrometheus: TestSidecar;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const settle = async () => {
    await eventually(
      async () => (await prometheus.query('test_requests_total'))[0]?.value[1] === String(counters.total),
      10_000,
      'scrape'
    );
    await sleep(1100);
  };

  beforeAll(async () => {
    exporter = await startExporter(() =>
      [
        '# TYPE test_requests_total counter',
        `test_requests_total ${counters.total}`,
        '# TYPE test_requests_errors_total counter',
        `test_requests_errors_total ${counters.errors}`,
        '',
      ].join('\n')
    );
    prometheus = await startPrometheus([exporter.target]);
    withPrometheus = await startSidecar({ env: { PROMETHEUS_URL: prometheus.url } });
    await eventually(
      async () => (await prometheus.query('count_over_time(test_requests_total[1m]) >= 3')).length > 0,
      15_000,
      'first samples'
    );
  }, 60_000);
  afterAll(async () => {
    await withPrometheus?.close();
    await prometheus?.stop();
    await exporter?.close();
  });

  it('reports what each SLO of the impacted services lost, as the SLO API computes it', async () => {
    const call = withPrometheus.call;
    await expectStatus(await call('/api/services', { method: 'POST', json: { name: 'checkout' } }), 201);
    const slo = await expectStatus(
      await call('/api/slos', {
        method: 'POST',
        json: { service: 'checkout', name: 'availability', sli, objective: 99, window: { type: 'rolling', days: 30 } },
      }),
      201
    );
    counters.total += 10_000;
    counters.errors += 10;
    await settle();
    const incident = await declare(withPrometheus);
    await sleep(2000);
    counters.total += 5_000;
    counters.errors += 50; // the incident's failures
    await settle();
    await expectStatus(
      await call(`/api/incidents/${incident.id}`, { method: 'PATCH', json: { version: 1, status: 'resolved' } }),
      200
    );

    const pm = await expectStatus(await call(url(incident.id)), 200);
    expect(pm.budgetBurned).toHaveLength(1);
    const [burned] = pm.budgetBurned;
    expect(burned).toMatchObject({ sloId: slo.id, slo: 'availability', service: 'checkout' });
    expect(burned.budgetPercent).toBeGreaterThan(0);
    // The same figure the war room's SLO view gives for this incident, evaluated when it was resolved.
    const costs = await expectStatus(
      await call(`/api/incidents/${incident.id}/slos?at=${encodeURIComponent(pm.resolvedAt)}`),
      200
    );
    expect(burned.budgetPercent).toBeCloseTo(costs.items[0].cost.budgetBurned * 100, 6);
    expect(burned.budgetMinutes).toBeCloseTo(costs.items[0].cost.budgetBurnedMinutes, 6);
    expect(pm.edits.impact).toContain('Error budget burned:\n- checkout / availability:');
    const md = await (await call(`${url(incident.id)}?format=md`)).text();
    expect(md).toMatch(/\| availability \| checkout \| \d+(\.\d+)? % \| \d+(\.\d+)? \|/);
  }, 60_000);
});
