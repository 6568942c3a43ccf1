/** POST/GET /api/changes through real HTTP: recording deploys, filters, validation, and who may do what. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/store/tokens.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

let sidecar: TestSidecar;
let viewer: string;
let editor: string;
let integration: string;

beforeAll(async () => {
  sidecar = await startSidecar();
  viewer = (await createApiToken(sidecar.sql, 'wall', 'viewer')).token;
  editor = (await createApiToken(sidecar.sql, 'ci-pipeline', 'editor')).token;
  integration = (await createApiToken(sidecar.sql, 'alertmanager', 'integration')).token;
  for (const name of ['checkout', 'payments'])
    await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name } }), 201);
});
afterAll(() => sidecar.close());

const post = (json: unknown, token?: string) => sidecar.call('/api/changes', { method: 'POST', json, token });

describe('POST /api/changes', () => {
  it('records a deploy with its service, defaulting author to the caller and at to now', async () => {
    const before = Date.now();
    const change = await expectStatus(
      await post({ service: 'checkout', kind: 'deploy', summary: 'checkout v2.4.1', url: 'https://ci.example.com/run/9' }, editor),
      201
    );
    expect(change).toMatchObject({
      service: 'checkout',
      kind: 'deploy',
      summary: 'checkout v2.4.1',
      description: '',
      author: 'ci-pipeline',
      url: 'https://ci.example.com/run/9',
      labels: {},
    });
    expect(Date.parse(change.at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(change.at)).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('takes an explicit author, time and labels, and a change without a service (global)', async () => {
    const change = await expectStatus(
      await post({ kind: 'infrastructure', summary: 'Postgres failover', author: 'dba on call', at: '2026-01-02T03:04:05.678Z', labels: { region: 'eu' } }),
      201
    );
    expect(change).toMatchObject({ service: null, author: 'dba on call', at: '2026-01-02T03:04:05.678Z', labels: { region: 'eu' } });
  });

  it('answers 404 SERVICE_NOT_FOUND for a service the catalog does not know', async () => {
    const res = await post({ service: 'nope', kind: 'deploy', summary: 'x' });
    expect((await expectStatus(res, 404)).error.code).toBe('SERVICE_NOT_FOUND');
  });

  it.each([
    ['no kind', { summary: 'x' }],
    ['an unknown kind', { kind: 'rollout', summary: 'x' }],
    ['an empty summary', { kind: 'deploy', summary: '  ' }],
    ['a javascript: link', { kind: 'deploy', summary: 'x', url: 'javascript:alert(1)' }],
    ['a date that is not ISO', { kind: 'deploy', summary: 'x', at: 'yesterday' }],
    ['an unknown field', { kind: 'deploy', summary: 'x', sevice: 'checkout' }],
  ])('answers 400 VALIDATION_FAILED for %s', async (_name, body) => {
    const res = await post(body);
    expect((await expectStatus(res, 400)).error.code).toBe('VALIDATION_FAILED');
  });

  it('refuses viewers and integration tokens (403) and callers without a token (401)', async () => {
    const body = { kind: 'deploy', summary: 'x' };
    expect((await expectStatus(await post(body, viewer), 403)).error.code).toBe('FORBIDDEN');
    expect((await expectStatus(await post(body, integration), 403)).error.code).toBe('FORBIDDEN');
    expect((await expectStatus(await sidecar.call('/api/changes', { method: 'POST', json: body, token: null }), 401)).error.code).toBe(
      'AUTH_REQUIRED'
    );
  });
});

describe('GET /api/changes', () => {
  beforeAll(async () => {
    for (const [service, at] of [
      ['payments', '2026-03-01T10:00:00.000Z'],
      ['payments', '2026-03-01T11:00:00.000Z'],
      ['checkout', '2026-03-01T10:30:00.000Z'],
    ] as const) {
      await expectStatus(await post({ service, kind: 'config', summary: `${service} at ${at}`, at }), 201);
    }
  });

  it('lists newest first, filtered by service and time, for viewers too', async () => {
    const { items } = await expectStatus(
      await sidecar.call('/api/changes?service=payments&from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z', { token: viewer }),
      200
    );
    expect(items.map((c: { summary: string }) => c.summary)).toEqual([
      'payments at 2026-03-01T11:00:00.000Z',
      'payments at 2026-03-01T10:00:00.000Z',
    ]);
    const limited = await expectStatus(await sidecar.call('/api/changes?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z&limit=1'), 200);
    expect(limited.items).toHaveLength(1);
    expect(limited.items[0].summary).toBe('payments at 2026-03-01T11:00:00.000Z');
  });

  it('answers 400 for a bad filter and 401 without a token', async () => {
    for (const query of ['limit=0', 'limit=abc', 'from=tomorrow', 'from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'colour=red']) {
      const res = await sidecar.call(`/api/changes?${query}`);
      expect((await expectStatus(res, 400)).error.code, query).toBe('VALIDATION_FAILED');
    }
    expect((await expectStatus(await sidecar.call('/api/changes', { token: null }), 401)).error.code).toBe('AUTH_REQUIRED');
  });
});
