/**
 * Every list route is bounded: found from the OpenAPI document (a GET under /api whose 200 body holds `items`), so a
 * list added later is held to the same rules without touching this file. Each must document `limit` (a default and a
 * maximum) and `cursor`, refuse a limit above its maximum with 400 in the error envelope, never answer more items
 * than the limit, and page on with `nextCursor` to items it has not shown yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

interface Parameter {
  name: string;
  in: string;
  schema?: { maximum?: number; default?: number };
}
interface Operation {
  parameters?: Parameter[];
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/**
 * Lists not paged yet, each with the reason (none today); remove an entry when its list pages (the test below
 * fails while a listed route is missing or bounded).
 */
const NOT_YET_PAGED = new Set<string>();

let sidecar: TestSidecar;
let doc: OpenApiDocument;
/** The resource each `{id}` names, by the path segment before it. */
const ids: Record<string, string> = {};

const resolve = (schema: Schema | undefined): Schema | undefined =>
  schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()!] : schema;

function listRoutes(): Array<{ path: string; operation: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, operations]) => {
    const operation = operations.get;
    const body = resolve(operation?.responses['200']?.content?.['application/json']?.schema);
    return path.startsWith('/api/') &&
      operation &&
      resolve(body?.properties?.items)?.type === 'array' &&
      !NOT_YET_PAGED.has(path)
      ? [{ path, operation }]
      : [];
  });
}

function concretePath(template: string): string {
  return template.replace(/\/([a-z-]+)\/\{id\}/g, (_, resource: string) => {
    const id = ids[resource];
    if (!id) throw new Error(`${template}: no fixture for {id} under /${resource}; add one in beforeAll`);
    return `/${resource}/${id}`;
  });
}

const withQuery = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;

beforeAll(async () => {
  sidecar = await startSidecar();
  doc = await expectStatus(await sidecar.call('/api/openapi.json'), 200);
  const { sql } = sidecar;
  // Two of everything a list shows, so that limit=1 has a second page to point at.
  const incidents = [];
  for (const title of ['Checkout down', 'Search slow']) {
    const incident = await expectStatus<{ id: string }>(
      await sidecar.call('/api/incidents', {
        method: 'POST',
        json: { title, severity: 'high', services: ['alpha', 'beta'] },
      }),
      201
    );
    incidents.push(incident);
    await expectStatus(
      await sidecar.call(`/api/incidents/${incident.id}/timeline`, { method: 'POST', json: { message: 'looking' } }),
      201
    );
  }
  const incidentId = incidents[0]!.id;
  ids.incidents = incidentId;
  await sql`insert into hypotheses (incident_id, statement, created_by) values (${incidentId}, 'one', 't'), (${incidentId}, 'two', 't')`;
  await sql`insert into api_tokens (name, token_hash, role) values ('a', '\\x01', 'viewer'), ('b', '\\x02', 'viewer')`;
  await sql`insert into alert_rules (name, created_by) values ('rule-a', 't'), ('rule-b', 't')`;
  await sql`insert into silences (kind, matchers, created_by)
            values ('silence', '[{"name":"a","value":"b"}]', 't'), ('silence', '[{"name":"a","value":"c"}]', 't')`;
  await sql`insert into changes (kind, summary, author) values ('deploy', 'v1', 't'), ('deploy', 'v2', 't')`;
  const people = await sql<{ id: string }[]>`
    insert into people (login, name, email, time_zone, created_by)
    values ('ann', 'Ann', 'ann@example.com', 'UTC', 't'), ('bob', 'Bob', 'bob@example.com', 'UTC', 't') returning id`;
  const schedules = await sql<{ id: string }[]>`
    insert into schedules (name, time_zone, created_by) values ('primary', 'UTC', 't'), ('secondary', 'UTC', 't') returning id`;
  ids.schedules = schedules[0]!.id;
  await sql`
    insert into schedule_overrides (schedule_id, person_id, starts_at, ends_at, created_by)
    select ${ids.schedules}, ${people[0]!.id}, now() + n * interval '1 day', now() + n * interval '1 day' + interval '1 hour', 't'
    from generate_series(1, 2) n`;
  const channels = await sql<{ id: string }[]>`
    insert into channels (kind, name, settings, created_by)
    values ('webhook', 'hook-a', '{"url":"https://example.com/a"}', 't'), ('webhook', 'hook-b', '{"url":"https://example.com/b"}', 't')
    returning id`;
  ids.channels = channels[0]!.id;
  await sql`insert into notification_rules (name, events, created_by) values ('rule-a', '{declared}', 't'), ('rule-b', '{declared}', 't')`;
  await sql`
    insert into deliveries (incident_id, channel_id, event, idempotency_key)
    values (${incidentId}, ${ids.channels}, 'declared', 'k1'), (${incidentId}, ${ids.channels}, 'resolved', 'k2')`;
  await sql`
    insert into alerts (source, fingerprint, starts_at, status, alertname, severity, labels, group_key, incident_id)
    select 'alertmanager', 'f' || n, now() - n * interval '1 minute', 'firing', 'A', 'high', '{}', 'g', ${incidentId}
    from generate_series(1, 2) n`;
});

afterAll(async () => {
  await sidecar?.close();
});

describe('list routes', () => {
  it('are found in the OpenAPI document', () => {
    const paths = listRoutes().map((r) => r.path);
    expect(paths).toContain('/api/incidents');
    expect(paths).toContain('/api/incidents/active');
    expect(paths).toContain('/api/alerts');
    expect(paths.length).toBeGreaterThan(15);
  });

  it('not yet paged: only routes that exist and are still unbounded', () => {
    for (const path of NOT_YET_PAGED) {
      const names = (doc.paths[path]?.get?.parameters ?? []).map((p) => p.name);
      expect(doc.paths[path]?.get, `${path} is gone: drop it from NOT_YET_PAGED`).toBeDefined();
      expect(names, `${path} pages now: drop it from NOT_YET_PAGED`).not.toContain('cursor');
    }
  });

  it('each documents limit (default and maximum) and cursor', () => {
    for (const { path, operation } of listRoutes()) {
      const query = new Map((operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p]));
      expect(query.get('limit')?.schema?.maximum ?? 0, `${path}: limit has no maximum`).toBeGreaterThan(0);
      expect(query.get('limit')?.schema?.default ?? 0, `${path}: limit has no default`).toBeGreaterThan(0);
      expect(query.has('cursor'), `${path}: no cursor`).toBe(true);
    }
  });

  it('each refuses a limit above its maximum with 400 VALIDATION_FAILED', async () => {
    for (const { path, operation } of listRoutes()) {
      const maximum = operation.parameters?.find((p) => p.name === 'limit')?.schema?.maximum ?? 0;
      expect(maximum, `${path}: limit has no maximum`).toBeGreaterThan(0);
      const res = await sidecar.call(withQuery(concretePath(path), `limit=${maximum + 1}`));
      const body = await expectStatus<{ error: { code: string; details: { issues: Array<{ path: string }> } } }>(
        res,
        400
      );
      expect(body.error.code, path).toBe('VALIDATION_FAILED');
      expect(body.error.details.issues.map((i) => i.path).join(), path).toContain('limit');
    }
  });

  it('each answers at most the limit and pages on to items not shown yet', async () => {
    const paged: string[] = [];
    for (const { path } of listRoutes()) {
      const first = await expectStatus<{ items: unknown[]; nextCursor: string | null }>(
        await sidecar.call(withQuery(concretePath(path), 'limit=1')),
        200
      );
      expect(first.items.length, path).toBeLessThanOrEqual(1);
      if (!first.nextCursor) continue;
      const second = await expectStatus<{ items: unknown[] }>(
        await sidecar.call(withQuery(concretePath(path), `limit=1&cursor=${encodeURIComponent(first.nextCursor)}`)),
        200
      );
      expect(second.items.length, path).toBe(1);
      expect(JSON.stringify(second.items[0]), path).not.toBe(JSON.stringify(first.items[0]));
      paged.push(path);
    }
    // Every list the fixtures fill with two items did page (the others answered an empty or single page).
    expect(paged).toEqual(
      expect.arrayContaining([
        '/api/incidents',
        '/api/incidents/active',
        '/api/incidents/{id}/timeline',
        '/api/incidents/{id}/hypotheses',
        '/api/incidents/{id}/impact',
        '/api/incidents/{id}/alerts',
        '/api/alerts',
        '/api/services',
        '/api/changes',
        '/api/tokens',
        '/api/alert-rules',
        '/api/silences',
        '/api/notification-rules',
        '/api/people',
        '/api/schedules',
        '/api/schedules/{id}/overrides',
        '/api/on-call',
        '/api/channels',
        '/api/channels/{id}/deliveries',
      ])
    );
  });

  it('refuses a cursor of another list', async () => {
    const page = await expectStatus<{ nextCursor: string }>(await sidecar.call('/api/services?limit=1'), 200);
    const res = await sidecar.call(`/api/people?cursor=${encodeURIComponent(page.nextCursor)}`);
    const body = await expectStatus<{ error: { code: string } }>(res, 400);
    expect(body.error.code).toBe('VALIDATION_FAILED');
  });

  it('/api/incidents/active counts what matches, and pages through all of it once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: string }>; nextCursor: string | null; total: number; isTotalExact: boolean } =
        await expectStatus(
          await sidecar.call(`/api/incidents/active?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
          200
        );
      expect(page.total).toBe(2);
      expect(page.isTotalExact).toBe(true);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(2);
    expect(seen).toHaveLength(2);
  });

  it('/api/incidents/active filters by severity and service, and stops counting past 1,000', async () => {
    const critical = await expectStatus<{ items: unknown[]; total: number }>(
      await sidecar.call('/api/incidents/active?severity=critical'),
      200
    );
    expect(critical).toMatchObject({ items: [], total: 0, isTotalExact: true });
    const onAlpha = await expectStatus<{ total: number }>(
      await sidecar.call('/api/incidents/active?service=alpha'),
      200
    );
    expect(onAlpha.total).toBe(2);
    await sidecar.sql`
      insert into incidents (title, severity, status, created_by)
      select 'Storm ' || n, 'low', 'open', 't' from generate_series(1, 1000) n`;
    const storm = await expectStatus<{ items: unknown[]; total: number; isTotalExact: boolean; nextCursor: string }>(
      await sidecar.call('/api/incidents/active'),
      200
    );
    expect(storm).toMatchObject({ total: 1000, isTotalExact: false });
    expect(storm.items).toHaveLength(100);
    expect(storm.nextCursor).toEqual(expect.any(String));
  });
});
