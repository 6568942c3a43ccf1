import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../src/domain/tokens.js';
import { SYSTEM_ACTOR } from '../src/domain/actor.js';
import {
  createApiToken,
  PROVISIONED_INTAKE_TOKEN_NAME,
  provisionIntakeToken,
  revokeApiToken,
} from '../src/store/tokens.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

let sidecar: TestSidecar;
let viewer: string;
let editor: string;

beforeAll(async () => {
  sidecar = await startSidecar();
  viewer = (await createApiToken(sidecar.sql, 'wallboard', 'viewer')).token;
  editor = (await createApiToken(sidecar.sql, 'deploy-bot', 'editor')).token;
});
afterAll(() => sidecar.close());

const create = (json: unknown, token?: string) => sidecar.call('/api/tokens', { method: 'POST', json, token });

describe('POST /api/tokens', () => {
  it('creates a token, shows its secret once, and the secret works with its role', async () => {
    const res = await create({ name: 'ci-runner', role: 'editor' });
    const created = await expectStatus(res, 201);
    expect(created).toMatchObject({
      id: expect.any(String),
      name: 'ci-runner',
      role: 'editor',
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(created.token).toMatch(/^rs_[A-Za-z0-9_-]{43}$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('location')).toBe(`/api/tokens/${created.id}`);

    const incident = await expectStatus(
      await sidecar.call('/api/incidents', {
        method: 'POST',
        token: created.token,
        json: { title: 'From CI', severity: 'low' },
      }),
      201
    );
    expect(incident.createdBy).toBe('ci-runner');

    const [row] = await sidecar.sql`select token_hash from api_tokens where id = ${created.id}`;
    expect(Buffer.from(row!.tokenHash).toString('utf8')).not.toContain(created.token);
  });

  it('records who created the token in the audit trail', async () => {
    await expectStatus(await create({ name: 'audited', role: 'viewer' }, undefined), 201);
    const [event] =
      await sidecar.sql`select actor, payload from events where type = 'token.created' and payload->>'name' = 'audited'`;
    expect(event).toMatchObject({ actor: 'admin', payload: { name: 'audited', role: 'viewer' } });
    expect(JSON.stringify(event!.payload)).not.toContain('rs_');
  });

  it('refuses a taken name with 409 TOKEN_ALREADY_EXISTS', async () => {
    await expectStatus(await create({ name: 'twice', role: 'viewer' }), 201);
    const body = await expectStatus(await create({ name: 'twice', role: 'admin' }), 409);
    expect(body.error).toMatchObject({ code: 'TOKEN_ALREADY_EXISTS', details: { name: 'twice' } });
  });

  it('refuses bad roles, bad and reserved names with 400 VALIDATION_FAILED naming the field', async () => {
    for (const [json, field] of [
      [{ name: 'x', role: 'owner' }, 'role'],
      [{ name: 'has space', role: 'viewer' }, 'name'],
      [{ name: '', role: 'viewer' }, 'name'],
      [{ name: 'a'.repeat(65), role: 'viewer' }, 'name'],
      [{ name: 'Admin', role: 'admin' }, 'name'],
      [{ name: 'reliability-studio', role: 'viewer' }, 'name'],
      [{ name: 'ok', role: 'viewer', token: 'chosen-by-me' }, ''],
      [{ role: 'viewer' }, 'name'],
    ] as const) {
      const body = await expectStatus(await create(json), 400);
      expect(body.error.code, JSON.stringify(json)).toBe('VALIDATION_FAILED');
      expect(
        body.error.details.issues.map((i: { path: string }) => i.path),
        JSON.stringify(json)
      ).toContain(field);
    }
    expect((await sidecar.sql`select count(*)::int as n from api_tokens where name in ('x', 'ok')`)[0]!.n).toBe(0);
  });
});

describe('GET /api/tokens', () => {
  it('lists tokens with their dates, never a hash or a secret', async () => {
    const res = await sidecar.call('/api/tokens');
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const { items } = JSON.parse(text);
    expect(items.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining(['wallboard', 'deploy-bot', 'ci-runner'])
    );
    expect(Object.keys(items[0]).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'revokedAt', 'role']);
    expect(text).not.toMatch(/rs_|hash/i);
    // ci-runner made a request above, so its last use is known.
    expect(items.find((t: { name: string }) => t.name === 'ci-runner').lastUsedAt).toEqual(expect.any(String));
  });
});

describe('DELETE /api/tokens/:id', () => {
  it('revokes: the token gets 401 from the next request on, and revoking again is harmless', async () => {
    const created = await expectStatus(await create({ name: 'short-lived', role: 'viewer' }), 201);
    await expectStatus(await sidecar.call('/api/incidents', { token: created.token }), 200);

    const res = await sidecar.call(`/api/tokens/${created.id}`, { method: 'DELETE' });
    expect(res.status, await res.text()).toBe(204);
    const refused = await expectStatus(await sidecar.call('/api/incidents', { token: created.token }), 401);
    expect(refused.error.code).toBe('AUTH_REQUIRED');

    expect((await sidecar.call(`/api/tokens/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    const { items } = await expectStatus(await sidecar.call('/api/tokens'), 200);
    expect(items.find((t: { id: string }) => t.id === created.id).revokedAt).toEqual(expect.any(String));
    const events =
      await sidecar.sql`select 1 from events where type = 'token.revoked' and payload->>'id' = ${created.id}`;
    expect(events.length).toBe(1);
  });

  it('answers 404 TOKEN_NOT_FOUND for an unknown id and 400 for a malformed one', async () => {
    const unknown = await expectStatus(
      await sidecar.call('/api/tokens/00000000-0000-4000-8000-000000000000', { method: 'DELETE' }),
      404
    );
    expect(unknown.error.code).toBe('TOKEN_NOT_FOUND');
    const malformed = await expectStatus(await sidecar.call("/api/tokens/1'%20or%201=1", { method: 'DELETE' }), 400);
    expect(malformed.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('who may manage tokens', () => {
  it('refuses viewers and editors with 403, and callers without a token with 401', async () => {
    const someId = (await expectStatus(await sidecar.call('/api/tokens'), 200)).items[0].id;
    for (const [method, path, json] of [
      ['POST', '/api/tokens', { name: 'sneaky', role: 'admin' }],
      ['GET', '/api/tokens', undefined],
      ['DELETE', `/api/tokens/${someId}`, undefined],
    ] as const) {
      for (const token of [viewer, editor]) {
        const body = await expectStatus(await sidecar.call(path, { method, token, json }), 403);
        expect(body.error).toMatchObject({ code: 'FORBIDDEN', details: { needed: 'admin' } });
      }
      expect((await sidecar.call(path, { method, token: null, json })).status).toBe(401);
    }
    expect((await sidecar.sql`select count(*)::int as n from api_tokens where name = 'sneaky'`)[0]!.n).toBe(0);
    expect(
      (await sidecar.sql`select count(*)::int as n from api_tokens where revoked_at is not null and id = ${someId}`)[0]!
        .n
    ).toBe(0);
  });

  it('lets an admin API token manage tokens, recorded under its own name', async () => {
    const admin = (await createApiToken(sidecar.sql, 'ops-admin', 'admin')).token;
    const created = await expectStatus(await create({ name: 'made-by-ops', role: 'viewer' }, admin), 201);
    const [event] =
      await sidecar.sql`select actor from events where type = 'token.created' and payload->>'id' = ${created.id}`;
    expect(event!.actor).toBe('ops-admin');
  });

  it('appears in the OpenAPI document with its schemas', async () => {
    const doc = await expectStatus(await sidecar.call('/api/openapi.json'), 200);
    expect(Object.keys(doc.paths['/api/tokens']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/tokens/{id}'])).toEqual(['delete']);
    expect(doc.components.schemas.CreateApiToken.properties.role.enum).toEqual([...ROLES]);
  });
});

describe('STUDIO_INTAKE_TOKEN', () => {
  const post = (token: string) =>
    sidecar.call('/api/integrations/alertmanager', {
      method: 'POST',
      token,
      json: {
        version: '4',
        status: 'firing',
        receiver: 'r',
        alerts: [{ labels: { alertname: 'Provisioned' }, startsAt: new Date().toISOString() }],
      },
    });

  it('provisions an intake-only token, replaces it when the secret changes, and never revives a revoked one', async () => {
    const first = 'provisioned-intake-secret-0001';
    expect(await provisionIntakeToken(sidecar.sql, first)).toBe('created');
    expect(await provisionIntakeToken(sidecar.sql, first)).toBe('unchanged');
    await expectStatus(await post(first), 200);
    // Intake only: the same token reads nothing.
    await expectStatus(await sidecar.call('/api/incidents', { token: first }), 403);

    const second = 'provisioned-intake-secret-0002';
    expect(await provisionIntakeToken(sidecar.sql, second)).toBe('updated');
    await expectStatus(await post(first), 401);
    await expectStatus(await post(second), 200);

    await revokeApiToken(sidecar.sql, { name: PROVISIONED_INTAKE_TOKEN_NAME }, SYSTEM_ACTOR);
    expect(await provisionIntakeToken(sidecar.sql, second)).toBe('revoked');
    expect(await provisionIntakeToken(sidecar.sql, 'provisioned-intake-secret-0003')).toBe('revoked');
    await expectStatus(await post(second), 401);
  });
});
