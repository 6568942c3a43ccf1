import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/store/tokens.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

let sidecar: TestSidecar;
let viewer: string;
let editor: string;
let revoked: string;

beforeAll(async () => {
  sidecar = await startSidecar();
  viewer = (await createApiToken(sidecar.sql, 'wallboard', 'viewer')).token;
  editor = (await createApiToken(sidecar.sql, 'deploy-bot', 'editor')).token;
  const old = await createApiToken(sidecar.sql, 'old-bot', 'editor');
  await sidecar.sql`update api_tokens set revoked_at = now() where id = ${old.id}`;
  revoked = old.token;
});
afterAll(() => sidecar.close());

describe('authentication', () => {
  it('refuses every /api route without a token: 401 AUTH_REQUIRED with WWW-Authenticate', async () => {
    for (const [method, path] of [
      ['GET', '/api/incidents'],
      ['GET', '/api/incidents/active'],
      ['POST', '/api/incidents'],
      ['GET', '/api/services'],
      ['GET', '/api/openapi.json'],
      ['GET', '/api/no-such-route'],
    ] as const) {
      const res = await sidecar.call(path, { method, token: null });
      const body = await expectStatus(res, 401);
      expect(body.error.code, path).toBe('AUTH_REQUIRED');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('refuses a wrong, malformed or revoked token', async () => {
    for (const token of ['wrong-token', revoked]) {
      const body = await expectStatus(await sidecar.call('/api/incidents', { token }), 401);
      expect(body.error.message).toMatch(/not recognised or has been revoked/);
    }
    const basic = await sidecar.call('/api/incidents', { token: null, headers: { authorization: 'Basic YTpi' } });
    expect((await expectStatus(basic, 401)).error.message).toMatch(/Bearer/);
  });

  it('keeps health probes open', async () => {
    for (const path of ['/health', '/health/live', '/health/ready']) {
      expect((await sidecar.call(path, { token: null })).status, path).toBe(200);
    }
  });

  it('stores only a hash of API tokens', async () => {
    const rows = await sidecar.sql`select token_hash from api_tokens`;
    for (const row of rows) expect(Buffer.from(row.tokenHash).toString('utf8')).not.toContain('rs_');
  });
});

describe('roles', () => {
  it('lets a viewer read but not write (403 FORBIDDEN)', async () => {
    await expectStatus(await sidecar.call('/api/incidents', { token: viewer }), 200);
    const body = await expectStatus(
      await sidecar.call('/api/incidents', { method: 'POST', token: viewer, json: { title: 'x', severity: 'low' } }),
      403
    );
    expect(body.error).toMatchObject({ code: 'FORBIDDEN', details: { needed: 'editor', role: 'viewer' } });
    expect((await sidecar.sql`select count(*)::int as n from incidents`)[0]!.n).toBe(0);
  });

  it('records the token name as the author of an editor token change', async () => {
    const incident = await expectStatus(
      await sidecar.call('/api/incidents', { method: 'POST', token: editor, json: { title: 'Deploy failed', severity: 'low' } }),
      201
    );
    expect(incident.createdBy).toBe('deploy-bot');
    const [event] = await sidecar.sql`select actor from events where type = 'incident.created'`;
    expect(event!.actor).toBe('deploy-bot');
  });

  it('ignores X-Grafana-User from API tokens: only the Grafana proxy may name a user', async () => {
    const incident = await expectStatus(
      await sidecar.call('/api/incidents', {
        method: 'POST',
        token: editor,
        headers: { 'x-grafana-user': 'impostor' },
        json: { title: 'Spoof', severity: 'low' },
      }),
      201
    );
    expect(incident.createdBy).toBe('deploy-bot');
  });
});
