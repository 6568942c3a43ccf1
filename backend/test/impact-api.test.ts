/**
 * Service impact through real HTTP on a real database: declared services, services named by the incident's alerts
 * (service, else job, else app label) and services the latest correlation run points at, merged per service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/store/tokens.js';
import { seedFindings } from './support/evidence.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

const UNKNOWN = '00000000-0000-4000-8000-00000000abcd';
let sidecar: TestSidecar;
let viewer: string;
const catalog: Record<string, string> = {};

beforeAll(async () => {
  sidecar = await startSidecar();
  viewer = (await createApiToken(sidecar.sql, 'wall', 'viewer')).token;
  for (const name of ['checkout', 'payments', 'search', 'ledger']) {
    catalog[name] = (
      await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name } }), 201)
    ).id;
  }
});
afterAll(() => sidecar.close());

const declare = async (services: string[] = []) =>
  expectStatus(
    await sidecar.call('/api/incidents', {
      method: 'POST',
      json: { title: 'Orders failing', severity: 'high', services },
    }),
    201
  );
const impactOf = async (id: string, token?: string) =>
  (await expectStatus(await sidecar.call(`/api/incidents/${id}/impact`, { token }), 200)).items;

let fingerprint = 0;
/** An alert attached to the incident, as alert promotion leaves it. */
async function attachAlert(incidentId: string, labels: Record<string, string>) {
  fingerprint += 1;
  await sidecar.sql`
    insert into alerts (source, fingerprint, starts_at, status, alertname, severity, labels, group_key, incident_id)
    values ('alertmanager', ${`fp-${fingerprint}`}, now(), 'firing', 'HighErrorRate', 'high', ${sidecar.sql.json(labels)},
            'group', ${incidentId})`;
}

describe('GET /api/incidents/:id/impact', () => {
  it('lists declared services with their impact when nothing else is known', async () => {
    const incident = await declare(['checkout']);
    expect(await impactOf(incident.id, viewer)).toEqual([
      {
        service: 'checkout',
        serviceId: catalog.checkout,
        impact: 'major',
        reasons: ['declared'],
        alerts: 0,
        findings: 0,
        topScore: null,
      },
    ]);
  });

  it('merges declared services, alerts’ labels and the latest run’s findings per service', async () => {
    const incident = await declare(['checkout', 'ledger']);
    await sidecar.sql`update incident_services set impact = 'minor' where incident_id = ${incident.id} and service_id = ${catalog.ledger!}`;
    await attachAlert(incident.id, { service: 'checkout', alertname: 'HighErrorRate' });
    await attachAlert(incident.id, { job: 'payments' });
    await attachAlert(incident.id, { app: 'payments', job: '' });
    await attachAlert(incident.id, { app: 'edge-proxy' }); // not in the catalog
    await attachAlert(incident.id, { alertname: 'NoServiceLabel' }); // names no service: not counted anywhere
    // An older run pointed at search; the latest one no longer does, so search is not impacted.
    await seedFindings(sidecar.sql, incident.id, [{ service: 'search', score: 0.99 }]);
    await seedFindings(sidecar.sql, incident.id, [
      { service: 'payments', score: 0.4 },
      { service: 'payments', score: 0.8, signal: 'error_ratio', source: 'prometheus' },
      { service: 'checkout', score: 0.3 },
      { service: null, source: 'change', signal: 'change', score: 0.5 },
    ]);

    expect(await impactOf(incident.id)).toEqual([
      {
        service: 'checkout',
        serviceId: catalog.checkout,
        impact: 'major',
        reasons: ['declared', 'alerts', 'correlation'],
        alerts: 1,
        findings: 1,
        topScore: 0.3,
      },
      {
        service: 'ledger',
        serviceId: catalog.ledger,
        impact: 'minor',
        reasons: ['declared'],
        alerts: 0,
        findings: 0,
        topScore: null,
      },
      {
        service: 'payments',
        serviceId: catalog.payments,
        impact: null,
        reasons: ['alerts', 'correlation'],
        alerts: 2,
        findings: 2,
        topScore: 0.8,
      },
      {
        service: 'edge-proxy',
        serviceId: null,
        impact: null,
        reasons: ['alerts'],
        alerts: 1,
        findings: 0,
        topScore: null,
      },
    ]);
  });

  it('ignores a run that has not finished yet', async () => {
    const incident = await declare();
    await seedFindings(sidecar.sql, incident.id, [{ service: 'search', score: 0.6 }]);
    const [running] = await seedFindings(sidecar.sql, incident.id, [{ service: 'payments', score: 0.9 }]);
    await sidecar.sql`update correlation_runs set finished_at = null where id = ${running!.runId}`;
    expect((await impactOf(incident.id)).map((i: { service: string }) => i.service)).toEqual(['search']);
  });

  it('answers an empty list, 404 for an unknown incident, 400 for a bad id, 401 without a token', async () => {
    const incident = await declare();
    expect(await impactOf(incident.id)).toEqual([]);
    expect((await expectStatus(await sidecar.call(`/api/incidents/${UNKNOWN}/impact`), 404)).error.code).toBe(
      'INCIDENT_NOT_FOUND'
    );
    await expectStatus(await sidecar.call('/api/incidents/42/impact'), 400);
    expect(
      (await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/impact`, { token: null }), 401)).error.code
    ).toBe('AUTH_REQUIRED');
  });
});
