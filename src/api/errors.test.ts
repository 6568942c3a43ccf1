import { ApiError, issueField, isUnreachable, statusTransitionDetails, toApiError, validationIssues } from './errors';

const fetchError = (status: number, data?: unknown, extra: Record<string, unknown> = {}) => ({
  status,
  data,
  config: { url: '/api/plugin-proxy/reliability-studio-app/api/incidents' },
  ...extra,
});

describe('toApiError', () => {
  test('reads the sidecar envelope: code, message, details, request id, status', () => {
    const err = toApiError(
      fetchError(404, {
        error: {
          code: 'INCIDENT_NOT_FOUND',
          message: 'Incident 42 does not exist',
          details: { id: '42' },
          request_id: 'req-9',
          timestamp: '2026-01-01T00:00:00Z',
        },
      })
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      code: 'INCIDENT_NOT_FOUND',
      message: 'Incident 42 does not exist',
      status: 404,
      requestId: 'req-9',
      details: { id: '42' },
    });
  });

  test('keeps validation issues from a 400 envelope', () => {
    const err = toApiError(
      fetchError(400, {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'Invalid body',
          details: {
            issues: [
              { path: 'services', message: 'Unknown service "nope"' },
              { path: ['title'], message: 'Required' },
              { nonsense: true },
            ],
          },
          request_id: 'req-1',
          timestamp: 't',
        },
      })
    );
    const issues = validationIssues(err);
    expect(issues.map(issueField)).toEqual(['services', 'title']);
    expect(issues[0].message).toBe('Unknown service "nope"');
  });

  test.each([
    ['Grafana proxy 502 with {message}', fetchError(502, { message: 'Bad Gateway' })],
    ['Grafana proxy 502 with an empty body', fetchError(502, undefined)],
    ['Grafana proxy 502 with a text body', fetchError(502, 'bad gateway')],
  ])('maps %s to SIDECAR_UNREACHABLE pointing at the Sidecar URL setting', (_, e) => {
    const err = toApiError(e);
    expect(err.code).toBe('SIDECAR_UNREACHABLE');
    expect(err.status).toBe(502);
    expect(err.message).toMatch(/sidecar cannot be reached/i);
    expect(err.message).toMatch(/Sidecar URL in the app's configuration/);
    expect(isUnreachable(err)).toBe(true);
  });

  test('maps a proxy 504 to SIDECAR_UNREACHABLE saying it timed out', () => {
    const err = toApiError(fetchError(504, { message: 'Gateway Timeout' }));
    expect(err.code).toBe('SIDECAR_UNREACHABLE');
    expect(err.message).toMatch(/did not answer in time/);
  });

  test('does not mistake a sidecar 503 envelope for an unreachable sidecar', () => {
    const err = toApiError(
      fetchError(503, {
        error: { code: 'DATABASE_UNAVAILABLE', message: 'Database unavailable', request_id: 'r', timestamp: 't' },
      })
    );
    expect(err.code).toBe('DATABASE_UNAVAILABLE');
    expect(isUnreachable(err)).toBe(false);
  });

  test.each([
    ['status 0 without data', fetchError(0)],
    ['status -1', fetchError(-1, { message: 'Unexpected error' })],
    [
      'a TypeError from fetch',
      Object.assign(new TypeError('Failed to fetch'), { data: { message: 'Unexpected error' } }),
    ],
  ])('maps %s to NETWORK_ERROR', (_, e) => {
    const err = toApiError(e);
    expect(err.code).toBe('NETWORK_ERROR');
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/could not be reached/);
  });

  test('maps a cancelled request', () => {
    expect(toApiError(fetchError(-1, undefined, { cancelled: true })).code).toBe('REQUEST_CANCELLED');
  });

  test("maps Grafana's route denial (403 without envelope) to PROXY_FORBIDDEN", () => {
    const err = toApiError(fetchError(403, { message: 'plugin proxy route access denied' }));
    expect(err.code).toBe('PROXY_FORBIDDEN');
    expect(err.message).toMatch(/plugin proxy route access denied/);
    expect(err.message).toMatch(/Editor role/);
  });

  test("maps Grafana's own 401 to GRAFANA_UNAUTHORIZED", () => {
    expect(toApiError(fetchError(401, { message: 'Unauthorized' })).code).toBe('GRAFANA_UNAUTHORIZED');
  });

  test('maps any other HTTP answer to HTTP_<status> with what Grafana said', () => {
    const err = toApiError(fetchError(500, 'upstream exploded', { statusText: 'Internal Server Error' }));
    expect(err).toMatchObject({ code: 'HTTP_500', status: 500 });
    expect(err.message).toContain('upstream exploded');
  });

  test.each([
    ['an Error', new Error('boom'), 'boom'],
    ['a string', 'kaput', 'kaput'],
    ['null', null, 'Unexpected error: null'],
    ['a number', 42, 'Unexpected error: 42'],
  ])('maps %s to UNKNOWN with its message', (_, e, message) => {
    const err = toApiError(e);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: 'UNKNOWN', message, status: 0 });
  });

  test('returns an ApiError unchanged', () => {
    const original = new ApiError({ code: 'X', message: 'y', status: 418 });
    expect(toApiError(original)).toBe(original);
  });
});

describe('statusTransitionDetails', () => {
  test('reads from/to/allowed of a 409 STATUS_TRANSITION_INVALID', () => {
    const err = toApiError(
      fetchError(409, {
        error: {
          code: 'STATUS_TRANSITION_INVALID',
          message: 'Cannot move',
          details: { from: 'resolved', to: 'monitoring', allowed: ['open', 'investigating'] },
          request_id: 'r',
          timestamp: 't',
        },
      })
    );
    expect(statusTransitionDetails(err)).toEqual({
      from: 'resolved',
      to: 'monitoring',
      allowed: ['open', 'investigating'],
    });
    expect(statusTransitionDetails(toApiError(fetchError(500)))).toBeUndefined();
  });
});
