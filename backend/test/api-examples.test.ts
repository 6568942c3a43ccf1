/**
 * The calls the README's API section shows, exactly as shown (with a token: authentication stays on), answer as
 * it says. If one of these fails, the README is wrong or the API broke a documented call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

let sidecar: TestSidecar;

beforeAll(async () => {
  sidecar = await startSidecar();
});
afterAll(() => sidecar.close());

describe('the documented incident calls', () => {
  let incident: { id: string; version: number };

  it('POST /api/incidents with one `service` the catalog does not know: 201, the service added and said so', async () => {
    const res = await sidecar.call('/api/incidents', {
      method: 'POST',
      json: {
        title: 'High error rate detected',
        description: 'Error rate above 5% for 5 minutes',
        severity: 'critical',
        service: 'api-gateway',
      },
    });
    incident = await expectStatus(res, 201);
    expect(incident).toMatchObject({
      title: 'High error rate detected',
      description: 'Error rate above 5% for 5 minutes',
      severity: 'critical',
      status: 'open',
      services: [{ name: 'api-gateway', impact: 'major' }],
      version: 1,
    });
    expect(res.headers.get('location')).toBe(`/api/incidents/${incident.id}`);
    const service = await expectStatus(await sidecar.call('/api/services/api-gateway'), 200);
    expect(service).toMatchObject({ name: 'api-gateway', labels: { service: 'api-gateway' } });
    const { items } = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/timeline`), 200);
    expect(items[0]).toMatchObject({ type: 'created', data: { servicesAdded: ['api-gateway'] } });
    expect(items[0].message).toContain('added to the service catalog: api-gateway');
  });

  it('a known service is linked, not added again; `service` and `services` together name each once', async () => {
    const res = await sidecar.call('/api/incidents', {
      method: 'POST',
      json: { title: 'Gateway and checkout slow', severity: 'high', service: 'api-gateway', services: ['checkout', 'api-gateway'] },
    });
    const created = await expectStatus(res, 201);
    expect(created.services.map((s: { name: string }) => s.name)).toEqual(['api-gateway', 'checkout']);
    const { items } = await expectStatus(await sidecar.call(`/api/incidents/${created.id}/timeline`), 200);
    expect(items[0].data.servicesAdded).toEqual(['checkout']);
  });

  it('GET /api/incidents?limit=50&offset=0, /api/incidents/active and /api/incidents/{id}', async () => {
    const page = await expectStatus(await sidecar.call('/api/incidents?limit=50&offset=0'), 200);
    expect(page.items.map((i: { id: string }) => i.id)).toContain(incident.id);
    const active = await expectStatus(await sidecar.call('/api/incidents/active'), 200);
    expect(active.items[0]).toMatchObject({ id: incident.id, severity: 'critical' });
    expect(await expectStatus(await sidecar.call(`/api/incidents/${incident.id}`), 200)).toMatchObject({ id: incident.id });
  });

  it('PATCH without a version: the last write wins; with a stale version: 409 VERSION_CONFLICT', async () => {
    const path = `/api/incidents/${incident.id}`;
    const patched = await expectStatus(
      await sidecar.call(path, { method: 'PATCH', json: { status: 'investigating', description: 'Looking at the gateway' } }),
      200
    );
    expect(patched).toMatchObject({ status: 'investigating', description: 'Looking at the gateway', version: 2 });
    const conflict = await expectStatus(await sidecar.call(path, { method: 'PATCH', json: { version: 1, status: 'identified' } }), 409);
    expect(conflict.error).toMatchObject({ code: 'VERSION_CONFLICT', details: { current: { version: 2 } } });
    await expectStatus(await sidecar.call(path, { method: 'PATCH', json: { version: 2, status: 'identified' } }), 200);
  });
});

describe('GET /api/health', () => {
  it('answers like /health, with a token', async () => {
    const api = await expectStatus(await sidecar.call('/api/health'), 200);
    const plain = await expectStatus(await sidecar.call('/health', { token: null }), 200);
    expect(api).toEqual({ ...plain, uptimeSeconds: expect.any(Number) });
    expect(api).toMatchObject({ status: 'ok', version: 'test' });
    await expectStatus(await sidecar.call('/api/health', { token: null }), 401);
  });
});
