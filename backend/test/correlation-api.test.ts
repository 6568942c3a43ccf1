/**
 * GET /api/incidents/:id/correlations and POST /api/incidents/:id/correlate through real HTTP, with the change
 * source as evidence: the result's shape, the timeline entry (once per new picture, not per refresh), suggested
 * hypotheses (once), the outbox event, automatic runs for new and open incidents, and error and auth cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeSource } from '../src/correlation/changeSource.js';
import { CorrelationEngine } from '../src/correlation/engine.js';
import { CorrelationRefresher } from '../src/correlation/refresher.js';
import { loadCorrelationSubject } from '../src/store/correlationSubject.js';
import type { Database } from '../src/store/db.js';
import { createApiToken } from '../src/store/tokens.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

const UNKNOWN = '00000000-0000-4000-8000-00000000abcd';
let sidecar: TestSidecar;
let database: Database;
let engine: CorrelationEngine;
let viewer: string;
let editor: string;

beforeAll(async () => {
  sidecar = await startSidecar({
    correlation: ({ db }) => {
      database = db;
      engine = new CorrelationEngine({ db, sources: [new ChangeSource(db)], budgetMs: 3000, leadMs: 15 * 60_000, refreshMs: 200 });
      return engine;
    },
  });
  viewer = (await createApiToken(sidecar.sql, 'wall', 'viewer')).token;
  editor = (await createApiToken(sidecar.sql, 'oncall', 'editor')).token;
  for (const name of ['checkout', 'payments'])
    await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name } }), 201);
});
afterAll(() => sidecar.close());

async function declare(services: string[]): Promise<string> {
  const incident = await expectStatus(
    await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'Checkout failing', severity: 'high', services } }),
    201
  );
  return incident.id;
}

const deploy = async (service: string, minutesAgo: number, summary: string) =>
  expectStatus(
    await sidecar.call('/api/changes', {
      method: 'POST',
      json: { service, kind: 'deploy', summary, at: new Date(Date.now() - minutesAgo * 60_000).toISOString() },
    }),
    201
  );

const correlate = (id: string, token?: string) => sidecar.call(`/api/incidents/${id}/correlate`, { method: 'POST', token });
const timeline = async (id: string) => (await expectStatus(await sidecar.call(`/api/incidents/${id}/timeline`), 200)).items;

describe('correlating an incident', () => {
  let id: string;
  beforeAll(async () => {
    id = await declare(['checkout']);
    await deploy('checkout', 2, 'checkout v2.4.1');
    await deploy('checkout', 20, 'checkout v2.4.0');
    await deploy('checkout', 60, 'checkout v2.3.9');
    await deploy('payments', 1, 'payments v9');
  });

  it('answers {run: null, findings: []} before the first run, to viewers too', async () => {
    expect(await expectStatus(await sidecar.call(`/api/incidents/${id}/correlations`, { token: viewer }), 200)).toEqual({
      run: null,
      findings: [],
    });
  });

  it('runs on POST /correlate and answers the ranked findings of the impacted service', async () => {
    const result = await expectStatus(await correlate(id, editor), 200);
    expect(result.run).toMatchObject({ incidentId: id, trigger: 'manual' });
    expect(result.run.sources).toMatchObject({
      change: { status: 'ok', findings: 2 },
      prometheus: { status: 'skipped', message: 'not configured', durationMs: null, findings: 0 },
    });
    // The deploy 2 min before outranks the one 20 min before (and one 60 min before is too old to list); the other service's deploy is not evidence.
    expect(result.findings.map((f: { summary: string; rank: number }) => [f.rank, f.summary])).toEqual([
      [1, 'Deploy of checkout 2 min before the incident: checkout v2.4.1'],
      [2, 'Deploy of checkout 20 min before the incident: checkout v2.4.0'],
    ]);
    const [top] = result.findings;
    expect(top.score).toBeGreaterThan(0.7);
    expect(top.data.change).toMatchObject({ service: 'checkout', kind: 'deploy', summary: 'checkout v2.4.1' });
    expect(Date.parse(result.run.window.start)).toBeLessThan(Date.parse(result.run.window.end));
    expect(result.run.baseline.end).toBe(result.run.window.start);
    expect(await expectStatus(await sidecar.call(`/api/incidents/${id}/correlations`, { token: viewer }), 200)).toEqual(result);
  });

  it('summarises the run once on the timeline, and suggests the top finding once, however often it runs', async () => {
    await expectStatus(await correlate(id), 200);
    await expectStatus(await correlate(id), 200);
    const entries = await timeline(id);
    const found = entries.filter((e: { type: string }) => e.type === 'correlation_found');
    expect(found).toHaveLength(1);
    expect(found[0].data.top[0].summary).toContain('checkout v2.4.1');
    expect(found[0].data.findings).toBe(2);
    expect(found[0].data.sources.change.status).toBe('ok');
    const added = entries.filter((e: { type: string }) => e.type === 'hypothesis_added');
    expect(added).toHaveLength(1);
    expect(added[0].data.hypothesis).toMatchObject({ origin: 'suggested', status: 'open' });
    expect(added[0].data.hypothesis.statement).toContain('checkout v2.4.1');
    const { items } = await expectStatus(await sidecar.call(`/api/incidents/${id}/hypotheses`), 200);
    expect(items.filter((h: { origin: string }) => h.origin === 'suggested')).toHaveLength(1);
    expect(items[0].evidence[0].findingId).toBeTruthy();
  });

  it('writes a new timeline entry when the picture changes', async () => {
    await deploy('checkout', 0.5, 'checkout hotfix flag');
    const result = await expectStatus(await correlate(id), 200);
    expect(result.findings[0].summary).toContain('hotfix');
    const found = (await timeline(id)).filter((e: { type: string }) => e.type === 'correlation_found');
    expect(found).toHaveLength(2);
  });

  it('announces each run on the incident topic of the outbox', async () => {
    const events = await sidecar.sql`
      select payload from events where topic = ${`incident:${id}`} and type = 'correlation.completed' order by seq`;
    expect(events.length).toBe(4);
    expect(events.at(-1)!.payload).toMatchObject({ incidentId: id, trigger: 'manual', findings: 3 });
  });
});

describe('automatic runs', () => {
  it('correlates a new incident once, then refreshes it while open, and leaves resolved ones alone', async () => {
    const refresher = new CorrelationRefresher({ db: database, engine, pollMs: 0, refreshMs: 200 });
    const fresh = await declare(['payments']);
    await refresher.round();
    const first = await expectStatus(await sidecar.call(`/api/incidents/${fresh}/correlations`), 200);
    expect(first.run.trigger).toBe('created');
    await refresher.round();
    const same = await expectStatus(await sidecar.call(`/api/incidents/${fresh}/correlations`), 200);
    expect(same.run.id).toBe(first.run.id);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await refresher.round();
    const refreshed = await expectStatus(await sidecar.call(`/api/incidents/${fresh}/correlations`), 200);
    expect(refreshed.run).toMatchObject({ trigger: 'refresh' });
    expect(refreshed.run.id).not.toBe(first.run.id);

    const incident = await expectStatus(await sidecar.call(`/api/incidents/${fresh}`), 200);
    await expectStatus(
      await sidecar.call(`/api/incidents/${fresh}`, { method: 'PATCH', json: { status: 'resolved', version: incident.version } }),
      200
    );
    await new Promise((resolve) => setTimeout(resolve, 250));
    await refresher.round();
    const after = await expectStatus(await sidecar.call(`/api/incidents/${fresh}/correlations`), 200);
    expect(after.run.id).toBe(refreshed.run.id);
  });
});

describe('what a run investigates', () => {
  it("without impacted services, the services its alerts name: the catalog's, or the label alone", async () => {
    const id = await declare([]);
    const alert = (fingerprint: string, labels: Record<string, string>) => sidecar.sql`
      insert into alerts (source, fingerprint, starts_at, status, alertname, severity, labels, group_key, incident_id)
      values ('alertmanager', ${fingerprint}, now(), 'firing', 'HighErrors', 'high', ${sidecar.sql.json(labels)}, 'g', ${id})`;
    await alert('a1', { alertname: 'HighErrors', service: 'payments', job: 'ignored' });
    await alert('a2', { alertname: 'HighErrors', job: 'edge-proxy' });
    await alert('a3', { alertname: 'HighErrors', app: 'payments' });
    await sidecar.sql`update services set labels = ${sidecar.sql.json({ service: 'payments', env: 'prod' })} where name = 'payments'`;
    const subject = await loadCorrelationSubject(sidecar.sql, id);
    expect(subject.services).toEqual([
      { name: 'edge-proxy', labels: { job: 'edge-proxy' }, queries: {} },
      { name: 'payments', labels: { service: 'payments', env: 'prod' }, queries: {} },
    ]);
    const declared = await loadCorrelationSubject(sidecar.sql, await declare(['checkout']));
    expect(declared.services.map((s) => s.name)).toEqual(['checkout']);
  });
});

describe('errors and roles', () => {
  it('answers 404 INCIDENT_NOT_FOUND and 400 for a malformed id', async () => {
    expect((await expectStatus(await sidecar.call(`/api/incidents/${UNKNOWN}/correlations`), 404)).error.code).toBe('INCIDENT_NOT_FOUND');
    expect((await expectStatus(await correlate(UNKNOWN), 404)).error.code).toBe('INCIDENT_NOT_FOUND');
    expect((await expectStatus(await correlate('not-a-uuid'), 400)).error.code).toBe('VALIDATION_FAILED');
  });

  it('lets viewers read but not run (403), and nobody without a token (401)', async () => {
    const id = await declare([]);
    expect((await expectStatus(await correlate(id, viewer), 403)).error.code).toBe('FORBIDDEN');
    expect((await expectStatus(await sidecar.call(`/api/incidents/${id}/correlations`, { token: null }), 401)).error.code).toBe('AUTH_REQUIRED');
    expect((await expectStatus(await correlate(id, null as unknown as string), 401)).error.code).toBe('AUTH_REQUIRED');
  });
});
