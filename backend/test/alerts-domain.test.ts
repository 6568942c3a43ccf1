/** Pure intake rules (domain/alerts.ts, alertRules.ts): fingerprints, timestamps, severity, matchers, rules, grouping, promotion. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertFingerprint, alertStatus, incidentTitle, normaliseTimestamp, severityOf } from '../src/domain/alerts.js';
import {
  DEFAULT_RULE,
  groupKeyOf,
  matchesAll,
  prepareAlerts,
  promotionReason,
  selectRule,
  suppressionOf,
  type AlertRule,
} from '../src/domain/alertRules.js';

/** Prometheus' labelSetToFingerprintStd: Go's hash/fnv 64a over name, 0xff, value, 0xff in sorted order. */
function referenceFingerprint(labels: Record<string, string>): string {
  let h = 0xcbf29ce484222325n;
  const names = Object.keys(labels).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    for (const byte of [...Buffer.from(name), 0xff, ...Buffer.from(labels[name]!), 0xff]) {
      h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
    }
  }
  return h.toString(16).padStart(16, '0');
}

describe('alertFingerprint', () => {
  it('gives the fingerprints Prometheus and Alertmanager give (published test vectors)', () => {
    expect(alertFingerprint({})).toBe('cbf29ce484222325');
    expect(alertFingerprint({ foo: 'bar' })).toBe('3fff2c2d7595e046');
    expect(alertFingerprint({ foo: 'bar', baz: 'qux' })).toBe('e4d83091cd448e77');
    // prometheus/common model/signature_test.go (labelSetToFingerprint), printed as Alertmanager prints them.
    const hex = (n: bigint) => n.toString(16).padStart(16, '0');
    expect(alertFingerprint({ name: 'garland, briggs', fear: 'love is not enough' })).toBe(hex(5799056148416392346n));
    expect(alertFingerprint({ 'first-label': 'first-label-value' })).toBe(hex(5146282821936882169n));
    expect(alertFingerprint({ 'first-label': 'first-label-value', 'second-label': 'second-label-value' })).toBe(
      hex(3195800080984914717n)
    );
    expect(
      alertFingerprint({
        'first-label': 'first-label-value',
        'second-label': 'second-label-value',
        'third-label': 'third-label-value',
      })
    ).toBe(hex(13843036195897128121n));
  });

  it('matches a BigInt FNV-1a on any label set, non-ASCII included', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 40 })),
        (labels) => {
          expect(alertFingerprint(labels)).toBe(referenceFingerprint(labels));
        }
      ),
      { numRuns: 300 }
    );
  });
});

describe('normaliseTimestamp', () => {
  it('writes one instant one way, to the microsecond', () => {
    expect(normaliseTimestamp('2018-03-07T06:33:21.873077559-05:00')).toBe('2018-03-07T11:33:21.873078Z');
    expect(normaliseTimestamp('2021-10-12T09:51:03.157076+02:00')).toBe('2021-10-12T07:51:03.157076Z');
    expect(normaliseTimestamp('2026-01-01T00:00:00Z')).toBe('2026-01-01T00:00:00.000000Z');
    expect(normaliseTimestamp('2026-01-01T23:59:59.9999999Z')).toBe('2026-01-02T00:00:00.000000Z'); // carries
  });

  it('reads Go zero time, empty and garbage as no time', () => {
    for (const text of ['0001-01-01T00:00:00Z', '', null, undefined, 'yesterday', '2026-01-01'])
      expect(normaliseTimestamp(text)).toBeNull();
  });
});

describe('alertStatus', () => {
  const now = new Date('2026-05-01T12:00:00Z');
  it("takes the sender's status, else resolves once endsAt has passed (Alertmanager's Alert.Status)", () => {
    expect(alertStatus({ status: 'resolved', endsAt: null }, now)).toBe('resolved');
    expect(alertStatus({ endsAt: '0001-01-01T00:00:00Z' }, now)).toBe('firing');
    expect(alertStatus({ endsAt: '2026-05-01T11:59:59Z' }, now)).toBe('resolved');
    expect(alertStatus({ endsAt: '2026-05-01T12:04:00Z' }, now)).toBe('firing'); // Prometheus' endsAt in the future
  });
});

describe('severityOf', () => {
  it('folds common words onto the incident scale; none is medium', () => {
    expect(severityOf({ severity: 'Critical' })).toBe('critical');
    expect(severityOf({ severity: 'page' })).toBe('critical');
    expect(severityOf({ severity: 'error' })).toBe('high');
    expect(severityOf({ severity: 'warning' })).toBe('medium');
    expect(severityOf({ priority: 'P4' })).toBe('low');
    expect(severityOf({ severity: 'info' })).toBe('low');
    expect(severityOf({})).toBe('medium');
    expect(severityOf({ severity: 'whatever' })).toBe('medium');
  });
});

describe('matchers and rules', () => {
  it('matches like Alertmanager: anchored regexes, missing labels are empty', () => {
    const labels = { team: 'storage', env: 'prod' };
    expect(matchesAll([{ name: 'team', op: '=~', value: 'db|storage' }], labels)).toBe(true);
    expect(matchesAll([{ name: 'team', op: '=~', value: 'stor' }], labels)).toBe(false);
    expect(
      matchesAll(
        [
          { name: 'env', op: '!=', value: 'dev' },
          { name: 'region', op: '=', value: '' },
        ],
        labels
      )
    ).toBe(true);
    expect(matchesAll([{ name: 'team', op: '!~', value: 'sto.*' }], labels)).toBe(false);
    expect(matchesAll([], labels)).toBe(true);
  });

  it('selects the first matching rule, else the default', () => {
    const rule = (name: string, value: string): AlertRule => ({
      ...DEFAULT_RULE,
      id: name,
      name,
      matchers: [{ name: 'team', op: '=', value }],
    });
    const rules = [rule('a', 'web'), rule('b', 'web'), rule('c', 'db')];
    expect(selectRule(rules, { team: 'web' }).name).toBe('a');
    expect(selectRule(rules, { team: 'db' }).name).toBe('c');
    expect(selectRule(rules, { team: 'x' })).toBe(DEFAULT_RULE);
  });
});

describe('groupKeyOf', () => {
  const notification = { source: 'alertmanager' as const, receiver: 'studio', groupKey: '{}:{alertname="X"}' };
  it("keeps the sender's group (scoped by source and receiver), else service + alertname, or a rule's labels", () => {
    const a = groupKeyOf(DEFAULT_RULE, notification, { alertname: 'X', instance: '1' });
    expect(groupKeyOf(DEFAULT_RULE, notification, { alertname: 'Y', instance: '2' }).key).toBe(a.key);
    expect(groupKeyOf(DEFAULT_RULE, { ...notification, source: 'grafana' }, { alertname: 'X' }).key).not.toBe(a.key);
    expect(groupKeyOf(DEFAULT_RULE, { ...notification, receiver: 'other' }, { alertname: 'X' }).key).not.toBe(a.key);
    const none = { ...notification, groupKey: null };
    const byService = groupKeyOf(DEFAULT_RULE, none, { alertname: 'X', service: 'api', instance: '1' });
    expect(groupKeyOf(DEFAULT_RULE, none, { alertname: 'X', service: 'api', instance: '2' }).key).toBe(byService.key);
    expect(byService.description).toBe('labels service="api",alertname="X"');
    const byCluster = { ...DEFAULT_RULE, groupBy: ['cluster'] };
    expect(groupKeyOf(byCluster, notification, { cluster: 'eu', alertname: 'A' }).key).toBe(
      groupKeyOf(byCluster, none, { cluster: 'eu', alertname: 'B' }).key
    );
    expect(a.key).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('promotionReason', () => {
  it('promotes on an urgent severity, on count or on distinct alertnames, never below them', () => {
    expect(promotionReason(DEFAULT_RULE, { alerts: 1, alertnames: 1, severities: ['critical'] })).toBe(
      'critical alert'
    );
    expect(promotionReason(DEFAULT_RULE, { alerts: 3, alertnames: 1, severities: ['low'] })).toBe(
      '3 alerts within 15 min'
    );
    expect(promotionReason(DEFAULT_RULE, { alerts: 2, alertnames: 2, severities: [] })).toBe(
      '2 different alerts within 15 min'
    );
    expect(promotionReason(DEFAULT_RULE, { alerts: 2, alertnames: 1, severities: ['high'] })).toBeNull();
    const quiet = { ...DEFAULT_RULE, promoteSeverities: [], minAlerts: null, minAlertnames: null };
    expect(promotionReason(quiet, { alerts: 100, alertnames: 9, severities: ['critical'] })).toBeNull();
  });
});

describe('suppressionOf', () => {
  it('holds only between start and end, for matching labels', () => {
    const silence = {
      id: 's',
      kind: 'maintenance' as const,
      matchers: [{ name: 'env', op: '=' as const, value: 'prod' }],
      startsAt: new Date('2026-01-01T00:00:00Z'),
      endsAt: new Date('2026-01-01T02:00:00Z'),
    };
    expect(suppressionOf([silence], { env: 'prod' }, new Date('2026-01-01T01:00:00Z'))).toBe(silence);
    expect(suppressionOf([silence], { env: 'prod' }, new Date('2026-01-01T02:00:00Z'))).toBeUndefined();
    expect(suppressionOf([silence], { env: 'dev' }, new Date('2026-01-01T01:00:00Z'))).toBeUndefined();
    expect(
      suppressionOf([{ ...silence, endsAt: null }], { env: 'prod' }, new Date('2030-01-01T00:00:00Z'))
    ).toBeDefined();
  });
});

describe('prepareAlerts', () => {
  it('merges copies (resolved wins), computes missing fingerprints and sorts by key', () => {
    const labels = { alertname: 'A' };
    const prepared = prepareAlerts(
      {
        source: 'alertmanager',
        receiver: 'r',
        groupKey: 'g',
        alerts: [
          { labels: { alertname: 'B' }, annotations: {}, startsAt: '2026-01-01T00:00:00Z' },
          {
            labels,
            annotations: {},
            startsAt: '2026-01-01T00:00:00Z',
            status: 'resolved',
            endsAt: '2026-01-01T00:05:00Z',
          },
          { labels, annotations: {}, startsAt: '2026-01-01T01:00:00+01:00', status: 'firing' },
        ],
      },
      [],
      [],
      new Date()
    );
    expect(prepared).toHaveLength(2);
    const a = prepared.find((p) => p.alertname === 'A')!;
    expect(a).toMatchObject({
      fingerprint: alertFingerprint(labels),
      status: 'resolved',
      deliveries: 2,
      endsAt: '2026-01-01T00:05:00.000000Z',
    });
    expect(prepared.map((p) => p.fingerprint)).toEqual([...prepared.map((p) => p.fingerprint)].sort());
  });

  it('titles an incident by its first alert', () => {
    expect(incidentTitle([{ labels: { alertname: 'X', service: 'api' }, annotations: {} }])).toBe('X on api');
    expect(
      incidentTitle([
        { labels: { alertname: 'X' }, annotations: { summary: 'Down' } },
        { labels: { alertname: 'Y' }, annotations: {} },
      ])
    ).toBe('X: Down (+1 more)');
  });
});
