import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/domain/errors.js';
import * as opsSchemas from '../src/routes/opsSchemas.js';
import { TimelineEventSchema } from '../src/routes/timelineSchemas.js';
import { TIMELINE_EVENT_TYPES } from '../src/store/timeline.js';
import { alertmanagerPayload } from './support/alerting.js';
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

type Case = [
  name: string,
  method: string,
  path: string,
  init: { body?: string; contentType?: string | null; token?: string | null },
  status: number,
  code: string,
];

const cases = (): Case[] => [
  ['malformed JSON', 'POST', '/api/incidents', { body: '{"title":' }, 400, 'MALFORMED_REQUEST'],
  ['wrong types', 'POST', '/api/incidents', { body: '{"title":42,"severity":true}' }, 400, 'VALIDATION_FAILED'],
  [
    'unknown fields',
    'POST',
    '/api/incidents',
    { body: '{"title":"a","severity":"low","sev":"x"}' },
    400,
    'VALIDATION_FAILED',
  ],
  ['missing fields', 'POST', '/api/incidents', { body: '{}' }, 400, 'VALIDATION_FAILED'],
  ['empty title', 'POST', '/api/incidents', { body: '{"title":"   ","severity":"low"}' }, 400, 'VALIDATION_FAILED'],
  ['array body', 'POST', '/api/incidents', { body: '[]' }, 400, 'VALIDATION_FAILED'],
  ['no body', 'POST', '/api/incidents', { contentType: null }, 400, 'VALIDATION_FAILED'],
  ['not JSON', 'POST', '/api/incidents', { body: 'title=a', contentType: 'text/plain' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
  [
    'oversized body',
    'POST',
    '/api/incidents',
    { body: JSON.stringify({ title: big, severity: 'low' }) },
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  ['no token', 'POST', '/api/incidents', { body: '{}', token: null }, 401, 'AUTH_REQUIRED'],
  ['bad uuid', 'GET', '/api/incidents/42', {}, 400, 'VALIDATION_FAILED'],
  ['sql-looking id', 'GET', "/api/incidents/1'%20or%20'1'='1", {}, 400, 'VALIDATION_FAILED'],
  ['unknown incident', 'GET', `/api/incidents/${UNKNOWN}`, {}, 404, 'INCIDENT_NOT_FOUND'],
  ['bad list filter', 'GET', '/api/incidents?severity=urgent', {}, 400, 'VALIDATION_FAILED'],
  ['bad cursor', 'GET', '/api/incidents?cursor=%00%01', {}, 400, 'VALIDATION_FAILED'],
  ['patch malformed', 'PATCH', `/api/incidents/${incidentId}`, { body: 'nope' }, 400, 'MALFORMED_REQUEST'],
  [
    'patch bad status',
    'PATCH',
    `/api/incidents/${incidentId}`,
    { body: '{"version":1,"status":"done"}' },
    400,
    'VALIDATION_FAILED',
  ],
  [
    'patch stale',
    'PATCH',
    `/api/incidents/${incidentId}`,
    { body: '{"version":99,"title":"t"}' },
    409,
    'VERSION_CONFLICT',
  ],
  ['patch bad move', 'PATCH', `/api/incidents/${incidentId}`, { body: '{"version":1,"status":"open"}' }, 200, ''],
  ['patch unknown', 'PATCH', `/api/incidents/${UNKNOWN}`, { body: '{"version":1}' }, 404, 'INCIDENT_NOT_FOUND'],
  ['patch bad uuid', 'PATCH', '/api/incidents/x', { body: '{"version":1}' }, 400, 'VALIDATION_FAILED'],
  ['timeline unknown', 'GET', `/api/incidents/${UNKNOWN}/timeline`, {}, 404, 'INCIDENT_NOT_FOUND'],
  ['timeline bad uuid', 'GET', '/api/incidents/x/timeline', {}, 400, 'VALIDATION_FAILED'],
  ['note empty', 'POST', `/api/incidents/${incidentId}/timeline`, { body: '{"message":""}' }, 400, 'VALIDATION_FAILED'],
  [
    'note unknown incident',
    'POST',
    `/api/incidents/${UNKNOWN}/timeline`,
    { body: '{"message":"m"}' },
    404,
    'INCIDENT_NOT_FOUND',
  ],
  [
    'note oversized',
    'POST',
    `/api/incidents/${incidentId}/timeline`,
    { body: JSON.stringify({ message: big }) },
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  ['service bad name', 'POST', '/api/services', { body: '{"name":"Not Valid!"}' }, 400, 'VALIDATION_FAILED'],
  [
    'service bad url',
    'POST',
    '/api/services',
    { body: '{"name":"svc","runbookUrl":"javascript:alert(1)"}' },
    400,
    'VALIDATION_FAILED',
  ],
  ['service malformed', 'POST', '/api/services', { body: '{' }, 400, 'MALFORMED_REQUEST'],
  ['channel malformed', 'POST', '/api/channels', { body: '{"kind":' }, 400, 'MALFORMED_REQUEST'],
  ['channel bad kind', 'POST', '/api/channels', { body: '{"kind":"pager","name":"p"}' }, 400, 'VALIDATION_FAILED'],
  ['channel unknown', 'GET', `/api/channels/${UNKNOWN}`, {}, 404, 'CHANNEL_NOT_FOUND'],
  ['channel test unknown', 'POST', `/api/channels/${UNKNOWN}/test`, {}, 404, 'CHANNEL_NOT_FOUND'],
  ['deliveries bad state', 'GET', `/api/channels/${UNKNOWN}/deliveries?state=lost`, {}, 400, 'VALIDATION_FAILED'],
  ['redeliver unknown', 'POST', `/api/deliveries/${UNKNOWN}/redeliver`, {}, 404, 'DELIVERY_NOT_FOUND'],
  ['rule no channels', 'POST', '/api/notification-rules', { body: '{"name":"r","events":["declared"],"channelIds":[]}' }, 400, 'VALIDATION_FAILED'],
  ['rule unknown', 'PATCH', `/api/notification-rules/${UNKNOWN}`, { body: '{"muted":true}' }, 404, 'NOTIFICATION_RULE_NOT_FOUND'],
  ['acknowledge unknown', 'POST', `/api/incidents/${UNKNOWN}/acknowledge`, {}, 404, 'INCIDENT_NOT_FOUND'],
  ['ack link made up', 'POST', '/ack/made.up', { token: null }, 404, 'NOT_FOUND'],
  ['person bad zone', 'POST', '/api/people', { body: '{"login":"p","name":"P","email":"p@example.com","timeZone":"Mars/Base"}' }, 400, 'VALIDATION_FAILED'],
  ['person unknown', 'PATCH', `/api/people/${UNKNOWN}`, { body: '{"name":"P"}' }, 404, 'PERSON_NOT_FOUND'],
  ['schedule bad layer', 'POST', '/api/schedules', { body: '{"name":"s","timeZone":"UTC","layers":[{"name":"l","participants":[],"shiftLength":{"unit":"days","count":1},"handOffTime":"9am","startDate":"2026-01-01"}]}' }, 400, 'VALIDATION_FAILED'],
  ['schedule unknown', 'GET', `/api/schedules/${UNKNOWN}/on-call`, {}, 404, 'SCHEDULE_NOT_FOUND'],
  ['override unknown', 'DELETE', `/api/schedules/${UNKNOWN}/overrides/${UNKNOWN}`, {}, 404, 'SCHEDULE_NOT_FOUND'],
  ['timeline backwards', 'GET', `/api/schedules/${UNKNOWN}/timeline?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`, {}, 400, 'VALIDATION_FAILED'],
  ['on-call bad window', 'GET', '/api/on-call?withinHours=-1', {}, 400, 'VALIDATION_FAILED'],
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
      expect(body.error, context).toMatchObject({
        code,
        message: expect.any(String),
        request_id: res.headers.get('x-request-id'),
      });
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
        '/health/ready',
        '/metrics',
        '/live',
      ])
    );
    expect(Object.keys(doc.paths['/api/incidents/{id}']).sort()).toEqual(['get', 'patch']);
    expect(doc.components.schemas.CreateIncident.required).toEqual(['title', 'severity']);
    expect(doc.components.schemas.Incident.properties.severity.enum).toEqual(['critical', 'high', 'medium', 'low']);
  });
});

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type Operation = {
  operationId?: string;
  summary?: string;
  parameters?: Array<{ in: string }>;
  requestBody?: { content: Record<string, { schema: { $ref?: string; properties?: Record<string, unknown> } }> };
  responses: Record<string, { $ref?: string; headers?: Record<string, unknown> }>;
};

describe('OpenAPI document', () => {
  let doc: {
    paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
    components: {
      schemas: Record<string, { properties?: Record<string, unknown> }>;
      responses: Record<string, Operation['responses'][string]>;
    };
  };
  let routes: Array<{ method: string; path: string }>;
  let describing: TestSidecar;
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((method) => ({
        path,
        method,
        op: item[method]!,
        name: `${method.toUpperCase()} ${path}`,
      }))
    );

  beforeAll(async () => {
    describing = await startSidecar({ extend: (app) => void (routes = app.routes) });
    doc = await expectStatus(await describing.call('/api/openapi.json'), 200);
  });
  afterAll(() => describing.close());

  it('describes every route the app serves, and nothing else', () => {
    // Hono lists middleware as ALL routes; the rest are the handlers, with :params.
    const served = routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    // GET /live is both: the live feed takes upgrades before the app (live/server.ts), the app answers plain GETs.
    expect(new Set(served)).toEqual(new Set(operations().map((o) => o.name)));
  });

  it('gives every operation a unique operationId and a summary', () => {
    const all = operations();
    for (const { name, op } of all) {
      expect(op.operationId, name).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.summary, name).toMatch(/\S/);
    }
    expect(new Set(all.map((o) => o.op.operationId)).size).toBe(all.length);
  });

  it('lists the answers the /api middleware can give on every /api operation, with their headers', () => {
    const api = operations().filter((o) => o.path.startsWith('/api/'));
    expect(api.length).toBeGreaterThan(40);
    for (const { name, op } of api) {
      for (const status of ['401', '403', '429', '503', '504'])
        expect(op.responses[status], `${name} ${status}`).toBeDefined();
      for (const [status, response] of Object.entries(op.responses)) {
        if (status.startsWith('2'))
          expect(Object.keys(response.headers ?? {}), `${name} ${status}`).toContain('RateLimit-Remaining');
      }
    }
    const header = (status: string) =>
      Object.keys(doc.components.responses[status === '429' ? 'RateLimited' : 'Unavailable']!.headers!);
    expect(header('429')).toEqual(
      expect.arrayContaining([
        'Retry-After',
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
        'RateLimit-Policy',
      ])
    );
    expect(header('503')).toContain('Retry-After');
  });

  it('lists 404 where a path names something, 413 and 415 where there is a body, 409 where a version is sent', () => {
    for (const { name, op } of operations().filter((o) => o.path.startsWith('/api/'))) {
      const statuses = Object.keys(op.responses);
      if (/\{\w+\}/.test(name)) expect(statuses, name).toContain('404');
      const body = op.requestBody?.content['application/json']?.schema;
      if (!body) continue;
      expect(statuses, name).toEqual(expect.arrayContaining(['400', '413', '415']));
      const properties = body.$ref ? doc.components.schemas[body.$ref.split('/').pop()!]?.properties : body.properties;
      // Optimistic concurrency: an integer `version` (an Alertmanager payload's string version is its format).
      if ((properties?.version as { type?: string } | undefined)?.type === 'integer')
        expect(statuses, name).toContain('409');
    }
  });

  it('keeps named schemas non-null (null belongs to where one is used, or every use of it becomes nullable)', () => {
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      expect([(schema as { type?: unknown }).type].flat(), name).not.toContain('null');
    }
  });

  it('lists every error code in the envelope', () => {
    const envelope = doc.components.schemas.Error!.properties!.error as { properties: { code: { enum: string[] } } };
    expect(envelope.properties.code.enum).toEqual([...ERROR_CODES]);
  });

  it('describes each kind of timeline entry, as the store writes it', async () => {
    const timeline = doc.components.schemas.TimelineEvent as { discriminator: { mapping: Record<string, string> } };
    expect(Object.keys(timeline.discriminator.mapping).sort()).toEqual([...TIMELINE_EVENT_TYPES].sort());

    const call = (path: string, method: string, json: unknown) => describing.call(path, { method, json });
    const incident = await expectStatus(await call('/api/incidents', 'POST', { title: 'Kinds', severity: 'low' }), 201);
    const at = `/api/incidents/${incident.id}`;
    await expectStatus(
      await call(at, 'PATCH', {
        version: 1,
        status: 'investigating',
        severity: 'high',
        commander: 'ann',
        title: 'All kinds',
      }),
      200
    );
    await expectStatus(await call(`${at}/timeline`, 'POST', { message: 'a note' }), 201);
    const hypothesis = await expectStatus(await call(`${at}/hypotheses`, 'POST', { statement: 'The cache' }), 201);
    await expectStatus(
      await call(`${at}/hypotheses/${hypothesis.id}`, 'PATCH', { version: 1, status: 'confirmed', note: 'seen' }),
      200
    );
    // A critical alert opens an incident (the default rule); resolving it resolves the alert and notes that all are.
    const labels = { alertname: 'KindsAlert', severity: 'critical', service: 'checkout' };
    const fired = await expectStatus(
      await call('/api/integrations/alertmanager', 'POST', alertmanagerPayload([{ labels }])),
      200
    );
    await expectStatus(
      await call('/api/integrations/alertmanager', 'POST', alertmanagerPayload([{ labels, status: 'resolved' }])),
      200
    );

    const seen = new Set<string>();
    for (const id of [incident.id, fired.incidents[0].id]) {
      const { items } = await expectStatus(await describing.call(`/api/incidents/${id}/timeline`), 200);
      for (const entry of items) {
        const parsed = TimelineEventSchema.safeParse(entry);
        expect(parsed.success, `${JSON.stringify(entry)}: ${parsed.error?.message ?? ''}`).toBe(true);
        seen.add(entry.type);
      }
    }
    // The kinds this flow writes; correlation_found and evidence_pinned need the engine (test/pins-api.test.ts).
    expect([...seen].sort()).toEqual(
      [
        'alert_fired',
        'alert_resolved',
        'alerts_resolved',
        'commander_changed',
        'created',
        'details_changed',
        'hypothesis_added',
        'hypothesis_decided',
        'note',
        'severity_changed',
        'status_changed',
      ].sort()
    );
  });

  it('describes the probes as they answer', async () => {
    const schemas = opsSchemas;
    const probes = [
      ['/health', schemas.HealthSchema],
      ['/health/live', schemas.LivenessSchema],
      ['/health/startup', schemas.StartupSchema],
      ['/health/ready', schemas.ReadinessSchema],
      ['/health/detailed', schemas.HealthDetailsSchema],
      ['/health/circuit-breakers', schemas.DependencyListSchema],
      ['/health/cache', schemas.CacheListSchema],
    ] as const;
    for (const [path, schema] of probes) {
      const res = await describing.call(path, { token: null });
      const body = await res.json();
      const parsed = schema.safeParse(body);
      expect(parsed.success, `${path} -> ${res.status} ${JSON.stringify(body)} ${parsed.error?.message ?? ''}`).toBe(
        true
      );
      expect(Object.keys(body).sort(), path).toEqual(Object.keys(schema.shape).sort());
    }
    expect(schemas.HealthSchema.safeParse(await expectStatus(await describing.call('/api/health'), 200)).success).toBe(
      true
    );
  });
});
