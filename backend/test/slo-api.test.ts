/**
 * The SLO API through real HTTP: CRUD with its error and auth cases, rules export (checked by promtool, odd
 * characters included), and status when Prometheus is missing, down, or refuses the SLO's query.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/store/tokens.js';
import { promtoolCheckRules, shouldRunPrometheusTests } from './support/prometheusServer.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

const UNKNOWN = '00000000-0000-4000-8000-00000000abcd';
const sli = {
  type: 'errors',
  errors: 'sum(rate(http_requests_total{job="api",code=~"5.."}[{{window}}]))',
  total: 'sum(rate(http_requests_total{job="api"}[{{window}}]))',
};
const body = (over: Record<string, unknown> = {}) => ({
  service: 'api',
  name: 'availability',
  sli,
  objective: 99.9,
  window: { type: 'rolling', days: 28 },
  ...over,
});

/** A stand-in Prometheus that refuses every query as Prometheus does a malformed one. */
let refusing: Server;
let refusingUrl: string;
let sidecar: TestSidecar;
let viewer: string;

beforeAll(async () => {
  refusing = createServer((_req, res) =>
    res
      .writeHead(400, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: '1:5: parse error: unexpected <EOF>' }))
  );
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  refusingUrl = `http://127.0.0.1:${(refusing.address() as { port: number }).port}`;
  sidecar = await startSidecar();
  viewer = (await createApiToken(sidecar.sql, 'wall', 'viewer')).token;
  for (const name of ['api', 'web'])
    await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name } }), 201);
});
afterAll(async () => {
  await sidecar.close();
  await new Promise((resolve) => refusing.close(resolve));
});

describe('SLO CRUD', () => {
  it('creates, reads, lists, replaces (optimistic concurrency) and deletes', async () => {
    const res = await sidecar.call('/api/slos', {
      method: 'POST',
      json: body({ description: 'Requests that do not fail' }),
    });
    const slo = await expectStatus(res, 201);
    expect(res.headers.get('location')).toBe(`/api/slos/${slo.id}`);
    expect(slo).toMatchObject({
      service: 'api',
      name: 'availability',
      objective: 99.9,
      window: { type: 'rolling', days: 28 },
      sli,
      version: 1,
      createdBy: 'admin',
    });
    expect(slo.burnRateAlerts).toHaveLength(4); // the workbook's tiers when none are given
    expect(await expectStatus(await sidecar.call(`/api/slos/${slo.id}`, { token: viewer }), 200)).toEqual(slo);
    expect((await expectStatus(await sidecar.call('/api/slos?service=api'), 200)).items).toHaveLength(1);
    expect((await expectStatus(await sidecar.call('/api/slos?service=web'), 200)).items).toEqual([]);

    const replaced = await expectStatus(
      await sidecar.call(`/api/slos/${slo.id}`, {
        method: 'PUT',
        json: {
          ...body({
            objective: 99.5,
            window: { type: 'calendar_month' },
            burnRateAlerts: [{ severity: 'page', longWindow: '1h', shortWindow: '5m', factor: 10 }],
          }),
          version: 1,
        },
      }),
      200
    );
    expect(replaced).toMatchObject({
      objective: 99.5,
      window: { type: 'calendar_month' },
      version: 2,
      burnRateAlerts: [{ factor: 10 }],
    });
    const stale = await sidecar.call(`/api/slos/${slo.id}`, { method: 'PUT', json: { ...body(), version: 1 } });
    expect((await expectStatus(stale, 409)).error.code).toBe('VERSION_CONFLICT');

    await expectStatus(await sidecar.call(`/api/slos/${slo.id}`, { method: 'DELETE' }), 204);
    expect((await expectStatus(await sidecar.call(`/api/slos/${slo.id}`), 404)).error.code).toBe('SLO_NOT_FOUND');
  });

  it('refuses bad SLOs with 400, duplicates with 409, unknown ids with 404', async () => {
    const bad: Array<Record<string, unknown>> = [
      body({ service: 'nope' }),
      body({ name: 'Not Valid' }),
      body({ objective: 100 }),
      body({ objective: 0 }),
      body({ window: { type: 'rolling', days: 0 } }),
      body({ window: { type: 'weekly' } }),
      body({ sli: { type: 'ratio', good: 'sum(rate(ok[5m]))', total: 'sum(rate(all[{{window}}]))' } }), // no placeholder
      body({ sli: { type: 'errors', total: 'x[{{window}}]' } }),
      body({ burnRateAlerts: [{ severity: 'page', longWindow: '5m', shortWindow: '1h', factor: 14.4 }] }),
      body({ burnRateAlerts: [{ severity: 'page', longWindow: '1w', shortWindow: '5m', factor: 14.4 }] }),
      body({ extra: 1 }),
    ];
    for (const json of bad) {
      const res = await sidecar.call('/api/slos', { method: 'POST', json });
      expect((await expectStatus(res, 400)).error.code, JSON.stringify(json)).toBe('VALIDATION_FAILED');
    }
    await expectStatus(await sidecar.call('/api/slos', { method: 'POST', json: body({ name: 'dup' }) }), 201);
    expect(
      (await expectStatus(await sidecar.call('/api/slos', { method: 'POST', json: body({ name: 'dup' }) }), 409)).error
        .code
    ).toBe('SLO_ALREADY_EXISTS');
    await expectStatus(
      await sidecar.call('/api/slos', { method: 'POST', json: body({ name: 'dup', service: 'web' }) }),
      201
    ); // per service
    for (const [method, json] of [
      ['GET', undefined],
      ['PUT', { ...body(), version: 1 }],
      ['DELETE', undefined],
    ] as const) {
      expect((await expectStatus(await sidecar.call(`/api/slos/${UNKNOWN}`, { method, json }), 404)).error.code).toBe(
        'SLO_NOT_FOUND'
      );
    }
    expect((await expectStatus(await sidecar.call(`/api/slos/${UNKNOWN}/status`), 404)).error.code).toBe(
      'SLO_NOT_FOUND'
    );
    expect((await expectStatus(await sidecar.call('/api/slos/x'), 400)).error.code).toBe('VALIDATION_FAILED');
  });

  it('lets viewers read but not change, and nobody in without a token', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/api/slos'],
      ['POST', '/api/slos'],
      ['GET', '/api/slos/rules'],
      ['GET', `/api/slos/${UNKNOWN}`],
      ['PUT', `/api/slos/${UNKNOWN}`],
      ['DELETE', `/api/slos/${UNKNOWN}`],
      ['GET', `/api/slos/${UNKNOWN}/status`],
      ['GET', `/api/incidents/${UNKNOWN}/slos`],
    ];
    for (const [method, path] of routes) {
      const json = method === 'POST' || method === 'PUT' ? { ...body({ name: 'v' }), version: 1 } : undefined;
      const anonymous = await sidecar.call(path, { method, token: null, json });
      expect((await expectStatus(anonymous, 401)).error.code, `${method} ${path}`).toBe('AUTH_REQUIRED');
      if (method !== 'GET') {
        const asViewer = await sidecar.call(path, { method, token: viewer, json });
        expect((await expectStatus(asViewer, 403)).error.code, `${method} ${path}`).toBe('FORBIDDEN');
      }
    }
  });
});

describe('OpenAPI', () => {
  it('documents the SLO routes', async () => {
    const doc = await expectStatus(await sidecar.call('/api/openapi.json'), 200);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/slos',
        '/api/slos/rules',
        '/api/slos/{id}',
        '/api/slos/{id}/status',
        '/api/incidents/{id}/slos',
      ])
    );
    expect(doc.components.schemas.SloInput.required).toEqual(
      expect.arrayContaining(['service', 'name', 'sli', 'objective', 'window'])
    );
  });
});

describe.runIf(shouldRunPrometheusTests)('GET /api/slos/rules', () => {
  it('exports YAML promtool accepts, even with quotes, backslashes and colons in the PromQL', async () => {
    const tricky = {
      type: 'errors',
      errors: 'sum(rate(x_total{path=~"/a\\\\.b: #c", q=\'y\'}[{{window}}]))',
      total: 'sum(rate(x_total[{{window}}]))',
    };
    await expectStatus(
      await sidecar.call('/api/slos', {
        method: 'POST',
        json: body({ name: 'tricky', service: 'web', sli: tricky, objective: 99.95 }),
      }),
      201
    );
    const yaml = await (await sidecar.call('/api/slos/rules')).text();
    const dir = await mkdtemp(path.join(tmpdir(), 'studio-rules-'));
    try {
      await writeFile(path.join(dir, 'rules.yml'), yaml);
      const check = promtoolCheckRules(path.join(dir, 'rules.yml'));
      expect(check.status, `${check.output}\n${yaml}`).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const json = await expectStatus(await sidecar.call('/api/slos/rules?format=json'), 200);
    const group = json.groups.find((g: { name: string }) => g.name === 'reliability-studio/web/tricky');
    expect(group.rules[0].expr).toBe(
      'sum(sum(rate(x_total{path=~"/a\\\\.b: #c", q=\'y\'}[5m]))) / sum(sum(rate(x_total[5m])))'
    );
    expect((await expectStatus(await sidecar.call('/api/slos/rules?format=xml'), 400)).error.code).toBe(
      'VALIDATION_FAILED'
    );
  });
});

describe('status when Prometheus cannot answer', () => {
  it('is 503 UPSTREAM_UNAVAILABLE without PROMETHEUS_URL', async () => {
    const slo = await expectStatus(
      await sidecar.call('/api/slos', { method: 'POST', json: body({ name: 'noprom' }) }),
      201
    );
    const res = await sidecar.call(`/api/slos/${slo.id}/status`);
    expect(await expectStatus(res, 503)).toMatchObject({
      error: { code: 'UPSTREAM_UNAVAILABLE', details: { reason: 'not_configured' } },
    });
  });

  it('is 503 with Retry-After when Prometheus is down, and 422 when it refuses the SLO query', async () => {
    for (const [url, status, code] of [
      ['http://127.0.0.1:1', 503, 'UPSTREAM_UNAVAILABLE'],
      [refusingUrl, 422, 'SLO_QUERY_INVALID'],
    ] as const) {
      const other = await startSidecar({ env: { PROMETHEUS_URL: url, TELEMETRY_RETRIES: '1', RETRY_BASE_MS: '1' } });
      try {
        await expectStatus(await other.call('/api/services', { method: 'POST', json: { name: 'api' } }), 201);
        const slo = await expectStatus(await other.call('/api/slos', { method: 'POST', json: body() }), 201);
        const incident = await expectStatus(
          await other.call('/api/incidents', {
            method: 'POST',
            json: { title: 't', severity: 'low', services: ['api'] },
          }),
          201
        );
        for (const p of [`/api/slos/${slo.id}/status`, `/api/incidents/${incident.id}/slos`]) {
          const res = await other.call(p);
          const error = (await expectStatus(res, status)).error;
          expect(error.code, p).toBe(code);
          if (status === 503) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
          if (status === 422) expect(error.message).toMatch(/parse error/);
        }
        expect((await expectStatus(await other.call(`/api/incidents/${UNKNOWN}/slos`), 404)).error.code).toBe(
          'INCIDENT_NOT_FOUND'
        );
      } finally {
        await other.close();
      }
    }
  });
});
