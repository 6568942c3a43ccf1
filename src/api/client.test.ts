import { envelope, installFakeBackendSrv, reply, type FakeBackendSrv } from '../testUtils/fakeBackendSrv';
import {
  ApiError,
  checkReady,
  createIncident,
  incidentQueryParams,
  listActiveIncidents,
  listIncidents,
  listServices,
  updateIncident,
} from './client';
import { getOnCall } from './onCall';

const API = '/api/plugin-proxy/reliability-studio-app/api';
const HEALTH = '/api/plugin-proxy/reliability-studio-app/health';

describe('sidecar client', () => {
  let backend: FakeBackendSrv;

  beforeEach(() => {
    backend = installFakeBackendSrv();
  });

  test('lists incidents through the plugin proxy with comma-joined filters and no Grafana toast', async () => {
    backend.on('GET', `${API}/incidents`, reply(200, { items: [], nextCursor: null }));
    await expect(
      listIncidents({ status: ['open', 'investigating'], severity: ['high'], service: 'checkout', q: 'db', limit: 50 })
    ).resolves.toEqual({ items: [], nextCursor: null });
    const [request] = backend.requests;
    expect(request.params).toEqual({
      status: 'open,investigating',
      severity: 'high',
      service: 'checkout',
      q: 'db',
      limit: 50,
    });
    expect(request.showErrorAlert).toBe(false);
  });

  test('leaves empty filters out of the query', () => {
    expect(incidentQueryParams({ status: [], q: '' })).toEqual({});
  });

  test('throws ApiError with the envelope on failure', async () => {
    backend.on(
      'POST',
      `${API}/incidents`,
      reply(400, envelope('VALIDATION_FAILED', 'Invalid', { issues: [] }, 'req-7'))
    );
    const error = await createIncident({ title: '', severity: 'high' }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, requestId: 'req-7' });
  });

  test('encodes the incident id in the path and sends the version', async () => {
    backend.on('PATCH', `${API}/incidents/a%2Fb`, reply(200, { id: 'a/b' }));
    await updateIncident('a/b', { version: 3, status: 'resolved' });
    expect(backend.requests[0]).toMatchObject({ method: 'PATCH', data: { version: 3, status: 'resolved' } });
  });

  test('unwraps list bodies', async () => {
    backend.on('GET', `${API}/services`, reply(200, { items: [{ id: 's1', name: 'checkout' }], nextCursor: null }));
    await expect(listServices()).resolves.toEqual([{ id: 's1', name: 'checkout' }]);
  });

  test('follows nextCursor through every page of a list the UI shows whole, each page bounded', async () => {
    backend.on('GET', `${API}/services`, (request) =>
      request.params?.cursor === 'page-2'
        ? reply(200, { items: [{ id: 's2', name: 'search' }], nextCursor: null })
        : reply(200, { items: [{ id: 's1', name: 'checkout' }], nextCursor: 'page-2' })
    );
    await expect(listServices()).resolves.toEqual([
      { id: 's1', name: 'checkout' },
      { id: 's2', name: 'search' },
    ]);
    expect(backend.requests.map((r) => r.params)).toEqual([{ limit: 500 }, { limit: 500, cursor: 'page-2' }]);
  });

  test("gathers every page of who is on call, schedules' gap warnings included", async () => {
    const entry = (name: string) => ({ scheduleId: name, scheduleName: name });
    const warning = (name: string) => ({ scheduleId: name, scheduleName: name, start: 'a', end: 'b' });
    backend.on('GET', `${API}/on-call`, (request) =>
      request.params?.cursor
        ? reply(200, { at: 't', items: [entry('b')], warnings: [warning('b')], nextCursor: null })
        : reply(200, { at: 't', items: [entry('a')], warnings: [], nextCursor: 'next' })
    );
    await expect(getOnCall({ withinHours: 24 })).resolves.toEqual({
      at: 't',
      items: [entry('a'), entry('b')],
      warnings: [warning('b')],
    });
    expect(backend.requests.map((r) => r.params)).toEqual([
      { limit: 500, withinHours: 24 },
      { limit: 500, withinHours: 24, cursor: 'next' },
    ]);
  });

  test('asks for the active incidents the caller shows, with their count', async () => {
    const page = { items: [], nextCursor: null, total: 0, isTotalExact: true };
    backend.on('GET', `${API}/incidents/active`, reply(200, page));
    await expect(
      listActiveIncidents({ severity: ['critical', 'high'], service: 'checkout', limit: 5 })
    ).resolves.toEqual(page);
    expect(backend.requests[0]?.params).toEqual({ severity: 'critical,high', service: 'checkout', limit: 5 });
  });

  describe('checkReady', () => {
    const report = (status: 'ready' | 'not_ready', db: 'up' | 'down') => ({
      status,
      checks: { database: { status: db, latencyMs: 4 } },
    });

    test('returns the report when ready', async () => {
      backend.on('GET', `${HEALTH}/ready`, reply(200, report('ready', 'up')));
      await expect(checkReady()).resolves.toEqual(report('ready', 'up'));
    });

    test('returns the report of a 503 not_ready instead of throwing', async () => {
      backend.on('GET', `${HEALTH}/ready`, reply(503, report('not_ready', 'down')));
      await expect(checkReady()).resolves.toEqual(report('not_ready', 'down'));
    });

    test('throws ApiError for anything else', async () => {
      backend.on('GET', `${HEALTH}/ready`, reply(502, { message: 'Bad Gateway' }));
      await expect(checkReady()).rejects.toMatchObject({ code: 'SIDECAR_UNREACHABLE' });
    });
  });
});
