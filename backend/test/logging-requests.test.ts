import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/observability/logger.js';
import { ADMIN_TOKEN, expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

// Secrets a careless client or a careless handler could put in front of the logger.
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJvbmNhbGwiLCJyb2xlIjoiYWRtaW4ifQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CARD = '4111 1111 1111 1111';
const EMAIL = 'alice.oncall@example.com';
const API_TOKEN = 'rs_c2VjcmV0LXRva2VuLWZvci10ZXN0cy0wMTIzNDU2Nzg5';
const DB_PASSWORD = 'hunter2-db-password';
const SECRETS = [ADMIN_TOKEN, JWT, CARD, '4111111111111111', EMAIL, encodeURIComponent(EMAIL), 'alice.oncall', API_TOKEN, DB_PASSWORD];

describe('request logs of a real sidecar', () => {
  let sidecar: TestSidecar;
  let lines: string[] = [];
  const logged = () => lines.map((l) => JSON.parse(l) as Record<string, any>);
  const lineFor = (requestId: string | null) => logged().find((l) => l.request_id === requestId);

  beforeAll(async () => {
    const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } });
    sidecar = await startSidecar({
      logger,
      env: { SLOW_REQUEST_MS: '50' },
      extend: (app) => {
        // Stands in for a handler bug whose error message quotes what the client sent, with a cause that names
        // the database by its URL: the kind of 500 whose log line must still carry no secret.
        app.post('/api/_test/fail', async (c) => {
          const { message } = await c.req.json<{ message: string }>();
          throw new Error(`could not index note: ${message}`, {
            cause: new Error(`connect postgres://studio:${DB_PASSWORD}@db.internal:5432/studio refused`),
          });
        });
        app.get('/api/_test/slow', async (c) => {
          await new Promise((resolve) => setTimeout(resolve, 80));
          return c.json({ ok: true });
        });
      },
    });
  });
  afterAll(() => sidecar.close());
  beforeEach(() => {
    lines = [];
  });

  it('logs each request once at completion with the route template, status, duration and actor', async () => {
    const created = await expectStatus(
      await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'Logged', severity: 'low' } }),
      201
    );
    lines = [];
    const res = await sidecar.call(`/api/incidents/${created.id}`, { headers: { 'x-request-id': 'req-log-1' } });
    await expectStatus(res, 200);
    const mine = logged().filter((l) => l.request_id === 'req-log-1');
    expect(mine, lines.join('')).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      level: 'info',
      msg: 'request completed',
      method: 'GET',
      route: '/api/incidents/:id',
      path: `/api/incidents/${created.id}`,
      status: 200,
      duration_ms: expect.any(Number),
      actor: 'admin',
    });
    expect(mine[0]!.trace_id).toBeUndefined(); // tracing is off in this sidecar
  });

  it('names the error code of a 4xx and labels unmatched paths without echoing them as the route', async () => {
    await expectStatus(await sidecar.call('/api/incidents/not-a-uuid', { headers: { 'x-request-id': 'req-400' } }), 400);
    await expectStatus(await sidecar.call('/api/no/such/thing', { headers: { 'x-request-id': 'req-404' } }), 404);
    expect(lineFor('req-400')).toMatchObject({ level: 'info', status: 400, route: '/api/incidents/:id', error_code: 'VALIDATION_FAILED' });
    expect(lineFor('req-404')).toMatchObject({ level: 'info', status: 404, route: 'unmatched', error_code: 'NOT_FOUND' });
  });

  it('logs health probes at debug, so an info-level log is not a stream of probes', async () => {
    await expectStatus(await sidecar.call('/health/live', { token: null, headers: { 'x-request-id': 'probe-1' } }), 200);
    expect(lineFor('probe-1')).toMatchObject({ level: 'debug', route: '/health/live', status: 200 });
  });

  it('logs requests slower than SLOW_REQUEST_MS as warnings', async () => {
    await expectStatus(await sidecar.call('/api/_test/slow', { headers: { 'x-request-id': 'slow-1' } }), 200);
    const line = lineFor('slow-1');
    expect(line).toMatchObject({ level: 'warn', msg: 'slow request', route: '/api/_test/slow' });
    expect(line!.duration_ms).toBeGreaterThanOrEqual(50);
  });

  it('logs a 500 as an error with its cause and stack while the client sees only "Internal error"', async () => {
    const res = await sidecar.call('/api/_test/fail', {
      method: 'POST',
      json: { message: `customer ${EMAIL} paid with ${CARD}, session ${JWT}, token ${API_TOKEN}` },
      headers: { 'x-request-id': 'fail-1' },
    });
    const body = await expectStatus(res, 500);
    expect(body.error).toMatchObject({ code: 'INTERNAL', message: 'Internal error', request_id: 'fail-1' });
    expect(JSON.stringify(body)).not.toMatch(/could not index|postgres:/);

    const line = lineFor('fail-1');
    expect(line, lines.join('')).toMatchObject({ level: 'error', msg: 'request failed', status: 500, error_code: 'INTERNAL' });
    expect(line!.err.message).toBe(
      'could not index note: customer ***@example.com paid with ****1111, session [REDACTED_JWT], token rs_[REDACTED]: ' +
        'connect postgres://studio:[REDACTED]@db.internal:5432/studio refused'
    );
    expect(line!.err.stack).toMatch(/^Error: could not index note[\s\S]*\n {4}at [\s\S]*caused by: Error: connect/);
  });

  it('keeps every secret out of every line: headers, query strings, actor names, notes, errors', async () => {
    // A note carrying all of it is stored (the API's business) but its content never reaches a log line.
    const incident = await expectStatus(
      await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'Secrets', severity: 'high' } }),
      201
    );
    const note = `Rotated ${JWT}; refund to ${CARD}; contact ${EMAIL}; old key ${API_TOKEN}`;
    await expectStatus(
      await sidecar.call(`/api/incidents/${incident.id}/timeline`, { method: 'POST', json: { message: note } }),
      201
    );
    // A Grafana user whose login is an e-mail, secrets in the query string, a bearer API token that is refused.
    await sidecar.call(`/api/incidents?q=${encodeURIComponent(EMAIL)}&access_token=${API_TOKEN}`, {
      headers: { 'x-grafana-user': EMAIL, cookie: `grafana_session=${JWT}` },
    });
    await sidecar.call('/api/incidents', { token: API_TOKEN });
    await sidecar.call('/api/_test/fail', { method: 'POST', json: { message: note } });

    const text = lines.join('');
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const secret of SECRETS) expect(text, `"${secret}" leaked into:\n${text}`).not.toContain(secret);
    // ...while what was there is still recognisable.
    const all = logged();
    expect(all.some((l) => l.actor === '***@example.com')).toBe(true);
    expect(all.some((l) => l.headers?.authorization === '[REDACTED]' && l.headers?.cookie === '[REDACTED]')).toBe(true);
    expect(all.map((l) => l.path)).toContain('/api/incidents?q=***@example.com&access_token=[REDACTED]');
    expect(text).toContain('[REDACTED_JWT]');
    expect(text).toContain('****1111');
  });
});
