import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

/**
 * Every route's error cases: a clear 4xx in the one envelope, never a 5xx, and X-Request-Id on every answer.
 */
let sidecar: TestSidecar;
let incidentId: string;

beforeAll(async () => {
  sidecar = await startSidecar({ maxBodyBytes: 8 * 1024 });
  const incident = await expectStatus(
    await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'Contract', severity: 'low' } }),
    201
  );
  incidentId = incident.id;
});
afterAll(() => sidecar.close());

const UNKNOWN = '00000000-0000-4000-8000-00000000abcd';
const big = 'x'.repeat(9 * 1024);

type Case = [name: string, method: string, path: string, init: { body?: string; contentType?: string | null; token?: string | null }, status: number, code: string];

const cases = (): Case[] => [
  ['malformed JSON', 'POST', '/api/incidents', { body: '{"title":' }, 400, 'MALFORMED_REQUEST'],
  ['wrong types', 'POST', '/api/incidents', { body: '{"title":42,"severity":true}' }, 400, 'VALIDATION_FAILED'],
  ['unknown fields', 'POST', '/api/incidents', { body: '{"title":"a","severity":"low","sev":"x"}' }, 400, 'VALIDATION_FAILED'],
  ['missing fields', 'POST', '/api/incidents', { body: '{}' }, 400, 'VALIDATION_FAILED'],
  ['empty title', 'POST', '/api/incidents', { body: '{"title":"   ","severity":"low"}' }, 400, 'VALIDATION_FAILED'],
  ['array body', 'POST', '/api/incidents', { body: '[]' }, 400, 'VALIDATION_FAILED'],
  ['no body', 'POST', '/api/incidents', { contentType: null }, 400, 'VALIDATION_FAILED'],
  ['not JSON', 'POST', '/api/incidents', { body: 'title=a', contentType: 'text/plain' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ['oversized body', 'POST', '/api/incidents', { body: JSON.stringify({ title: big, severity: 'low' }) }, 413, 'PAYLOAD_TOO_LARGE'],
  ['no token', 'POST', '/api/incidents', { body: '{}', token: null }, 401, 'AUTH_REQUIRED'],
  ['bad uuid', 'GET', '/api/incidents/42', {}, 400, 'VALIDATION_FAILED'],
  ['sql-looking id', 'GET', "/api/incidents/1'%20or%20'1'='1", {}, 400, 'VALIDATION_FAILED'],
  ['unknown incident', 'GET', `/api/incidents/${UNKNOWN}`, {}, 404, 'INCIDENT_NOT_FOUND'],
  ['bad list filter', 'GET', '/api/incidents?severity=urgent', {}, 400, 'VALIDATION_FAILED'],
  ['bad cursor', 'GET', '/api/incidents?cursor=%00%01', {}, 400, 'VALIDATION_FAILED'],
  ['patch malformed', 'PATCH', `/api/incidents/${incidentId}`, { body: 'nope' }, 400, 'MALFORMED_REQUEST'],
  ['patch bad status', 'PATCH', `/api/incidents/${incidentId}`, { body: '{"version":1,"status":"done"}' }, 400, 'VALIDATION_FAILED'],
  ['patch stale', 'PATCH', `/api/incidents/${incidentId}`, { body: '{"version":99,"title":"t"}' }, 409, 'VERSION_CONFLICT'],
  ['patch bad move', 'PATCH', `/api/incidents/${incidentId}`, { body: '{"version":1,"status":"open"}' }, 200, ''],
  ['patch unknown', 'PATCH', `/api/incidents/${UNKNOWN}`, { body: '{"version":1}' }, 404, 'INCIDENT_NOT_FOUND'],
  ['patch bad uuid', 'PATCH', '/api/incidents/x', { body: '{"version":1}' }, 400, 'VALIDATION_FAILED'],
  ['timeline unknown', 'GET', `/api/incidents/${UNKNOWN}/timeline`, {}, 404, 'INCIDENT_NOT_FOUND'],
  ['timeline bad uuid', 'GET', '/api/incidents/x/timeline', {}, 400, 'VALIDATION_FAILED'],
  ['note empty', 'POST', `/api/incidents/${incidentId}/timeline`, { body: '{"message":""}' }, 400, 'VALIDATION_FAILED'],
  ['note unknown incident', 'POST', `/api/incidents/${UNKNOWN}/timeline`, { body: '{"message":"m"}' }, 404, 'INCIDENT_NOT_FOUND'],
  ['note oversized', 'POST', `/api/incidents/${incidentId}/timeline`, { body: JSON.stringify({ message: big }) }, 413, 'PAYLOAD_TOO_LARGE'],
  ['service bad name', 'POST', '/api/services', { body: '{"name":"Not Valid!"}' }, 400, 'VALIDATION_FAILED'],
  ['service bad url', 'POST', '/api/services', { body: '{"name":"svc","runbookUrl":"javascript:alert(1)"}' }, 400, 'VALIDATION_FAILED'],
  ['service malformed', 'POST', '/api/services', { body: '{' }, 400, 'MALFORMED_REQUEST'],
  ['unknown route', 'GET', '/api/nothing-here', {}, 404, 'NOT_FOUND'],
  ['wrong method', 'DELETE', `/api/incidents/${incidentId}`, {}, 404, 'NOT_FOUND'],
  ['unknown top-level', 'GET', '/nope', { token: null }, 404, 'NOT_FOUND'],
];

describe('error contract', () => {
  it('answers every bad request with a 4xx envelope, never a 5xx', async () => {
    for (const [name, method, path, init, status, code] of cases()) {
      const headers: Record<string, string> = {};
      if (init.contentType !== null) headers['content-type'] = init.contentType ?? 'application/json';
      const res = await sidecar.call(path, { method, body: init.body, headers, token: init.token });
      const text = await res.text();
      const context = `${name}: ${method} ${path} -> ${res.status} ${text}`;
      expect(res.status, context).toBeLessThan(500);
      expect(res.headers.get('x-request-id'), context).toMatch(/\S/);
      if (!code) continue;
      expect(res.status, context).toBe(status);
      const body = JSON.parse(text);
      expect(Object.keys(body), context).toEqual(['error']);
      expect(body.error, context).toMatchObject({ code, message: expect.any(String), request_id: res.headers.get('x-request-id') });
      expect(new Date(body.error.timestamp).toString(), context).not.toBe('Invalid Date');
    }
  });

  it('leaves stored data intact after the bad requests', async () => {
    const stored = await expectStatus(await sidecar.call(`/api/incidents/${incidentId}`), 200);
    // 'patch bad move' was the one valid move among them (open → open is no change).
    expect(stored).toMatchObject({ title: 'Contract', status: 'open', version: 1 });
    expect((await sidecar.sql`select count(*)::int as n from incidents`)[0]!.n).toBe(1);
  });

  it('echoes a caller request id and generates one otherwise', async () => {
    const mine = await sidecar.call('/health', { headers: { 'x-request-id': 'grafana-abc-123' } });
    expect(mine.headers.get('x-request-id')).toBe('grafana-abc-123');
    const generated = await sidecar.call('/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });

  it('publishes an OpenAPI 3 document generated from the route schemas', async () => {
    const doc = await expectStatus(await sidecar.call('/api/openapi.json'), 200);
    expect(doc.openapi).toMatch(/^3\./);
    const paths = Object.keys(doc.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/incidents',
        '/api/incidents/active',
        '/api/incidents/{id}',
        '/api/incidents/{id}/timeline',
        '/api/services',
      ])
    );
    expect(paths.every((p) => p.startsWith('/api/'))).toBe(true);
    expect(Object.keys(doc.paths['/api/incidents/{id}']).sort()).toEqual(['get', 'patch']);
    expect(doc.components.schemas.CreateIncident.required).toEqual(['title', 'severity']);
    expect(doc.components.schemas.Incident.properties.severity.enum).toEqual(['critical', 'high', 'medium', 'low']);
  });
});
