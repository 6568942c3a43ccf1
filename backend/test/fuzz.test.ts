import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../src/correlation/engine.js';
import { createApiToken } from '../src/store/tokens.js';
import { snapshotTables, type TableSnapshot } from './support/fuzz.js';
import { ADMIN_TOKEN, expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

/**
 * Thousands of malformed requests, hand-aimed at what a schema cannot describe (junk headers, content types,
 * bodies that are not JSON, odd methods and paths): never a 5xx, every refusal in the one envelope, and the data
 * as it was (only requests the API accepted may add rows, and no row that existed before may change). Every
 * operation in the OpenAPI document gets generated requests in api-properties.test.ts.
 */
let sidecar: TestSidecar;
let viewer: string;
let incidentId: string;
let before: TableSnapshot;
let sent = 0;
const accepted = { incidents: 0, services: 0, tokens: 0 };

const SQL = ["' or '1'='1", "'; drop table incidents; --", '1; select pg_sleep(5)', "x' union select token_hash from api_tokens --", '$1', '\\', "'"];
const SCRIPT = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)', '{{7*7}}', '${7*7}'];
const UNKNOWN_ID = '00000000-0000-4000-8000-0000000f0220';

const printable = (maxLength: number) => fc.string({ unit: 'grapheme-ascii', maxLength });
const payload = fc.oneof(fc.constantFrom(...SQL, ...SCRIPT), fc.string({ unit: 'binary', maxLength: 40 }), printable(40));
const hugeString = fc.constantFrom('x'.repeat(300), 'é'.repeat(5000), '𝕏'.repeat(20_000), 'y'.repeat(70_000));
/** Anything that is not an incident id: garbage, injections, path tricks, and well-formed ids of nothing. */
const badId = fc.oneof(
  fc.constantFrom(...SQL, ...SCRIPT, '../../etc/passwd', '%00', 'null', '-1', '9'.repeat(400), ' ', 'ffffffff-ffff-ffff-ffff-fffffffffffff'),
  fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => s.length > 0),
  fc.uuid()
).map((s) => encodeURIComponent(s));
/** Values that are JSON but of the wrong type or shape for a field. */
const wrongValue = fc.oneof(fc.anything({ maxDepth: 2 }), payload, hugeString, fc.constantFrom(null, true, -1, 1e308, [], {}));
const randomJsonBody = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.anything({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''),
  printable(200), // not JSON at all
  fc.constantFrom('{', '[', '"', '{"a":', 'null', '1e999999', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}'),
  hugeString.map((s) => JSON.stringify({ title: s, severity: 'low' }))
);
/** An object body with the given fields, one or more of them replaced by a wrong value or an extra key. */
const nearValid = (fields: Record<string, unknown>) =>
  fc
    .tuple(fc.subarray(Object.keys(fields), { minLength: 1 }), wrongValue, fc.option(fc.string({ maxLength: 10 })))
    .map(([broken, value, extraKey]) => {
      const body: Record<string, unknown> = { ...fields };
      for (const key of broken) body[key] = value;
      if (extraKey !== null) body[`x_${extraKey}`] = value;
      return JSON.stringify(body);
    });

const authorization = fc.oneof(
  { weight: 6, arbitrary: fc.constant(`Bearer ${ADMIN_TOKEN}`) },
  { weight: 1, arbitrary: fc.constant('viewer') },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: printable(100) },
  { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'Basic YTpi', `bearer  ${ADMIN_TOKEN}x`, `Bearer ${'A'.repeat(4000)}`) }
);
const junkHeaders = fc.record(
  {
    'content-type': fc.oneof(
      fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/jsonx', ''),
      printable(80)
    ),
    'x-request-id': fc.oneof(printable(300), fc.constantFrom(...SQL, ...SCRIPT)),
    traceparent: fc.oneof(printable(120), fc.constantFrom('00-00000000000000000000000000000000-0000000000000000-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'ff-zz')),
    accept: printable(60),
    'x-grafana-user': fc.oneof(printable(300), fc.constantFrom(...SQL, ...SCRIPT)),
  },
  { requiredKeys: [] }
);

interface Fuzzed {
  method: string;
  path: string;
  body?: string;
  auth?: string;
  headers?: Record<string, string>;
}

async function send(req: Fuzzed): Promise<void> {
  sent++;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...req.headers };
  const auth = req.auth === 'viewer' ? `Bearer ${viewer}` : req.auth;
  if (auth !== undefined) headers.authorization = auth;
  const hasBody = req.body !== undefined && req.method !== 'GET' && req.method !== 'HEAD';
  const res = await fetch(sidecar.url + req.path, { method: req.method, headers, body: hasBody ? req.body : undefined });
  const text = await res.text();
  const context = `${req.method} ${req.path.slice(0, 200)} -> ${res.status} ${text.slice(0, 300)}`;
  if (res.status >= 500) throw new Error(`5xx: ${context}`);
  if (res.status >= 200 && res.status < 300) {
    if (req.method === 'POST' && res.status === 201) {
      if (req.path === '/api/incidents') accepted.incidents++;
      if (req.path === '/api/services') accepted.services++;
      if (req.path === '/api/tokens') accepted.tokens++;
    }
    return;
  }
  if (req.method === 'HEAD') return; // no body by definition
  let body: { error?: { code?: unknown; message?: unknown; request_id?: unknown; timestamp?: unknown } };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`not JSON: ${context}`);
  }
  const error = body.error;
  if (!error || typeof error.code !== 'string' || !/^[A-Z_]+$/.test(error.code) || typeof error.message !== 'string') {
    throw new Error(`not the envelope: ${context}`);
  }
  if (typeof error.request_id !== 'string' || !error.request_id || error.request_id !== res.headers.get('x-request-id')) {
    throw new Error(`request_id missing or not the X-Request-Id header: ${context}`);
  }
}

const runs = (numRuns: number) => ({ numRuns, endOnFailure: false });
const withHeaders = <T extends Fuzzed>(arb: fc.Arbitrary<T>) =>
  fc.tuple(arb, authorization, junkHeaders).map(([req, auth, headers]) => ({ ...req, auth, headers: { ...headers, ...req.headers } }));

beforeAll(async () => {
  // With an engine (and no telemetry), so POST /correlate is fuzzed as it runs in production rather than answering 503.
  sidecar = await startSidecar({
    correlation: ({ db }) => new CorrelationEngine({ db, sources: [], budgetMs: 2000, leadMs: 15 * 60_000, refreshMs: 0 }),
  });
  viewer = (await createApiToken(sidecar.sql, 'fuzz-viewer', 'viewer')).token;
  await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name: 'checkout' } }), 201);
  const incident = await expectStatus(
    await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'Seed', severity: 'high', services: ['checkout'] } }),
    201
  );
  incidentId = incident.id;
  await expectStatus(await sidecar.call(`/api/incidents/${incidentId}/timeline`, { method: 'POST', json: { message: 'seed note' } }), 201);
  before = await snapshotTables(sidecar.sql);
});
afterAll(() => sidecar.close());

describe('fuzzing every route', () => {
  const started = Date.now();

  it('incident list: random query strings', async () => {
    const key = fc.constantFrom('status', 'severity', 'service', 'q', 'from', 'to', 'limit', 'offset', 'cursor', 'x', '');
    const value = fc.oneof(payload, hugeString.map((s) => s.slice(0, 3000)), fc.constantFrom('-1', '1e9', 'NaN', 'open,,', '%zz', '%'));
    const query = fc.array(fc.tuple(key, value), { maxLength: 5 }).map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'));
    const raw = fc.constantFrom('?%', '?%zz=1', '?&&&', '?==', '?status', '?limit=1&limit=2', '?cursor=%00%01');
    // Cut to 6 kB (a cut may split a %-escape, which is fuzz too): past Node's 16 kB header limit the HTTP server
    // itself answers 431 without a body, before the app sees anything.
    const arb = fc.oneof(query.map((q) => `?${q}`.slice(0, 6000)), raw).map((q) => ({ method: 'GET', path: `/api/incidents${q}` }));
    await fc.assert(fc.asyncProperty(withHeaders(arb), send), runs(400));
  });

  it('incident create: random JSON, wrong types, unknown fields, huge strings', async () => {
    const body = fc.oneof(randomJsonBody, nearValid({ title: 'A title', severity: 'low', services: ['checkout'], startedAt: '2026-01-01T00:00:00Z' }));
    const arb = body.map((b) => ({ method: 'POST', path: '/api/incidents', body: b }));
    await fc.assert(fc.asyncProperty(withHeaders(arb), send), runs(500));
  });

  it('incident read, change and timeline: bad ids, bad bodies, stale versions', async () => {
    const sub = fc.constantFrom('', '/timeline');
    const reads = fc.tuple(fc.oneof(badId, fc.constant(incidentId)), sub).map(([id, s]) => ({ method: 'GET', path: `/api/incidents/${id}${s}` }));
    const writesToUnknown = fc
      .tuple(badId, fc.constantFrom('PATCH', 'POST'), randomJsonBody)
      .map(([id, method, body]) => ({ method, path: `/api/incidents/${id}${method === 'POST' ? '/timeline' : ''}`, body }));
    // The seed incident: every change names a version it never had, so none can apply.
    const staleChange = nearValid({ version: 999_999, title: 'Changed', status: 'resolved', commander: 'x' })
      .map((body) => JSON.stringify({ ...JSON.parse(body), version: 999_999 }))
      .map((body) => ({ method: 'PATCH', path: `/api/incidents/${incidentId}`, body }));
    const badNote = fc.oneof(randomJsonBody.filter((b) => !/"message"/.test(b)), nearValid({ message: 'note' }).filter((b) => !/^\{"message":"[^"]+"\}$/.test(b)));
    const notes = badNote.map((body) => ({ method: 'POST', path: `/api/incidents/${incidentId}/timeline`, body }));
    await fc.assert(fc.asyncProperty(withHeaders(fc.oneof(reads, writesToUnknown, staleChange, notes)), send), runs(700));
  });

  it('services, tokens and the API description', async () => {
    const service = fc.oneof(randomJsonBody, nearValid({ name: 'svc', team: 't', tier: 2, runbookUrl: 'https://x.example', labels: {} }));
    const token = fc.oneof(randomJsonBody, nearValid({ name: 'bot', role: 'viewer' }), payload.map((name) => JSON.stringify({ name, role: 'viewer' })));
    const arb = fc.oneof(
      service.map((body) => ({ method: 'POST', path: '/api/services', body })),
      token.map((body) => ({ method: 'POST', path: '/api/tokens', body })),
      badId.map((id) => ({ method: 'DELETE', path: `/api/tokens/${id}` })),
      fc.constantFrom('/api/services', '/api/tokens', '/api/openapi.json', '/api/incidents/active').map((path) => ({ method: 'GET', path }))
    );
    await fc.assert(fc.asyncProperty(withHeaders(arb), send), runs(600));
  });

  it('odd methods, unknown paths, health and metrics', async () => {
    const known = ['/api/incidents', `/api/incidents/${incidentId}`, '/api/services', '/api/tokens', '/api/openapi.json', '/health', '/health/ready', '/metrics', '/'];
    const method = fc.constantFrom('PUT', 'DELETE', 'PATCH', 'POST', 'OPTIONS', 'HEAD', 'PROPFIND', 'PURGE', 'GET');
    const unknownPath = fc.oneof(
      fc.webPath().map((p) => `/api${p.startsWith('/') ? p : `/${p}`}`),
      fc.array(payload.map(encodeURIComponent), { minLength: 1, maxLength: 4 }).map((segments) => `/${segments.join('/')}`)
    );
    const probes = fc.constantFrom('/health', '/health/live', '/health/ready', '/health/startup', '/health/detailed', '/health/circuit-breakers', '/health/cache', '/metrics');
    const arb = fc.oneof(
      fc.tuple(method, fc.constantFrom(...known), fc.option(randomJsonBody, { nil: undefined })).map(([m, path, body]) => ({ method: m, path, body })),
      fc.tuple(method, unknownPath).map(([m, path]) => ({ method: m, path })),
      probes.map((path) => ({ method: 'GET', path }))
    );
    await fc.assert(fc.asyncProperty(withHeaders(arb), send), runs(600));
  });

  it('stores injection payloads verbatim where text is accepted, and executes none', async () => {
    for (const text of [...SQL, ...SCRIPT]) {
      const created = await expectStatus(
        await sidecar.call('/api/incidents', { method: 'POST', json: { title: `t ${text}`, severity: 'low', description: text, labels: { k: text } } }),
        201
      );
      accepted.incidents++;
      sent++;
      const [row] = await sidecar.sql`select title, description, labels from incidents where id = ${created.id}`;
      expect(row).toEqual({ title: `t ${text}`, description: text, labels: { k: text } });
    }
  });

  it('leaves the data as it was, apart from what was accepted', async () => {
    const after = await snapshotTables(sidecar.sql);
    for (const [table, rows] of Object.entries(before)) {
      const now = new Set(after[table]);
      const changed = rows.filter((row) => !now.has(row));
      expect(changed, `${table}: rows changed or deleted`).toEqual([]);
    }
    const added = (table: string) => after[table]!.length - before[table]!.length;
    expect(added('incidents')).toBe(accepted.incidents);
    expect(added('services')).toBe(accepted.services);
    expect(added('api_tokens')).toBe(accepted.tokens);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`fuzz: ${sent} requests in ${seconds} s, accepted creates ${JSON.stringify(accepted)}, no 5xx, every refusal in the envelope`);
    expect(sent).toBeGreaterThan(2500);
  });
});
