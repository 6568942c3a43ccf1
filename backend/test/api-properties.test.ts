/**
 * Properties of the whole API, generated from the sidecar's own OpenAPI document, so an operation added later is
 * covered without touching this file: for every operation, every path, query and body field, with hostile values
 * mixed in (test/support/schemaArbitrary.ts),
 * - no answer is a 5xx, every 4xx is the error envelope whose request_id is the X-Request-Id header, and every
 *   answer's status is one the document lists for that operation;
 * - every /api operation refuses a missing or wrong credential, and a viewer's token on a change;
 * - no row stored before the run is changed or deleted (requests only ever name ids and names of nothing, so the
 *   only writes that can succeed are creations).
 * Seeded (FC_SEED overrides), so a failure replays; fast-check prints the seed and the path of the failing case.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../src/correlation/engine.js';
import { createApiToken } from '../src/store/tokens.js';
import { alertmanagerPayload } from './support/alerting.js';
import { snapshotTables, type TableSnapshot } from './support/fuzz.js';
import {
  hostileValue,
  oneFaultValue,
  percentEncode,
  validValue,
  type OpenApiDocument,
  type Operation,
} from './support/schemaArbitrary.js';
import { ADMIN_TOKEN, expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

const SEED = Number(process.env.FC_SEED ?? 20_261_207);
/** Requests sent at once: the sidecar answers concurrent requests in production too, and it halves the run time. */
const BATCH = 8;
const MIN_REQUESTS = 10_000;

let sidecar: TestSidecar;
let doc: OpenApiDocument;
let viewerToken: string;
let intakeToken: string;
let before: TableSnapshot;
/** Names and ids stored by the seed: generated path values never take them, so no request reaches a stored row. */
const seeded = new Set<string>();
let sent = 0;
const undocumented = new Map<string, number>();

interface Generated {
  operation: string;
  method: string;
  path: string;
  body?: string;
  authorization?: string;
}

interface Endpoint {
  method: string;
  template: string;
  operation: Operation;
}

beforeAll(async () => {
  sidecar = await startSidecar({
    correlation: ({ db }) =>
      new CorrelationEngine({ db, sources: [], budgetMs: 2000, leadMs: 15 * 60_000, refreshMs: 0 }),
  });
  viewerToken = (await createApiToken(sidecar.sql, 'properties-viewer', 'viewer')).token;
  intakeToken = (await createApiToken(sidecar.sql, 'properties-intake', 'integration')).token;
  doc = await expectStatus(await sidecar.call('/api/openapi.json'), 200);
  await seed();
  before = await snapshotTables(sidecar.sql);
});
afterAll(() => sidecar.close());

/** One of each kind of stored thing, so "unchanged afterwards" covers every table the API writes. */
async function seed(): Promise<void> {
  const post = async (path: string, json: unknown, token?: string) =>
    expectStatus(
      await sidecar.call(path, { method: 'POST', json, ...(token ? { token } : {}) }),
      path.startsWith('/api/integrations') ? 200 : 201
    );
  const service = await post('/api/services', { name: 'checkout', team: 'payments', tier: 1 });
  const incident = await post('/api/incidents', {
    title: 'Checkout errors',
    severity: 'high',
    services: ['checkout'],
    labels: { region: 'eu' },
  });
  await post(`/api/incidents/${incident.id}/timeline`, { message: 'Rolled back the deploy' });
  const hypothesis = await post(`/api/incidents/${incident.id}/hypotheses`, { statement: 'The deploy broke checkout' });
  const change = await post('/api/changes', { service: 'checkout', kind: 'deploy', summary: 'v1.2.3' });
  const slo = await post('/api/slos', {
    service: 'checkout',
    name: 'availability',
    objective: 99.9,
    sli: {
      type: 'ratio',
      good: 'sum(rate(http_requests_total{code!~"5.."}[{{window}}]))',
      total: 'sum(rate(http_requests_total[{{window}}]))',
    },
    window: { type: 'rolling', days: 28 },
  });
  const rule = await post('/api/alert-rules', {
    name: 'checkout-errors',
    matchers: [{ name: 'service', op: '=', value: 'checkout' }],
  });
  const silence = await post('/api/silences', {
    matchers: [{ name: 'alertname', op: '=', value: 'Noise' }],
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    comment: 'maintenance',
  });
  await post(
    '/api/integrations/alertmanager',
    alertmanagerPayload([{ labels: { alertname: 'CheckoutErrors', service: 'checkout', severity: 'critical' } }]),
    intakeToken
  );
  for (const value of [service.name, incident.id, hypothesis.id, change.id, slo.id, rule.id, silence.id])
    seeded.add(value);
  for (const row of await sidecar.sql`select id::text from alerts union all select id::text from api_tokens`)
    seeded.add(row.id);
}

function endpoints(): Endpoint[] {
  return Object.entries(doc.paths).flatMap(([template, methods]) =>
    Object.entries(methods)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), template, operation }))
  );
}

const toText = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

/** A path value: a well-formed id or name of nothing, or (when `isHostile`, one time in four) a hostile one. */
function pathValue(endpoint: Endpoint, name: string, isHostile: boolean): fc.Arbitrary<string> {
  const schema = endpoint.operation.parameters?.find((p) => p.in === 'path' && p.name === name)?.schema ?? {
    type: 'string',
  };
  const valid = validValue(schema, doc)
    .map(toText)
    .filter((v) => v.length > 0 && !seeded.has(v));
  const hostile = hostileValue.map((v) => toText(v).slice(0, PATH_VALUE_MAX));
  return (isHostile ? fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: hostile }) : valid).map(
    percentEncode
  );
}

const rawJunk = fc.constantFrom(
  '{',
  '[',
  '"',
  '{"a":',
  'null',
  '1e999999',
  '[]',
  'true',
  '\u0000',
  '['.repeat(20_000),
  '{"a":'.repeat(5000)
);

/**
 * The URL must stay under Node's 16 kB header limit, or the parser answers 431 before the app sees it (those
 * answers are tested in limits.test.ts).
 */
const URL_MAX = 12_000;
const QUERY_VALUE_MAX = 3000;
const PATH_VALUE_MAX = 600;

const authorizationFor = (endpoint: Endpoint) =>
  `Bearer ${endpoint.template.startsWith('/api/integrations/') ? intakeToken : ADMIN_TOKEN}`;

function pathFor(endpoint: Endpoint, value: (name: string) => fc.Arbitrary<string>): fc.Arbitrary<string> {
  const pathNames = [...endpoint.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  return fc
    .tuple(...pathNames.map(value))
    .map((values) => pathNames.reduce((p, name, i) => p.replace(`{${name}}`, values[i]!), endpoint.template));
}

/** A well-formed request (ids and names of nothing): what the credential checks are tried on. */
function wellFormedRequestFor(endpoint: Endpoint): fc.Arbitrary<Generated> {
  const path = pathFor(endpoint, (name) => pathValue(endpoint, name, false));
  const schema = endpoint.operation.requestBody?.content?.['application/json']?.schema;
  const body = schema ? validValue(schema, doc).map((v) => JSON.stringify(v)) : fc.constant(undefined);
  return fc.tuple(path, body).map(([p, b]) => ({
    operation: `${endpoint.method} ${endpoint.template}`,
    method: endpoint.method,
    path: p,
    body: b,
    authorization: authorizationFor(endpoint),
  }));
}

function requestFor(endpoint: Endpoint): fc.Arbitrary<Generated> {
  const path = pathFor(endpoint, (name) => pathValue(endpoint, name, true));
  const queryParams = (endpoint.operation.parameters ?? []).filter((p) => p.in === 'query');
  // Query parameters valid and optional, and (mostly) one of them, or an unknown one, hostile.
  const pair = (name: string, value: unknown) =>
    `${percentEncode(name)}=${percentEncode(toText(value).slice(0, QUERY_VALUE_MAX))}`;
  const validPairs = queryParams.map((p) =>
    fc.option(
      validValue(p.schema ?? { type: 'string' }, doc).map((v) => pair(p.name, v)),
      { nil: undefined, freq: 2 }
    )
  );
  const faultyPair = fc.oneof(
    ...queryParams.map((p) =>
      oneFaultValue(p.schema ?? { type: 'string' }, doc).map((v) => ({ name: p.name, text: pair(p.name, v) }))
    ),
    fc
      .tuple(fc.constantFrom('x', '__proto__', 'limit', ''), hostileValue)
      .map(([name, v]) => ({ name, text: pair(name, v) }))
  );
  const query = fc
    .tuple(fc.tuple(...validPairs), fc.option(faultyPair, { nil: undefined, freq: 4 }))
    .map(([valid, fault]) => [
      ...valid.filter((p) => !fault || !p?.startsWith(`${percentEncode(fault.name)}=`)),
      fault?.text,
    ])
    .map((pairs) => pairs.filter((p): p is string => p !== undefined));
  const schema = endpoint.operation.requestBody?.content?.['application/json']?.schema;
  const body: fc.Arbitrary<string | undefined> = schema
    ? fc.oneof(
        { weight: 8, arbitrary: oneFaultValue(schema, doc).map((v) => JSON.stringify(v) ?? 'null') },
        { weight: 1, arbitrary: rawJunk }
      )
    : fc.constant(undefined);
  return fc.tuple(path, query, body).map(([p, pairs, b]) => {
    // Longest pairs dropped first until the URL fits (percent-encoding multiplies a value up to nine times).
    const kept = [...pairs].sort((x, y) => x.length - y.length);
    while (kept.length && p.length + kept.join('&').length > URL_MAX) kept.pop();
    const q = kept.join('&');
    return {
      operation: `${endpoint.method} ${endpoint.template}`,
      method: endpoint.method,
      path: q ? `${p}?${q}` : p,
      body: b,
      authorization: authorizationFor(endpoint),
    };
  });
}

interface Answer {
  status: number;
  requestId: string | null;
  text: string;
}

async function send(req: Generated): Promise<Answer> {
  sent++;
  const headers: Record<string, string> = {};
  if (req.authorization !== undefined) headers.authorization = req.authorization;
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(sidecar.url + req.path, { method: req.method, headers, body: req.body });
  return { status: res.status, requestId: res.headers.get('x-request-id'), text: await res.text() };
}

/** Throws (with the request and the answer) unless the answer keeps the contract. */
function checkAnswer(req: Generated, answer: Answer, endpoint?: Endpoint): void {
  const context = `${req.method} ${req.path.slice(0, 160)} (${(req.body ?? '').slice(0, 160)}) -> ${answer.status} ${answer.text.slice(0, 300)}`;
  if (answer.status >= 500) throw new Error(`5xx: ${context}`);
  if (endpoint && !(String(answer.status) in (endpoint.operation.responses ?? {}))) {
    const key = `${req.operation} ${answer.status}`;
    undocumented.set(key, (undocumented.get(key) ?? 0) + 1);
  }
  if (answer.status < 400) return;
  let error: { code?: unknown; message?: unknown; request_id?: unknown } | undefined;
  try {
    error = JSON.parse(answer.text).error;
  } catch {
    throw new Error(`not JSON: ${context}`);
  }
  if (!error || typeof error.code !== 'string' || !/^[A-Z_]+$/.test(error.code) || typeof error.message !== 'string') {
    throw new Error(`not the envelope: ${context}`);
  }
  if (!error.request_id || error.request_id !== answer.requestId)
    throw new Error(`request_id is not the X-Request-Id header: ${context}`);
  // A value only Postgres refused (http/errors.ts maps SQLSTATE class 22 to 400) gets an answer that cannot name
  // the field: the operation's schema should have refused it first.
  if (answer.text.includes('"sqlstate_')) throw new Error(`refused by Postgres, not by the schema: ${context}`);
}

describe('every operation in the OpenAPI document, generated', () => {
  const started = Date.now();

  it('never answers 5xx, answers every 4xx in the envelope, and only with statuses the document lists', async () => {
    const all = endpoints();
    expect(all.length).toBeGreaterThanOrEqual(50);
    // Each operation gets its own arbitrary once; a case is a batch of requests sent together.
    const byOperation = all.map((endpoint) => requestFor(endpoint).map((req) => ({ req, endpoint })));
    const batch = fc.array(fc.oneof(...byOperation), { minLength: BATCH, maxLength: BATCH });
    await fc.assert(
      fc.asyncProperty(batch, async (cases) => {
        const answers = await Promise.all(cases.map(({ req }) => send(req)));
        cases.forEach(({ req, endpoint }, i) => checkAnswer(req, answers[i]!, endpoint));
      }),
      { seed: SEED, numRuns: Math.ceil(MIN_REQUESTS / BATCH), endOnFailure: true }
    );
    expect([...undocumented.entries()].map(([key, n]) => `${key} (${n}×)`)).toEqual([]);
  }, 300_000);

  it('refuses a missing or wrong credential on every /api operation, and a viewer on every change', async () => {
    const api = endpoints().filter((e) => e.template.startsWith('/api/'));
    const wrong = fc.constantFrom<string | undefined>(
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Basic YWRtaW46YWRtaW4=',
      `Bearer ${ADMIN_TOKEN}x`,
      `bearer  ${ADMIN_TOKEN.slice(1)}`,
      `Bearer ${'A'.repeat(4000)}`
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...api), wrong, fc.nat(), async (endpoint, authorization, n) => {
        const req = { ...fc.sample(wellFormedRequestFor(endpoint), { seed: SEED + n, numRuns: 1 })[0]!, authorization };
        const answer = await send(req);
        checkAnswer(req, answer);
        expect(answer.status, `${req.method} ${endpoint.template} with ${String(authorization).slice(0, 30)}`).toBe(
          401
        );
      }),
      { seed: SEED, numRuns: api.length * 6 }
    );
    // A viewer reads; any change (other than asking for its own live ticket) is refused before the body is read.
    for (const endpoint of api.filter((e) => e.method !== 'GET' && e.template !== '/api/live/tickets')) {
      const req = {
        ...fc.sample(wellFormedRequestFor(endpoint), { seed: SEED, numRuns: 1 })[0]!,
        authorization: `Bearer ${viewerToken}`,
      };
      const answer = await send(req);
      checkAnswer(req, answer);
      expect(answer.status, `${req.method} ${endpoint.template} as a viewer`).toBe(403);
    }
  }, 60_000);

  it('leaves every row stored before as it was', async () => {
    const after = await snapshotTables(sidecar.sql);
    for (const [table, rows] of Object.entries(before)) {
      const now = new Set(after[table]);
      expect(
        rows.filter((row) => !now.has(row)),
        `${table}: rows changed or deleted`
      ).toEqual([]);
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `api properties: ${sent} generated requests in ${seconds} s (seed ${SEED}), no 5xx, every refusal in the envelope`
    );
    expect(sent).toBeGreaterThanOrEqual(MIN_REQUESTS);
  });
});
