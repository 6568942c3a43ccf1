/**
 * Services carry their queries: GET /api/services/:name shows the effective queries (defaults filled with the
 * service's labels, overrides where set), PATCH edits a service (rename included), with error and auth cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/store/tokens.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

let sidecar: TestSidecar;
let viewer: string;

beforeAll(async () => {
  sidecar = await startSidecar();
  viewer = (await createApiToken(sidecar.sql, 'wall', 'viewer')).token;
  await expectStatus(
    await sidecar.call('/api/services', {
      method: 'POST',
      json: { name: 'checkout', labels: { job: 'checkout', env: 'prod' }, team: 'shop' },
    }),
    201
  );
  await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name: 'payments' } }), 201);
});
afterAll(() => sidecar.close());

const patch = (name: string, json: unknown, token?: string) =>
  sidecar.call(`/api/services/${name}`, { method: 'PATCH', json, token });

describe('GET /api/services/:name', () => {
  it('fills the default templates with the labels as escaped matchers, sorted', async () => {
    const service = await expectStatus(await sidecar.call('/api/services/checkout', { token: viewer }), 200);
    expect(service).toMatchObject({ name: 'checkout', team: 'shop', queries: {} });
    expect(service.effectiveQueries).toEqual({
      requestRate: 'sum(rate(http_requests_total{env="prod",job="checkout"}[{{range}}]))',
      errorRatio:
        'sum(rate(http_requests_total{env="prod",job="checkout",code=~"5.."}[{{range}}])) / sum(rate(http_requests_total{env="prod",job="checkout"}[{{range}}]))',
      latencyP95:
        'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{env="prod",job="checkout"}[{{range}}])))',
      errorLogs: '{env="prod",job="checkout"} |~ "(?i)(error|exception|fatal|panic)"',
      traces: '{ resource.service.name = "checkout" }',
    });
  });

  it('lists services with their overrides (no effective queries in the list)', async () => {
    const { items } = await expectStatus(await sidecar.call('/api/services'), 200);
    const payments = items.find((s: { name: string }) => s.name === 'payments');
    expect(payments).toMatchObject({ labels: { service: 'payments' }, queries: {} });
    expect(payments.effectiveQueries).toBeUndefined();
  });

  it('answers 404 SERVICE_NOT_FOUND, 400 for a malformed name, 401 without a token', async () => {
    expect((await expectStatus(await sidecar.call('/api/services/nope'), 404)).error.code).toBe('SERVICE_NOT_FOUND');
    expect((await expectStatus(await sidecar.call('/api/services/Not%20A%20Name'), 400)).error.code).toBe('VALIDATION_FAILED');
    expect((await expectStatus(await sidecar.call('/api/services/checkout', { token: null }), 401)).error.code).toBe('AUTH_REQUIRED');
  });
});

describe('PATCH /api/services/:name', () => {
  it('sets query overrides, which replace the defaults in effectiveQueries; {} returns to the defaults', async () => {
    const errorLogs = '{app="pay"} |= "ERROR"';
    const changed = await expectStatus(await patch('payments', { queries: { errorLogs } }), 200);
    expect(changed.queries).toEqual({ errorLogs });
    expect(changed.effectiveQueries.errorLogs).toBe(errorLogs);
    expect(changed.effectiveQueries.requestRate).toBe('sum(rate(http_requests_total{service="payments"}[{{range}}]))');
    const reset = await expectStatus(await patch('payments', { queries: {} }), 200);
    expect(reset.effectiveQueries.errorLogs).toBe('{service="payments"} |~ "(?i)(error|exception|fatal|panic)"');
  });

  it('escapes label values that hold quotes and backslashes', async () => {
    const changed = await expectStatus(await patch('payments', { labels: { service: 'pay"ments\\x' } }), 200);
    expect(changed.effectiveQueries.requestRate).toBe('sum(rate(http_requests_total{service="pay\\"ments\\\\x"}[{{range}}]))');
    await expectStatus(await patch('payments', { labels: { service: 'payments' } }), 200);
  });

  it('renames, clears the team, and keeps the rest', async () => {
    await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name: 'legacy', team: 'old', tier: 2 } }), 201);
    const renamed = await expectStatus(await patch('legacy', { name: 'modern', team: null }), 200);
    expect(renamed).toMatchObject({ name: 'modern', team: null, tier: 2 });
    expect((await expectStatus(await sidecar.call('/api/services/legacy'), 404)).error.code).toBe('SERVICE_NOT_FOUND');
    await expectStatus(await sidecar.call('/api/services/modern'), 200);
  });

  it('answers 409 when the new name is taken and 404 for an unknown service', async () => {
    expect((await expectStatus(await patch('payments', { name: 'checkout' }), 409)).error.code).toBe('SERVICE_ALREADY_EXISTS');
    expect((await expectStatus(await patch('nope', { tier: 1 }), 404)).error.code).toBe('SERVICE_NOT_FOUND');
  });

  it.each([
    ['a label name PromQL cannot take', { labels: { 'app.kubernetes.io/name': 'x' } }],
    ['an unknown query key', { queries: { latency: 'up' } }],
    ['an empty query', { queries: { errorRatio: ' ' } }],
    ['a tier out of range', { tier: 7 }],
    ['an unknown field', { colour: 'red' }],
  ])('answers 400 VALIDATION_FAILED for %s', async (_name, body) => {
    expect((await expectStatus(await patch('payments', body), 400)).error.code).toBe('VALIDATION_FAILED');
  });

  it('refuses viewers (403) and callers without a token (401)', async () => {
    expect((await expectStatus(await patch('payments', { tier: 1 }, viewer), 403)).error.code).toBe('FORBIDDEN');
    expect((await expectStatus(await sidecar.call('/api/services/payments', { method: 'PATCH', json: { tier: 1 }, token: null }), 401)).error.code).toBe(
      'AUTH_REQUIRED'
    );
  });
});
