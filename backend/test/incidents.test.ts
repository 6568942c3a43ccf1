import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

let sidecar: TestSidecar;

beforeAll(async () => {
  sidecar = await startSidecar();
  for (const name of ['checkout', 'search']) {
    await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name, team: 'core', tier: 1 } }), 201);
  }
});
afterAll(() => sidecar.close());

const declare = async (body: Record<string, unknown>) =>
  expectStatus(await sidecar.call('/api/incidents', { method: 'POST', json: body }), 201);

describe('POST /api/incidents', () => {
  it('declares an incident and answers 201 with the full object', async () => {
    const res = await sidecar.call('/api/incidents', {
      method: 'POST',
      headers: { 'x-grafana-user': 'dana' },
      json: { title: '  Checkout 5xx  ', severity: 'critical', services: ['checkout'], labels: { region: 'eu' } },
    });
    const incident = await expectStatus(res, 201);
    expect(res.headers.get('location')).toBe(`/api/incidents/${incident.id}`);
    expect(incident).toMatchObject({
      title: 'Checkout 5xx',
      severity: 'critical',
      status: 'open',
      description: '',
      commander: null,
      labels: { region: 'eu' },
      createdBy: 'dana',
      version: 1,
      acknowledgedAt: null,
      resolvedAt: null,
    });
    expect(incident.reference).toBe(`INC-${incident.number}`);
    expect(incident.services).toEqual([{ id: expect.any(String), name: 'checkout', impact: 'major' }]);
    expect(Date.parse(incident.startedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('writes the created timeline entry and the outbox event in the same transaction', async () => {
    const incident = await declare({ title: 'Search down', severity: 'high', services: ['search'] });
    const timeline = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/timeline`), 200);
    expect(timeline.items).toEqual([
      expect.objectContaining({ type: 'created', author: 'admin', source: 'api', incidentId: incident.id }),
    ]);
    const events = await sidecar.sql`select topic, type, payload from events order by seq`;
    expect(events.filter((e) => e.type === 'incident.created' && e.payload.id === incident.id)).toHaveLength(1);
    expect(events.filter((e) => e.topic === `incident:${incident.id}`)).toHaveLength(1);
  });

  it('refuses a service name the catalog could not hold without storing anything', async () => {
    const before = await sidecar.sql`select count(*)::int as n from incidents`;
    const body = await expectStatus(
      await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'x', severity: 'low', services: ['Not a name!'] } }),
      400
    );
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details.issues[0].path).toBe('services.0');
    const after = await sidecar.sql`select count(*)::int as n from incidents`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('refuses a start time in the future', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const body = await expectStatus(
      await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'x', severity: 'low', startedAt: future } }),
      400
    );
    expect(body.error.details.issues[0].path).toBe('startedAt');
  });
});

describe('GET /api/incidents', () => {
  let ids: string[] = [];
  beforeAll(async () => {
    // Fifteen incidents a minute apart, alternating severity; every third one on checkout.
    ids = [];
    for (let n = 0; n < 15; n++) {
      const incident = await declare({
        title: `Paged incident ${n} ${n === 7 ? 'with 100% disk' : ''}`,
        severity: n % 2 ? 'low' : 'medium',
        services: n % 3 === 0 ? ['checkout'] : [],
        startedAt: new Date(Date.parse('2026-01-01T00:00:00Z') + n * 60_000).toISOString(),
      });
      ids.push(incident.id);
    }
  });

  const list = async (query: string) => expectStatus(await sidecar.call(`/api/incidents?${query}`), 200);

  it('walks every page with the cursor, newest first, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await list(
        `to=2026-01-02T00:00:00Z&limit=4${cursor ? `&cursor=${cursor}` : ''}`
      );
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by status, severity, service, text and time range', async () => {
    const window = 'from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z';
    expect((await list(`${window}&severity=low&limit=200`)).items).toHaveLength(7);
    expect((await list(`${window}&service=checkout&limit=200`)).items).toHaveLength(5);
    expect((await list(`${window}&status=resolved`)).items).toHaveLength(0);
    const text = await list(`q=${encodeURIComponent('100%')}`);
    expect(text.items.map((i: { id: string }) => i.id)).toEqual([ids[7]]);
    const range = await list('from=2026-01-01T00:05:00Z&to=2026-01-01T00:07:00Z');
    expect(range.items.map((i: { id: string }) => i.id)).toEqual([ids[6], ids[5]]);
  });

  it('accepts limit and offset', async () => {
    const page = await list('to=2026-01-02T00:00:00Z&limit=2&offset=3');
    expect(page.items.map((i: { id: string }) => i.id)).toEqual([ids[11], ids[10]]);
  });

  it('rejects a cursor it did not issue and unknown filters', async () => {
    for (const query of ['cursor=bm9wZQ', 'status=done', 'limit=0', 'limit=201', 'sevrity=low', 'from=yesterday']) {
      const body = await expectStatus(await sidecar.call(`/api/incidents?${query}`), 400);
      expect(body.error.code, query).toBe('VALIDATION_FAILED');
    }
  });
});

describe('GET /api/incidents?sort=', () => {
  // Twelve incidents in their own window: every severity, some moved along or resolved, two sharing a start time.
  type Row = { id: string; severity: string; status: string; startedAt: string; resolvedAt: string | null };
  let rows: Row[] = [];
  const window = 'from=2025-06-01T00:00:00Z&to=2025-06-02T00:00:00Z';
  const severities = ['low', 'critical', 'medium', 'high'];
  const moves: Array<string[]> = [[], ['investigating'], ['resolved'], ['monitoring'], ['investigating', 'resolved'], []];

  beforeAll(async () => {
    rows = [];
    for (let n = 0; n < 12; n++) {
      const minute = n === 5 ? 4 : n; // 4 and 5 start together: ties fall back to the id
      let incident = await declare({
        title: `Sorted incident ${n}`,
        severity: severities[n % 4],
        startedAt: new Date(Date.parse('2025-06-01T00:00:00Z') + minute * 60_000).toISOString(),
      });
      for (const status of moves[n % 6]!) {
        const res = await sidecar.call(`/api/incidents/${incident.id}`, {
          method: 'PATCH',
          json: { version: incident.version, status },
        });
        incident = await expectStatus(res, 200);
      }
      rows.push(incident);
    }
  });

  const walk = async (sort: string, limit: number) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await sidecar.call(`/api/incidents?${window}&sort=${sort}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      const page: { items: Row[]; nextCursor: string | null } = await expectStatus(res, 200);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    return seen;
  };

  const rank = (list: readonly string[], value: string) => list.indexOf(value);
  const byNewest = (a: Row, b: Row) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.id < b.id ? 1 : -1);
  const duration = (r: Row) => Date.parse(r.resolvedAt!) - Date.parse(r.startedAt);
  const expected: Record<string, (a: Row, b: Row) => number> = {
    newest: byNewest,
    oldest: (a, b) => -byNewest(a, b),
    severity: (a, b) =>
      rank(['critical', 'high', 'medium', 'low'], a.severity) - rank(['critical', 'high', 'medium', 'low'], b.severity) ||
      byNewest(a, b),
    status: (a, b) =>
      rank(['open', 'investigating', 'identified', 'monitoring', 'resolved'], a.status) -
        rank(['open', 'investigating', 'identified', 'monitoring', 'resolved'], b.status) || byNewest(a, b),
    duration: (a, b) => {
      if (!a.resolvedAt !== !b.resolvedAt) return a.resolvedAt ? 1 : -1;
      if (!a.resolvedAt) return Date.parse(a.startedAt) - Date.parse(b.startedAt) || (a.id < b.id ? 1 : -1);
      return duration(b) - duration(a) || (a.id < b.id ? 1 : -1);
    },
  };

  for (const sort of Object.keys(expected)) {
    it(`pages through sort=${sort} in its order, without gaps or repeats, at any page size`, async () => {
      const order = [...rows].sort(expected[sort]).map((r) => r.id);
      expect(await walk(sort, 5)).toEqual(order);
      expect(await walk(sort, 1)).toEqual(order);
    });
  }

  it('puts the most severe first and keeps the resolved ones last by status', async () => {
    const res = await sidecar.call(`/api/incidents?${window}&sort=severity&limit=3`);
    const page = await expectStatus(res, 200);
    expect(page.items.map((i: Row) => i.severity)).toEqual(['critical', 'critical', 'critical']);
    const byStatus = await expectStatus(await sidecar.call(`/api/incidents?${window}&sort=status&limit=200`), 200);
    expect(byStatus.items.at(-1).status).toBe('resolved');
    expect(byStatus.items[0].status).toBe('open');
  });

  it("refuses another sort's cursor and an unknown sort", async () => {
    const first = await expectStatus(await sidecar.call(`/api/incidents?${window}&sort=severity&limit=2`), 200);
    const body = await expectStatus(
      await sidecar.call(`/api/incidents?${window}&sort=newest&cursor=${first.nextCursor}`),
      400
    );
    expect(body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: 'cursor' }] } });
    const unknown = await expectStatus(await sidecar.call('/api/incidents?sort=loudest'), 400);
    expect(unknown.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('PATCH /api/incidents/:id', () => {
  const patch = (id: string, json: unknown) => sidecar.call(`/api/incidents/${id}`, { method: 'PATCH', json });

  it('moves the status, stamps acknowledged and resolved times, and records each change', async () => {
    const incident = await declare({ title: 'Queue backlog', severity: 'medium' });
    const investigating = await expectStatus(await patch(incident.id, { version: 1, status: 'investigating' }), 200);
    expect(investigating).toMatchObject({ status: 'investigating', version: 2 });
    expect(investigating.acknowledgedAt).not.toBeNull();

    const resolved = await expectStatus(
      await patch(incident.id, { version: 2, status: 'resolved', severity: 'high', commander: 'kim' }),
      200
    );
    expect(resolved).toMatchObject({ status: 'resolved', severity: 'high', commander: 'kim', version: 3 });
    expect(resolved.resolvedAt).not.toBeNull();

    const reopened = await expectStatus(await patch(incident.id, { version: 3, status: 'investigating' }), 200);
    expect(reopened.resolvedAt).toBeNull();
    expect(reopened.acknowledgedAt).toBe(investigating.acknowledgedAt);

    const timeline = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/timeline`), 200);
    expect(timeline.items.map((e: { type: string; message: string }) => e.type)).toEqual([
      'created',
      'status_changed',
      'status_changed',
      'severity_changed',
      'commander_changed',
      'status_changed',
    ]);
    expect(timeline.items.at(-1).message).toBe('Reopened as investigating');
  });

  it('answers 409 VERSION_CONFLICT with the current incident for a stale version, and changes nothing', async () => {
    const incident = await declare({ title: 'Cache stampede', severity: 'high' });
    await expectStatus(await patch(incident.id, { version: 1, title: 'Cache stampede on search' }), 200);
    const body = await expectStatus(await patch(incident.id, { version: 1, status: 'resolved' }), 409);
    expect(body.error.code).toBe('VERSION_CONFLICT');
    expect(body.error.details.current).toMatchObject({ version: 2, title: 'Cache stampede on search', status: 'open' });
    const stored = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}`), 200);
    expect(stored.status).toBe('open');
  });

  it('lets exactly one of two concurrent writers with the same version win', async () => {
    const incident = await declare({ title: 'Race', severity: 'low' });
    const answers = await Promise.all([
      patch(incident.id, { version: 1, severity: 'high' }),
      patch(incident.id, { version: 1, severity: 'critical' }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it('refuses an invalid status move with 409 STATUS_TRANSITION_INVALID naming the allowed ones', async () => {
    const incident = await declare({ title: 'Stuck deploy', severity: 'low' });
    await expectStatus(await patch(incident.id, { version: 1, status: 'monitoring' }), 200);
    const body = await expectStatus(await patch(incident.id, { version: 2, status: 'open' }), 409);
    expect(body.error).toMatchObject({
      code: 'STATUS_TRANSITION_INVALID',
      details: { from: 'monitoring', to: 'open', allowed: ['investigating', 'identified', 'resolved'] },
    });
  });

  it('returns the incident untouched when nothing changes', async () => {
    const incident = await declare({ title: 'No-op', severity: 'low' });
    const same = await expectStatus(await patch(incident.id, { version: 1, severity: 'low' }), 200);
    expect(same.version).toBe(1);
  });

  it('answers 404 for an unknown incident and 400 for a version that is not a version', async () => {
    const missing = await expectStatus(await patch('00000000-0000-4000-8000-000000000000', { version: 1 }), 404);
    expect(missing.error.code).toBe('INCIDENT_NOT_FOUND');
    const incident = await declare({ title: 'x', severity: 'low' });
    for (const version of ['1', 0, 1.5, 2 ** 31]) {
      const refused = await expectStatus(await patch(incident.id, { version, status: 'resolved' }), 400);
      expect(refused.error.details.issues[0].path).toBe('version');
    }
  });
});

describe('GET /api/incidents/active', () => {
  it('lists unresolved incidents, most severe first', async () => {
    const body = await expectStatus(await sidecar.call('/api/incidents/active'), 200);
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.every((i: { status: string }) => i.status !== 'resolved')).toBe(true);
    const ranks = body.items.map((i: { severity: string }) => ['critical', 'high', 'medium', 'low'].indexOf(i.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });
});

describe('timeline notes', () => {
  it('adds a note attributed to the Grafana user and returns 201', async () => {
    const incident = await declare({ title: 'Notes', severity: 'low' });
    const note = await expectStatus(
      await sidecar.call(`/api/incidents/${incident.id}/timeline`, {
        method: 'POST',
        headers: { 'x-grafana-user': 'sam' },
        json: { message: 'Rolled back to v41' },
      }),
      201
    );
    expect(note).toMatchObject({ type: 'note', message: 'Rolled back to v41', author: 'sam', source: 'user' });
    const timeline = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/timeline`), 200);
    expect(timeline.items.at(-1).id).toBe(note.id);
  });

  it('answers 404 for a note on an unknown incident and stores nothing', async () => {
    const id = '00000000-0000-4000-8000-000000000001';
    const body = await expectStatus(
      await sidecar.call(`/api/incidents/${id}/timeline`, { method: 'POST', json: { message: 'hello' } }),
      404
    );
    expect(body.error.code).toBe('INCIDENT_NOT_FOUND');
    const rows = await sidecar.sql`select 1 from events where topic = ${`incident:${id}`}`;
    expect(rows).toHaveLength(0);
  });
});
