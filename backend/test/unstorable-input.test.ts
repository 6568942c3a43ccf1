/**
 * Strings and values Postgres refuses (NUL in text and jsonb, lone surrogates, numbers and dates out of range):
 * alert intake stores them (nothing a sender delivers is lost for its characters), the API refuses them with 400
 * VALIDATION_FAILED naming the field, and nothing that was stored changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../src/correlation/engine.js';
import type { CorrelationContext, EvidenceSource, SourceReport } from '../src/correlation/source.js';
import { alertFingerprint } from '../src/domain/alerts.js';
import { findUnstorable, toStorable, toStorableText } from '../src/domain/storable.js';
import { createApiToken } from '../src/store/tokens.js';
import { alertmanagerPayload } from './support/alerting.js';
import { fixture } from './support/fixtures.js';
import { isStorableInstant } from '../src/routes/sharedSchemas.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

let sidecar: TestSidecar;
let token: string;

beforeAll(async () => {
  sidecar = await startSidecar({ maxBodyBytes: 1024 * 1024 });
  token = (await createApiToken(sidecar.sql, 'alertmanager-nul', 'integration')).token;
});
afterAll(() => sidecar.close());

const postAlerts = (source: 'alertmanager' | 'grafana', body: unknown) =>
  sidecar.call(`/api/integrations/${source}`, { method: 'POST', token, json: body });

async function expectRefusedField(res: Response, field: string) {
  const body = await expectStatus(res, 400);
  expect(body.error).toMatchObject({ code: 'VALIDATION_FAILED', request_id: expect.any(String) });
  expect(body.error.details.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
  expect(res.headers.get('x-request-id')).toBe(body.error.request_id);
  return body;
}

describe('storable text (domain)', () => {
  it('finds NUL and lone surrogates in values and keys, and replaces them with U+FFFD', () => {
    expect(findUnstorable({ a: ['ok', 'x\u0000y'] })).toEqual(['a', 1]);
    expect(findUnstorable({ ok: { 'bad\uD800key': 1 } })).toEqual(['ok', 'bad\uD800key']);
    expect(findUnstorable({ emoji: '𝕏 paired surrogates are fine' })).toBeNull();
    expect(toStorableText('a\u0000b\uDC00c')).toBe('a\uFFFDb\uFFFDc');
    const clean = { labels: { a: 'b' } };
    expect(toStorable(clean)).toBe(clean); // nothing to change: not copied
    expect(toStorable({ 'k\u0000': ['v\u0000'] })).toEqual({ 'k\uFFFD': ['v\uFFFD'] });
  });
});

describe('alert intake stores what Postgres would refuse', () => {
  it('stores every alert of a real Alertmanager payload with NUL in labels and annotations once, with the sender fingerprint', async () => {
    const payload = JSON.parse(fixture('alerting/alertmanager-webhook-v4.json'));
    const original = payload.alerts[0];
    const labels = { ...original.labels, alertname: 'nul\u0000alert', 'odd\u0000key': 'v\u0000' };
    payload.alerts = [
      { ...original, labels, annotations: { ...original.annotations, summary: 'a\u0000b', 'x\uD800': '\uDFFF' } },
      { ...original, labels: { ...labels, instance: 'second\u0000' } },
    ];
    payload.commonLabels = { alertname: 'nul\u0000alert' };
    payload.receiver = 'teams\u0000proxy';
    for (let delivery = 0; delivery < 2; delivery++) {
      // The second delivery is the sender's retry: the same two alerts, not two more.
      expect(await expectStatus(await postAlerts('alertmanager', payload), 200)).toMatchObject({
        received: 2,
        created: delivery === 0 ? 2 : 0,
      });
    }
    const stored =
      await sidecar.sql`select fingerprint, alertname, labels, annotations, details, count from alerts order by labels->>'instance'`;
    expect(stored).toHaveLength(2);
    expect(stored.map((a) => a.fingerprint).sort()).toEqual(
      [alertFingerprint(labels), alertFingerprint({ ...labels, instance: 'second\u0000' })].sort()
    );
    expect(stored[0]).toMatchObject({
      alertname: 'nul\uFFFDalert',
      labels: { alertname: 'nul\uFFFDalert', 'odd\uFFFDkey': 'v\uFFFD' },
      annotations: { summary: 'a\uFFFDb', 'x\uFFFD': '\uFFFD' },
      details: { receiver: 'teams\uFFFDproxy' },
      count: 2,
    });
  });

  it('stores a Grafana delivery with NUL everywhere, keeping Grafana fingerprints', async () => {
    const payload = JSON.parse(fixture('alerting/grafana-webhook-contact-point.json'));
    for (const alert of payload.alerts) {
      alert.labels.zone += '\u0000';
      alert.annotations.description = '\u0000' + alert.annotations.description;
      alert.valueString = '[ var=\u0000 ]';
    }
    payload.message = 'firing\u0000';
    expect(await expectStatus(await postAlerts('grafana', payload), 200)).toMatchObject({ received: 2, created: 2 });
    const stored =
      await sidecar.sql`select fingerprint, labels->>'zone' as zone from alerts where source = 'grafana' order by fingerprint`;
    expect(stored).toEqual([
      { fingerprint: 'bc97ff14869b13e3', zone: 'eu-1\uFFFD' },
      { fingerprint: 'c6eadffa33fcdf37', zone: 'us-1\uFFFD' },
    ]);
  });

  it('opens its incident with a storable title when the alert name holds NUL', async () => {
    const res = await postAlerts(
      'alertmanager',
      alertmanagerPayload([{ labels: { alertname: 'Disk\u0000Full', severity: 'critical', service: 'db\u0000' } }], {
        groupKey: '{}:{alertname="Disk\u0000Full"}',
      })
    );
    const summary = await expectStatus(res, 200);
    expect(summary).toMatchObject({ created: 1, incidents: [{ opened: true }] });
    const incident = await expectStatus(await sidecar.call(`/api/incidents/${summary.incidents[0].id}`), 200);
    expect(incident.title).toContain('Disk\uFFFDFull');
  });
});

describe('the API refuses what Postgres cannot store, naming the field', () => {
  it('refuses NUL and lone surrogates in bodies, keys and query parameters', async () => {
    const declare = (json: unknown) => sidecar.call('/api/incidents', { method: 'POST', json });
    await expectRefusedField(await declare({ title: 'a\u0000', severity: 'low' }), 'title');
    await expectRefusedField(await declare({ title: 'ok', description: '\uD83D', severity: 'low' }), 'description');
    await expectRefusedField(
      await declare({ title: 'ok', severity: 'low', labels: { 'k\u0000': 'v' } }),
      'labels.k\u0000'
    );
    await expectRefusedField(await declare({ title: 'ok', severity: 'low', commander: 'x\u0000' }), 'commander');
    for (const path of [
      '/api/incidents?q=%00',
      '/api/incidents?service=a%00',
      '/api/slos?service=%00',
      '/api/alerts?alertname=%00',
    ]) {
      const field = new URL(path, 'http://x').searchParams.keys().next().value!;
      await expectRefusedField(await sidecar.call(path), field);
    }
  });

  it('refuses NUL in notes, hypotheses and edits, and leaves the incident as it was', async () => {
    const incident = await expectStatus(
      await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'Checkout slow', severity: 'high' } }),
      201
    );
    const base = `/api/incidents/${incident.id}`;
    await expectRefusedField(
      await sidecar.call(`${base}/timeline`, { method: 'POST', json: { message: 'x\u0000' } }),
      'message'
    );
    await expectRefusedField(
      await sidecar.call(`${base}/hypotheses`, { method: 'POST', json: { statement: '\u0000' } }),
      'statement'
    );
    await expectRefusedField(
      await sidecar.call(base, { method: 'PATCH', json: { version: incident.version, title: 'y\u0000' } }),
      'title'
    );
    const after = await expectStatus(await sidecar.call(base), 200);
    expect(after).toEqual(incident);
    const timeline = await expectStatus(await sidecar.call(`${base}/timeline`), 200);
    expect(timeline.items.map((e: { type: string }) => e.type)).toEqual(['created']);
  });
});

describe('evidence quoting what a backend returned', () => {
  /** A Loki that returns a log line holding NUL and a lone surrogate, as a finding would quote it. */
  class NulQuotingSource implements EvidenceSource {
    readonly name = 'loki' as const;
    readonly isConfigured = true;
    async collect(context: CorrelationContext): Promise<SourceReport> {
      return {
        status: 'degraded',
        message: 'one query failed: bad\u0000byte',
        findings: [
          {
            service: 'checkout',
            signal: 'log_pattern',
            score: 0.9,
            summary: 'New log line "payment \u0000 failed \uD800"',
            query: '{service="checkout"} |= "\u0000"',
            window: context.window,
            baseline: context.baseline,
            changedAt: context.window.start,
            exploreUrl: null,
            data: {
              pattern: 'payment <_> failed\u0000',
              samples: [{ at: '2026-01-01T00:00:00Z', line: 'payment 42 failed\u0000', labels: { pod: 'a\u0000' } }],
            },
          },
        ],
      };
    }
  }

  it('stores the run with U+FFFD in place of what Postgres refuses, instead of failing it', async () => {
    const withEngine = await startSidecar({
      correlation: ({ db }) =>
        new CorrelationEngine({
          db,
          sources: [new NulQuotingSource()],
          budgetMs: 2000,
          leadMs: 15 * 60_000,
          refreshMs: 0,
        }),
    });
    try {
      await expectStatus(await withEngine.call('/api/services', { method: 'POST', json: { name: 'checkout' } }), 201);
      const incident = await expectStatus(
        await withEngine.call('/api/incidents', {
          method: 'POST',
          json: { title: 'Payments failing', severity: 'high', service: 'checkout' },
        }),
        201
      );
      const run = await expectStatus(
        await withEngine.call(`/api/incidents/${incident.id}/correlate`, { method: 'POST' }),
        200
      );
      expect(run.run.sources.loki).toMatchObject({ status: 'degraded', message: 'one query failed: bad\uFFFDbyte' });
      expect(run.findings[0]).toMatchObject({
        summary: 'New log line "payment \uFFFD failed \uFFFD"',
        query: '{service="checkout"} |= "\uFFFD"',
        data: { pattern: 'payment <_> failed\uFFFD' },
      });
    } finally {
      await withEngine.close();
    }
  });
});

describe('instants Postgres cannot store', () => {
  it('tells real instants in years 1–9999 from impossible ones', () => {
    expect(isStorableInstant('2024-02-29T10:00:00Z')).toBe(true);
    expect(isStorableInstant('0001-01-01T00:00:00Z')).toBe(true); // Go's zero time, as Alertmanager sends it
    expect(isStorableInstant('0050-02-28T00:00:00Z')).toBe(true);
    expect(isStorableInstant('2025-02-29T10:00:00Z')).toBe(false);
    expect(isStorableInstant('2026-04-31T10:00:00Z')).toBe(false);
    expect(isStorableInstant('0000-01-01T00:00:00Z')).toBe(false);
    expect(isStorableInstant('0001-01-01T00:00:00+14:00')).toBe(false); // 0000-12-31 in UTC
  });

  it('refuses them naming the field, in bodies and in queries', async () => {
    await expectRefusedField(
      await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'x', severity: 'low', startedAt: '0000-01-01T00:00:00Z' } }),
      'startedAt'
    );
    await expectRefusedField(
      await sidecar.call('/api/changes', { method: 'POST', json: { kind: 'deploy', summary: 'x', at: '2026-02-30T00:00:00Z' } }),
      'at'
    );
    for (const path of ['/api/incidents?from=0000-01-01T00:00:00Z', '/api/alerts?to=2025-02-29T00:00:00Z', '/api/changes?from=0001-01-01T00:00:00%2B14:00']) {
      const field = new URL(path, 'http://x').searchParams.keys().next().value!;
      await expectRefusedField(await sidecar.call(path), field);
    }
  });
});
