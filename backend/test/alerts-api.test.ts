/**
 * The alerts API (list with filters and cursor, one alert, an incident's alerts), alert rules and silences: happy,
 * error and auth cases through real HTTP; and intake tokens never reach the logs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/observability/logger.js';
import { createApiToken } from '../src/store/tokens.js';
import { alertmanagerPayload, manyAlerts } from './support/alerting.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

let sidecar: TestSidecar;
let token: string;
let viewer: string;
const logLines: string[] = [];
const UNKNOWN = '00000000-0000-4000-8000-00000000abcd';

beforeAll(async () => {
  sidecar = await startSidecar({
    logger: createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } }),
  });
  token = (await createApiToken(sidecar.sql, 'grafana-prod', 'integration')).token;
  viewer = (await createApiToken(sidecar.sql, 'wallboard', 'viewer')).token;
  const post = (alerts: ReturnType<typeof manyAlerts>, groupKey: string) =>
    sidecar.call(`/api/integrations/alertmanager?token=${token}`, {
      method: 'POST',
      token: null,
      json: alertmanagerPayload(alerts, { groupKey }),
    });
  const firing = manyAlerts(5, { alertname: 'Listed', severity: 'warning', team: 'core' }).map((a, i) => ({
    ...a,
    startsAt: `2026-04-01T00:00:0${i}.00000${i}Z`,
  }));
  await expectStatus(await post(firing, 'listed'), 200);
  await expectStatus(
    await post([{ labels: { alertname: 'Gone', severity: 'critical', team: 'edge' }, status: 'resolved' }], 'gone'),
    200
  );
});
afterAll(() => sidecar.close());

const list = async (query: string, t?: string) =>
  expectStatus(await sidecar.call(`/api/alerts${query}`, { token: t }), 200);

describe('GET /api/alerts', () => {
  it('filters by status, severity, source, alertname, labels and incident presence', async () => {
    expect((await list('?status=firing&alertname=Listed')).items).toHaveLength(5);
    expect((await list('?status=resolved')).items.map((a: { alertname: string }) => a.alertname)).toEqual(['Gone']);
    expect((await list('?severity=critical')).items.map((a: { alertname: string }) => a.alertname)).toEqual(['Gone']);
    expect((await list('?labels=team=core,instance=host-3')).items).toHaveLength(1);
    expect((await list('?source=grafana')).items).toEqual([]);
    const onIncident = (await list('?hasIncident=true')).items;
    expect(onIncident.map((a: { alertname: string }) => a.alertname)).toEqual([
      'Listed',
      'Listed',
      'Listed',
      'Listed',
      'Listed',
    ]);
    const incidentId = onIncident[0].incident.id;
    expect((await list(`?incident=${incidentId}`)).items).toHaveLength(5);
  });

  it('pages newest first with a cursor that keeps microsecond start times apart, for viewers too', async () => {
    const first = await list('?alertname=Listed&limit=2', viewer);
    expect(first.items.map((a: { labels: { instance: string } }) => a.labels.instance)).toEqual(['host-4', 'host-3']);
    const second = await list(`?alertname=Listed&limit=2&cursor=${first.nextCursor}`, viewer);
    const third = await list(`?alertname=Listed&limit=2&cursor=${second.nextCursor}`, viewer);
    expect([...second.items, ...third.items].map((a: { labels: { instance: string } }) => a.labels.instance)).toEqual([
      'host-2',
      'host-1',
      'host-0',
    ]);
    expect(third.nextCursor).toBeNull();
  });

  it('answers bad filters with 400 and no token with 401', async () => {
    for (const query of [
      '?status=pending',
      '?limit=0',
      '?cursor=abc',
      '?labels=novalue',
      '?incident=42',
      '?hasIncident=yes',
      '?nope=1',
    ]) {
      const res = await sidecar.call(`/api/alerts${query}`);
      expect((await expectStatus(res, 400)).error.code, query).toBe('VALIDATION_FAILED');
    }
    expect((await expectStatus(await sidecar.call('/api/alerts', { token: null }), 401)).error.code).toBe(
      'AUTH_REQUIRED'
    );
  });
});

describe('GET /api/alerts/:id and /api/incidents/:id/alerts', () => {
  it('links an alert to its incident and back', async () => {
    const [listed] = (await list('?alertname=Listed&limit=1')).items;
    const alert = await expectStatus(await sidecar.call(`/api/alerts/${listed.id}`), 200);
    expect(alert.incident).toEqual({
      id: expect.any(String),
      reference: expect.stringMatching(/^INC-/),
      status: 'open',
    });
    const back = await expectStatus(await sidecar.call(`/api/incidents/${alert.incident.id}/alerts?limit=10`), 200);
    expect(back.items.map((a: { id: string }) => a.id)).toContain(alert.id);
  });

  it('answers unknown ids with 404 and malformed ones with 400', async () => {
    expect((await expectStatus(await sidecar.call(`/api/alerts/${UNKNOWN}`), 404)).error.code).toBe('ALERT_NOT_FOUND');
    expect((await expectStatus(await sidecar.call('/api/alerts/42'), 400)).error.code).toBe('VALIDATION_FAILED');
    expect((await expectStatus(await sidecar.call(`/api/incidents/${UNKNOWN}/alerts`), 404)).error.code).toBe(
      'INCIDENT_NOT_FOUND'
    );
  });
});

describe('alert rules', () => {
  it('creates, reads, replaces, lists in order and deletes rules (editor role)', async () => {
    const created = await expectStatus(
      await sidecar.call('/api/alert-rules', {
        method: 'POST',
        json: { name: 'web', position: 5, matchers: [{ name: 'team', value: 'web' }] },
      }),
      201
    );
    expect(created).toMatchObject({
      name: 'web',
      enabled: true,
      groupBy: null,
      promoteSeverities: ['critical'],
      minAlerts: null,
      autoResolve: 'note',
      createdBy: 'admin',
    });
    expect(await expectStatus(await sidecar.call(`/api/alert-rules/${created.id}`, { token: viewer }), 200)).toEqual(
      created
    );
    const replaced = await expectStatus(
      await sidecar.call(`/api/alert-rules/${created.id}`, {
        method: 'PUT',
        json: { name: 'web', minAlerts: 5, windowMinutes: 30, autoResolve: 'follow' },
      }),
      200
    );
    expect(replaced).toMatchObject({
      minAlerts: 5,
      windowMinutes: 30,
      autoResolve: 'follow',
      matchers: [],
      position: 100,
    });
    const listed = await expectStatus(await sidecar.call('/api/alert-rules'), 200);
    expect(listed.items.map((r: { name: string }) => r.name)).toEqual(['web']);
    expect(listed.default).toMatchObject({ name: 'default', minAlerts: 3, minAlertnames: 2, windowMinutes: 15 });
    await expectStatus(await sidecar.call(`/api/alert-rules/${created.id}`, { method: 'DELETE' }), 204);
    expect((await expectStatus(await sidecar.call(`/api/alert-rules/${created.id}`), 404)).error.code).toBe(
      'ALERT_RULE_NOT_FOUND'
    );
  });

  it('refuses bad rules (400), duplicate names (409), unknown ids (404) and viewers (403)', async () => {
    const bad = [
      { name: '' },
      { name: 'x', matchers: [{ name: 'a', op: '=~', value: '(' }] },
      { name: 'x', matchers: [{ name: 'a', op: '~', value: 'b' }] },
      { name: 'x', windowMinutes: 0 },
      { name: 'x', promoteSeverities: ['urgent'] },
      { name: 'x', groupBy: [] },
      { name: 'x', extra: true },
    ];
    for (const json of bad) {
      const res = await sidecar.call('/api/alert-rules', { method: 'POST', json });
      expect((await expectStatus(res, 400)).error.code, JSON.stringify(json)).toBe('VALIDATION_FAILED');
    }
    await expectStatus(await sidecar.call('/api/alert-rules', { method: 'POST', json: { name: 'dup' } }), 201);
    expect(
      (await expectStatus(await sidecar.call('/api/alert-rules', { method: 'POST', json: { name: 'dup' } }), 409)).error
        .code
    ).toBe('ALERT_RULE_ALREADY_EXISTS');
    expect(
      (
        await expectStatus(
          await sidecar.call(`/api/alert-rules/${UNKNOWN}`, { method: 'PUT', json: { name: 'z' } }),
          404
        )
      ).error.code
    ).toBe('ALERT_RULE_NOT_FOUND');
    expect(
      (await expectStatus(await sidecar.call(`/api/alert-rules/${UNKNOWN}`, { method: 'DELETE' }), 404)).error.code
    ).toBe('ALERT_RULE_NOT_FOUND');
    const res = await sidecar.call('/api/alert-rules', { method: 'POST', token: viewer, json: { name: 'v' } });
    expect((await expectStatus(res, 403)).error.code).toBe('FORBIDDEN');
    expect((await expectStatus(await sidecar.call('/api/alert-rules', { token: null }), 401)).error.code).toBe(
      'AUTH_REQUIRED'
    );
  });
});

describe('silences', () => {
  it('refuses silences without matchers, ending before they start, unknown ids and viewers', async () => {
    const bad = [
      { matchers: [] },
      { kind: 'forever', matchers: [{ name: 'a', value: 'b' }] },
      { matchers: [{ name: 'a', value: 'b' }], endsAt: '2020-01-01T00:00:00Z' },
      { matchers: [{ name: 'a', value: 'b' }], startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' },
    ];
    for (const json of bad) {
      const res = await sidecar.call('/api/silences', { method: 'POST', json });
      expect((await expectStatus(res, 400)).error.code, JSON.stringify(json)).toBe('VALIDATION_FAILED');
    }
    expect(
      (await expectStatus(await sidecar.call(`/api/silences/${UNKNOWN}`, { method: 'DELETE' }), 404)).error.code
    ).toBe('SILENCE_NOT_FOUND');
    const res = await sidecar.call('/api/silences', {
      method: 'POST',
      token: viewer,
      json: { matchers: [{ name: 'a', value: 'b' }] },
    });
    expect((await expectStatus(res, 403)).error.code).toBe('FORBIDDEN');
    const future = await expectStatus(
      await sidecar.call('/api/silences', {
        method: 'POST',
        json: {
          matchers: [{ name: 'a', value: 'b' }],
          startsAt: '2030-01-01T00:00:00Z',
          endsAt: '2030-01-02T00:00:00Z',
        },
      }),
      201
    );
    expect(future).toMatchObject({
      kind: 'silence',
      startsAt: '2030-01-01T00:00:00.000Z',
      endsAt: '2030-01-02T00:00:00.000Z',
    });
  });
});

describe('auth on every alert route', () => {
  it('wants a token (401) everywhere, and editor rights (403 for viewers) to change rules and silences', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/api/alerts'],
      ['GET', `/api/alerts/${UNKNOWN}`],
      ['GET', `/api/incidents/${UNKNOWN}/alerts`],
      ['GET', '/api/alert-rules'],
      ['POST', '/api/alert-rules'],
      ['GET', `/api/alert-rules/${UNKNOWN}`],
      ['PUT', `/api/alert-rules/${UNKNOWN}`],
      ['DELETE', `/api/alert-rules/${UNKNOWN}`],
      ['GET', '/api/silences'],
      ['POST', '/api/silences'],
      ['DELETE', `/api/silences/${UNKNOWN}`],
    ];
    for (const [method, path] of routes) {
      const json =
        method === 'POST' || method === 'PUT' ? { name: 'x', matchers: [{ name: 'a', value: 'b' }] } : undefined;
      const anonymous = await sidecar.call(path, { method, token: null, json });
      expect((await expectStatus(anonymous, 401)).error.code, `${method} ${path}`).toBe('AUTH_REQUIRED');
      const asIntegration = await sidecar.call(path, { method, token, json });
      expect((await expectStatus(asIntegration, 403)).error.code, `${method} ${path}`).toBe('FORBIDDEN');
      if (method !== 'GET') {
        const asViewer = await sidecar.call(path, { method, token: viewer, json });
        expect((await expectStatus(asViewer, 403)).error.code, `${method} ${path}`).toBe('FORBIDDEN');
      }
    }
  });
});

describe('OpenAPI', () => {
  it('documents intake, alerts, rules and silences', async () => {
    const doc = await expectStatus(await sidecar.call('/api/openapi.json'), 200);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/integrations/alertmanager',
        '/api/integrations/grafana',
        '/api/alerts',
        '/api/alerts/{id}',
        '/api/incidents/{id}/alerts',
        '/api/alert-rules',
        '/api/alert-rules/{id}',
        '/api/silences',
        '/api/silences/{id}',
      ])
    );
    expect(doc.components.schemas.AlertmanagerWebhook.required).toEqual(['alerts']);
    expect(doc.paths['/api/integrations/grafana'].post.parameters).toEqual([
      expect.objectContaining({ name: 'token', in: 'query' }),
    ]);
  });
});

describe('logs', () => {
  it('never write an intake token, whether it came in the header or the URL', async () => {
    expect(logLines.some((l) => l.includes('/api/integrations/alertmanager'))).toBe(true);
    for (const line of logLines) expect(line).not.toContain(token);
  });
});
