/**
 * Alert intake through real HTTP on a real Postgres: the real webhook fixtures, idempotency, out-of-order
 * deliveries, a thousand alerts at once, promotion, auto-resolve, silences, malformed payloads and auth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertFingerprint } from '../src/domain/alerts.js';
import { createApiToken } from '../src/store/tokens.js';
import { alertmanagerPayload, manyAlerts } from './support/alerting.js';
import { fixture } from './support/fixtures.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

let sidecar: TestSidecar;
let token: string;

beforeAll(async () => {
  sidecar = await startSidecar({ maxBodyBytes: 2 * 1024 * 1024 });
  token = (await createApiToken(sidecar.sql, 'alertmanager-prod', 'integration')).token;
  await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name: 'checkout' } }), 201);
});
afterAll(() => sidecar.close());

const post = (source: 'alertmanager' | 'grafana', body: unknown, t: string | null = token) =>
  sidecar.call(`/api/integrations/${source}`, {
    method: 'POST',
    token: t,
    ...(typeof body === 'string' ? { body, headers: { 'content-type': 'application/json' } } : { json: body }),
  });

describe('the real webhook payloads (the alerting fixtures, unchanged)', () => {
  it('stores the older Alertmanager capture, computing the fingerprint Alertmanager would', async () => {
    const body = fixture('alerting/alertmanager-webhook-v4.json');
    const summary = await expectStatus(await post('alertmanager', body), 200);
    expect(summary).toMatchObject({ received: 1, alerts: 1, created: 1, resolved: 0, suppressed: 0 });
    const labels = JSON.parse(body).alerts[0].labels;
    const alert = (
      await expectStatus(await sidecar.call(`/api/alerts?source=alertmanager&alertname=high_memory_load`), 200)
    ).items[0];
    expect(alert).toMatchObject({
      fingerprint: alertFingerprint(labels),
      status: 'firing', // no per-alert status, endsAt is Go's zero time: firing, as Alertmanager's Alert.Status() says
      severity: 'medium', // severity="warning"
      endsAt: null,
      count: 1,
      startsAt: '2018-03-07T11:33:21.873Z',
      details: { receiver: 'teams_proxy', externalURL: 'http://docker.for.mac.host.internal:9093' },
    });
  });

  it('stores the Grafana contact-point payload with its own fingerprints, links and values, token in the URL', async () => {
    const res = await sidecar.call(`/api/integrations/grafana?token=${encodeURIComponent(token)}`, {
      method: 'POST',
      token: null,
      headers: { 'content-type': 'application/json' },
      body: fixture('alerting/grafana-webhook-contact-point.json'),
    });
    expect(await expectStatus(res, 200)).toMatchObject({ received: 2, alerts: 2, created: 2 });
    const { items } = await expectStatus(await sidecar.call('/api/alerts?source=grafana'), 200);
    expect(items.map((a: { fingerprint: string }) => a.fingerprint).sort()).toEqual([
      'bc97ff14869b13e3',
      'c6eadffa33fcdf37',
    ]);
    const memory = items.find((a: { alertname: string }) => a.alertname === 'High memory usage');
    expect(memory.details).toMatchObject({
      silenceURL: expect.stringContaining('silence/new'),
      values: { B: 44.23943737541908, C: 1 },
    });
    expect(memory.details).not.toHaveProperty('dashboardURL'); // "" in the payload: nothing to link to
    expect(memory.generatorUrl).toBe('https://play.grafana.org/alerting/1afz29v7z/edit');
  });
});

describe('idempotency', () => {
  it('updates one row per alert on redelivery: count and last seen move, nothing is added', async () => {
    const payload = alertmanagerPayload(manyAlerts(3, { alertname: 'Idem', severity: 'low' }), { groupKey: 'idem' });
    await expectStatus(await post('alertmanager', payload), 200);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const again = await expectStatus(await post('alertmanager', payload), 200);
    expect(again).toMatchObject({ alerts: 3, created: 0 });
    const rows = await sidecar.sql`select count, first_seen_at, last_seen_at from alerts where alertname = 'Idem'`;
    expect(rows.map((r) => r.count)).toEqual([2, 2, 2]);
    for (const row of rows) expect(row.lastSeenAt.getTime()).toBeGreaterThan(row.firstSeenAt.getTime());
  });

  it('merges copies within one payload and keys on startsAt to the microsecond, whatever the offset written', async () => {
    const labels = { alertname: 'Copies', instance: 'a' };
    const payload = alertmanagerPayload([
      { labels, startsAt: '2026-02-01T10:00:00.1234567Z' },
      { labels, startsAt: '2026-02-01T12:00:00.123457+02:00' }, // the same instant
      { labels, startsAt: '2026-02-01T10:00:00.123458Z' }, // one microsecond later: another firing
    ]);
    expect(await expectStatus(await post('alertmanager', payload), 200)).toMatchObject({
      received: 3,
      alerts: 2,
      created: 2,
    });
    const rows = await sidecar.sql`select count from alerts where alertname = 'Copies' order by starts_at`;
    expect(rows.map((r) => r.count)).toEqual([2, 1]);
  });

  it('keeps a resolution when the firing copy arrives after it (out of order), and fires no second event', async () => {
    const labels = { alertname: 'OutOfOrder', instance: 'x' };
    const startsAt = '2026-03-01T08:00:00Z';
    const resolved = alertmanagerPayload([{ labels, startsAt, status: 'resolved', endsAt: '2026-03-01T08:10:00Z' }]);
    const firing = alertmanagerPayload([{ labels, startsAt }]);
    expect(await expectStatus(await post('alertmanager', resolved), 200)).toMatchObject({ created: 1, resolved: 1 });
    expect(await expectStatus(await post('alertmanager', firing), 200)).toMatchObject({ created: 0, resolved: 0 });
    const [row] = await sidecar.sql`select status, ends_at, count from alerts where alertname = 'OutOfOrder'`;
    expect(row).toMatchObject({ status: 'resolved', endsAt: new Date('2026-03-01T08:10:00Z'), count: 2 });
    const [alert] = await sidecar.sql`select id from alerts where alertname = 'OutOfOrder'`;
    const events = await sidecar.sql`
      select type, payload from events
      where topic = 'alerts' and (payload->'fired' ? ${alert!.id} or payload->'resolved' ? ${alert!.id})`;
    expect(events.map((e) => [e.type, e.payload])).toEqual([
      ['alerts.stored', { fired: [], resolved: [alert!.id], incidentIds: [] }],
    ]);
  });
});

describe('a thousand alerts in one payload', () => {
  it('stores them all in one transaction, answers fast, and opens one incident for the group', async () => {
    const payload = alertmanagerPayload(
      manyAlerts(1000, { alertname: 'Storm', severity: 'warning', service: 'checkout' }),
      {
        groupKey: '{}:{alertname="Storm"}',
      }
    );
    expect(JSON.stringify(payload).length).toBeGreaterThan(200_000);
    const started = performance.now();
    const summary = await expectStatus(await post('alertmanager', payload), 200);
    const ms = performance.now() - started;
    console.log(`1000 alerts stored in ${Math.round(ms)} ms`);
    expect(ms).toBeLessThan(3000);
    expect(summary).toMatchObject({ received: 1000, alerts: 1000, created: 1000 });
    expect(summary.incidents).toEqual([expect.objectContaining({ opened: true })]);
    const incident = await expectStatus(await sidecar.call(`/api/incidents/${summary.incidents[0].id}`), 200);
    expect(incident).toMatchObject({ severity: 'medium', services: [expect.objectContaining({ name: 'checkout' })] });
    const n = (await sidecar.sql`select count(*)::int as n from alerts where incident_id = ${incident.id}`)[0]!.n;
    expect(n).toBe(1000);
    const fired = (
      await sidecar.sql`
      select count(*)::int as fired from timeline_events where incident_id = ${incident.id} and type = 'alert_fired'`
    )[0]!.fired;
    expect(fired).toBe(1000);
  });
});

describe('many groups in one payload', () => {
  it('decides promotion for hundreds of groups in one query, and opens only the due ones', async () => {
    await expectStatus(
      await sidecar.call('/api/alert-rules', {
        method: 'POST',
        json: { name: 'per-instance', matchers: [{ name: 'alertname', value: 'PerInstance' }], groupBy: ['instance'] },
      }),
      201
    );
    const alerts = manyAlerts(500, { alertname: 'PerInstance', severity: 'warning' });
    alerts[7]!.labels.severity = 'critical';
    const started = performance.now();
    const summary = await expectStatus(await post('alertmanager', alertmanagerPayload(alerts)), 200);
    console.log(`500 alerts in 500 groups stored in ${Math.round(performance.now() - started)} ms`);
    expect(summary).toMatchObject({
      alerts: 500,
      created: 500,
      incidents: [expect.objectContaining({ opened: true })],
    });
    const incident = await expectStatus(await sidecar.call(`/api/incidents/${summary.incidents[0].id}/alerts`), 200);
    expect(incident.items.map((a: { labels: { instance: string } }) => a.labels.instance)).toEqual(['host-7']);
  });
});

describe('malformed payloads: 400, nothing stored', () => {
  const good = () => alertmanagerPayload([{ labels: { alertname: 'Bad' } }]);
  const cases: Array<[string, unknown, string]> = [
    ['not JSON', '{"alerts": [', 'MALFORMED_REQUEST'],
    ['no alerts field', { version: '4', receiver: 'x' }, 'VALIDATION_FAILED'],
    ['empty alerts', { ...good(), alerts: [] }, 'VALIDATION_FAILED'],
    ['alerts not an array', { ...good(), alerts: {} }, 'VALIDATION_FAILED'],
    ['no labels', { ...good(), alerts: [{ startsAt: '2026-01-01T00:00:00Z', labels: {} }] }, 'VALIDATION_FAILED'],
    [
      'label value not a string',
      { ...good(), alerts: [{ startsAt: '2026-01-01T00:00:00Z', labels: { a: 1 } }] },
      'VALIDATION_FAILED',
    ],
    ['bad startsAt', { ...good(), alerts: [{ startsAt: 'yesterday', labels: { a: 'b' } }] }, 'VALIDATION_FAILED'],
    ['missing startsAt', { ...good(), alerts: [{ labels: { a: 'b' } }] }, 'VALIDATION_FAILED'],
    ['bad status', { ...good(), alerts: [{ ...good().alerts[0], status: 'pending' }] }, 'VALIDATION_FAILED'],
    [
      'one bad alert among good ones',
      { ...good(), alerts: [...good().alerts, { labels: { a: 'b' }, startsAt: 7 }] },
      'VALIDATION_FAILED',
    ],
    ['array body', [], 'VALIDATION_FAILED'],
  ];
  it.each(cases)('%s', async (_name, body, code) => {
    const before = (await sidecar.sql`select count(*)::int as n from alerts`)[0]!.n;
    for (const source of ['alertmanager', 'grafana'] as const) {
      const res = await post(source, body);
      expect(res.status, await res.clone().text()).toBe(400);
      expect((await res.json()).error.code).toBe(code);
    }
    const after = (await sidecar.sql`select count(*)::int as n from alerts`)[0]!.n;
    expect(after).toBe(before);
  });

  it('refuses a body that is not JSON by content type (415) and one over the size limit (413)', async () => {
    const res = await sidecar.call('/api/integrations/alertmanager', {
      method: 'POST',
      token,
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect((await expectStatus(res, 415)).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const huge = alertmanagerPayload([
      { labels: { alertname: 'Huge' }, annotations: { description: 'x'.repeat(60_000) } },
    ]);
    huge.alerts = Array.from({ length: 40 }, () => huge.alerts[0]!);
    expect((await expectStatus(await post('alertmanager', huge), 413)).error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('limits', () => {
  it("keeps intake out of the API's rate budget: alerts keep flowing after reads are refused", async () => {
    const limited = await startSidecar({ env: { RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_INTAKE_PER_MINUTE: '100' } });
    try {
      const am = (await createApiToken(limited.sql, 'am', 'integration')).token;
      const reads = [];
      for (let n = 0; n < 4; n++) reads.push((await limited.call('/api/alerts?limit=1')).status);
      expect(reads).toEqual([200, 200, 200, 429]);
      for (let n = 0; n < 6; n++) {
        const body = alertmanagerPayload([{ labels: { alertname: 'Limited', instance: String(n) } }]);
        await expectStatus(
          await limited.call('/api/integrations/alertmanager', { method: 'POST', token: am, json: body }),
          200
        );
      }
      expect((await limited.sql`select count(*)::int as n from alerts`)[0]!.n).toBe(6);
    } finally {
      await limited.close();
    }
  });
});
