/**
 * How alerts become incidents: promotion rules, the sender's grouping kept intact, attaching to an open incident,
 * auto-resolve (follow / note), silences and maintenance windows, and the events each step writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_DATA_SQL, EVENTS_CHANNEL } from '../src/store/events.js';
import { createApiToken } from '../src/store/tokens.js';
import { alertmanagerPayload, manyAlerts, type TestAlert } from './support/alerting.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

let sidecar: TestSidecar;
let token: string;

beforeAll(async () => {
  sidecar = await startSidecar();
  token = (await createApiToken(sidecar.sql, 'am', 'integration')).token;
  await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name: 'payments' } }), 201);
});
afterAll(() => sidecar.close());

const send = async (alerts: TestAlert[], groupKey: string) =>
  expectStatus(
    await sidecar.call('/api/integrations/alertmanager', {
      method: 'POST',
      token,
      json: alertmanagerPayload(alerts, { groupKey }),
    }),
    200
  );

const timelineOf = async (incidentId: string) =>
  (await expectStatus(await sidecar.call(`/api/incidents/${incidentId}/timeline`), 200)).items as Array<{
    id: string;
    type: string;
    author: string;
    message: string;
    occurredAt: string;
  }>;

describe('promotion', () => {
  it('opens an incident at once for a critical alert, with its timeline and outbox events in the same transaction', async () => {
    const summary = await send(
      [
        {
          labels: { alertname: 'PaymentsDown', severity: 'critical', service: 'payments' },
          annotations: { summary: 'No payments for 5 min' },
        },
      ],
      'crit'
    );
    expect(summary.incidents).toEqual([
      { id: expect.any(String), reference: expect.stringMatching(/^INC-\d+$/), opened: true },
    ]);
    const incident = await expectStatus(await sidecar.call(`/api/incidents/${summary.incidents[0].id}`), 200);
    expect(incident).toMatchObject({
      title: 'PaymentsDown: No payments for 5 min',
      severity: 'critical',
      status: 'open',
      createdBy: 'reliability-studio',
      labels: { alertname: 'PaymentsDown', severity: 'critical', service: 'payments' },
      services: [expect.objectContaining({ name: 'payments' })],
    });
    const timeline = await timelineOf(incident.id);
    expect(timeline.map((e) => e.type)).toEqual(['alert_fired', 'created']); // the alert started before the incident
    expect(timeline[0]).toMatchObject({ author: 'am', message: expect.stringContaining('PaymentsDown (critical)') });
    const events = await sidecar.sql`
      select topic, type, payload from events where topic in ('alerts', ${'incident:' + incident.id}) order by seq`;
    // alerts.stored when stored, alerts.attached once promotion put it on the incident; the incident's `created`
    // entry, and the attached alert's entry in a batch (one event however many alerts promotion attaches).
    expect(events.map((e) => `${e.topic.replace(incident.id, 'X')} ${e.type}`).sort()).toEqual(
      ['alerts alerts.attached', 'alerts alerts.stored', 'incident:X timeline.added', 'incident:X timeline.batch'].sort()
    );
    // The batch stores the entries' ids; clients get the entries themselves (EVENT_DATA_SQL).
    const entryIds = events.find((e) => e.type === 'timeline.batch')!.payload.entryIds;
    expect(entryIds).toEqual([timeline[0]!.id]);
    const [batch] = await sidecar.sql`
      select ${sidecar.sql.unsafe(EVENT_DATA_SQL)} as data from events where type = 'timeline.batch' and payload->>'incidentId' = ${incident.id}`;
    expect(batch!.data.entries).toEqual([
      { ...timeline[0], occurredAt: timeline[0]!.occurredAt.replace('Z', '+00:00') },
    ]);
    const [alertId] = events.find((e) => e.type === 'alerts.stored')!.payload.fired;
    expect(events.find((e) => e.type === 'alerts.attached')!.payload).toEqual({
      fired: [alertId],
      resolved: [],
      incidentIds: [incident.id],
    });
    const [alert] = (await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/alerts`), 200)).items;
    expect(alert).toMatchObject({
      alertname: 'PaymentsDown',
      incident: { id: incident.id, reference: incident.reference, status: 'open' },
    });
  });

  it('waits for the third alert of a group (default rule), then attaches the earlier ones and later ones', async () => {
    const labels = { alertname: 'Latency', severity: 'warning' };
    const first = await send(manyAlerts(2, labels), 'by-count');
    expect(first.incidents).toEqual([]);
    const second = await send(manyAlerts(3, labels), 'by-count'); // two repeats, one new
    expect(second.incidents).toHaveLength(1);
    const incidentId = second.incidents[0].id;
    expect((await timelineOf(incidentId)).filter((e) => e.type === 'alert_fired')).toHaveLength(3);
    const third = await send(manyAlerts(4, labels), 'by-count');
    expect(third.incidents).toEqual([{ id: incidentId, reference: second.incidents[0].reference, opened: false }]);
    expect((await timelineOf(incidentId)).filter((e) => e.type === 'alert_fired')).toHaveLength(4);
  });

  it("promotes on two different alertnames, and keeps two senders' groups apart", async () => {
    const a = await send([{ labels: { alertname: 'A', severity: 'info' } }], 'group-1');
    const b = await send([{ labels: { alertname: 'B', severity: 'info' } }], 'group-2'); // another group: no promotion
    expect([a.incidents, b.incidents]).toEqual([[], []]);
    const c = await send([{ labels: { alertname: 'C', severity: 'info' } }], 'group-1');
    expect(c.incidents).toHaveLength(1);
    const incident = await expectStatus(await sidecar.call(`/api/incidents/${c.incidents[0].id}`), 200);
    expect(incident).toMatchObject({ severity: 'low', title: 'A (+1 more)' });
  });

  it('groups by labels and promotes by count as a rule says', async () => {
    const rule = await expectStatus(
      await sidecar.call('/api/alert-rules', {
        method: 'POST',
        json: {
          name: 'db',
          matchers: [{ name: 'team', op: '=~', value: 'db|storage' }],
          groupBy: ['cluster'],
          promoteSeverities: [],
          minAlerts: 2,
          minAlertnames: null,
        },
      }),
      201
    );
    // Two senders' group keys, one cluster: the rule's grouping wins.
    await send([{ labels: { alertname: 'Disk', team: 'db', cluster: 'eu', severity: 'critical' } }], 'x');
    const second = await send([{ labels: { alertname: 'Replication', team: 'storage', cluster: 'eu' } }], 'y');
    expect(second.incidents).toHaveLength(1);
    const alerts = (await expectStatus(await sidecar.call(`/api/incidents/${second.incidents[0].id}/alerts`), 200))
      .items;
    expect(alerts.map((x: { ruleId: string }) => x.ruleId)).toEqual([rule.id, rule.id]);
  });
});

describe('live feed', () => {
  it('wakes listeners once a delivery commits, with the seq of its last outbox event', async () => {
    const heard: string[] = [];
    const listener = await sidecar.sql.listen(EVENTS_CHANNEL, (payload) => heard.push(payload));
    try {
      await send([{ labels: { alertname: 'Wake', severity: 'critical' } }], 'wake');
      const last = (await sidecar.sql`select max(seq)::text as seq from events`)[0]!.seq;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard).toContain(last);
    } finally {
      await listener.unlisten();
    }
  });
});

describe('auto-resolve', () => {
  it('notes on the timeline when every alert resolved, but leaves the incident alone by default', async () => {
    const labels = { alertname: 'Flappy', severity: 'critical' };
    const opened = await send([{ labels }], 'note');
    const id = opened.incidents[0].id;
    const summary = await send([{ labels, status: 'resolved', endsAt: new Date().toISOString() }], 'note');
    expect(summary).toMatchObject({ resolved: 1 });
    const timeline = await timelineOf(id);
    expect(timeline.map((e) => e.type)).toEqual(['alert_fired', 'created', 'alert_resolved', 'alerts_resolved']);
    expect(timeline[3]!.message).toMatch(/stays open/);
    expect((await expectStatus(await sidecar.call(`/api/incidents/${id}`), 200)).status).toBe('open');
  });

  it('resolves the incident when its rule follows the alerts, once the last one resolves', async () => {
    await expectStatus(
      await sidecar.call('/api/alert-rules', {
        method: 'POST',
        json: { name: 'follow', position: 1, matchers: [{ name: 'policy', value: 'follow' }], autoResolve: 'follow' },
      }),
      201
    );
    const alerts = [
      { labels: { alertname: 'Follow', severity: 'critical', policy: 'follow', instance: '1' } },
      { labels: { alertname: 'Follow', severity: 'critical', policy: 'follow', instance: '2' } },
    ];
    const id = (await send(alerts, 'follow')).incidents[0].id;
    await send([alerts[0]!, { ...alerts[1]!, status: 'resolved' }], 'follow');
    expect((await expectStatus(await sidecar.call(`/api/incidents/${id}`), 200)).status).toBe('open');
    await send(
      alerts.map((a) => ({ ...a, status: 'resolved' as const })),
      'follow'
    );
    const incident = await expectStatus(await sidecar.call(`/api/incidents/${id}`), 200);
    expect(incident).toMatchObject({ status: 'resolved', resolvedAt: expect.any(String), version: 2 });
    const types = (await timelineOf(id)).map((e) => e.type);
    expect(types.filter((t) => t === 'status_changed')).toHaveLength(1);
    expect(types.filter((t) => t === 'alert_resolved')).toHaveLength(2);
    // A new firing in that group starts a new incident rather than touching the resolved one.
    const again = await send([{ labels: { ...alerts[0]!.labels }, startsAt: '2026-01-11T00:00:00Z' }], 'follow');
    expect(again.incidents).toEqual([expect.objectContaining({ opened: true })]);
    expect(again.incidents[0].id).not.toBe(id);
  });
});

describe('silences and maintenance windows', () => {
  it('records matching alerts without promoting or attaching them, until the silence ends', async () => {
    const silence = await expectStatus(
      await sidecar.call('/api/silences', {
        method: 'POST',
        json: { kind: 'maintenance', matchers: [{ name: 'cluster', value: 'blue' }], comment: 'upgrade' },
      }),
      201
    );
    const labels = { alertname: 'NodeDown', severity: 'critical', cluster: 'blue' };
    const summary = await send([{ labels }], 'maint');
    expect(summary).toMatchObject({ created: 1, suppressed: 1, incidents: [] });
    const [alert] = (await expectStatus(await sidecar.call('/api/alerts?alertname=NodeDown&suppressed=true'), 200))
      .items;
    expect(alert).toMatchObject({ suppressedBy: silence.id, incident: null });

    await expectStatus(await sidecar.call(`/api/silences/${silence.id}`, { method: 'DELETE' }), 200);
    const after = await send([{ labels: { ...labels, instance: 'other' } }], 'maint');
    expect(after).toMatchObject({ suppressed: 0, incidents: [expect.objectContaining({ opened: true })] });
    const active = await expectStatus(await sidecar.call('/api/silences?active=true'), 200);
    expect(active.items.map((s: { id: string }) => s.id)).not.toContain(silence.id);
  });
});

describe('auth', () => {
  it('refuses a missing, wrong or revoked token (401) and tokens that are not for intake (403)', async () => {
    const body = alertmanagerPayload([{ labels: { alertname: 'Auth' } }]);
    const viewer = (await createApiToken(sidecar.sql, 'wall', 'viewer')).token;
    const editor = (await createApiToken(sidecar.sql, 'bot', 'editor')).token;
    const revoked = await createApiToken(sidecar.sql, 'old-am', 'integration');
    await sidecar.sql`update api_tokens set revoked_at = now() where id = ${revoked.id}`;
    const cases: Array<[string | null, number, string]> = [
      [null, 401, 'AUTH_REQUIRED'],
      ['rs_not-a-real-token-at-all', 401, 'AUTH_REQUIRED'],
      [revoked.token, 401, 'AUTH_REQUIRED'],
      [viewer, 403, 'FORBIDDEN'],
      [editor, 403, 'FORBIDDEN'],
    ];
    for (const [t, status, code] of cases) {
      const res = await sidecar.call('/api/integrations/alertmanager', { method: 'POST', token: t, json: body });
      expect((await expectStatus(res, status)).error.code).toBe(code);
    }
    const url = (t: string) => `/api/integrations/grafana?token=${encodeURIComponent(t)}`;
    for (const t of [editor, 'test-admin-token-0123456789', 'nope']) {
      const res = await sidecar.call(url(t), { method: 'POST', token: null, json: body });
      expect((await expectStatus(res, 401)).error.code).toBe('AUTH_REQUIRED');
    }
    expect((await sidecar.sql`select count(*)::int as n from alerts where alertname = 'Auth'`)[0]!.n).toBe(0);
  });

  it('keeps integration tokens off every other route, and ?token= off every other route', async () => {
    for (const [method, path] of [
      ['GET', '/api/incidents'],
      ['GET', '/api/alerts'],
      ['POST', '/api/silences'],
      ['GET', '/api/openapi.json'],
    ] as const) {
      const res = await sidecar.call(path, { method, token, json: method === 'POST' ? {} : undefined });
      expect((await expectStatus(res, 403)).error.code, path).toBe('FORBIDDEN');
      const viaQuery = await sidecar.call(`${path}?token=${encodeURIComponent(token)}`, { method, token: null });
      expect((await expectStatus(viaQuery, 401)).error.code, path).toBe('AUTH_REQUIRED');
    }
  });
});
