import { makeIncident } from '../../testUtils/fixtures';
import {
  compareFor,
  DEFAULT_VIEW,
  matchesView,
  parseView,
  queryFor,
  serializeView,
  type IncidentView,
} from './filters';

const parse = (query: string) => parseView(new URLSearchParams(query));

describe('incident view in the URL', () => {
  const shared: IncidentView = {
    status: 'all',
    severity: ['critical', 'high'],
    service: 'checkout',
    q: 'disk 100%',
    range: { kind: 'preset', preset: '24h' },
    sort: 'severity',
  };

  test('round-trips every filter and the sort through the URL', () => {
    const url = serializeView(shared).toString();
    expect(url).toBe('status=all&severity=critical%2Chigh&service=checkout&q=disk+100%25&range=24h&sort=severity');
    expect(parse(url)).toEqual(shared);
  });

  test('round-trips an absolute range', () => {
    const view = { ...DEFAULT_VIEW, range: { kind: 'absolute' as const, from: '2026-01-01T00:00:00.000Z' } };
    expect(parse(serializeView(view).toString())).toEqual(view);
  });

  test('leaves defaults out, keeps parameters that are not the view', () => {
    expect(serializeView(DEFAULT_VIEW).toString()).toBe('');
    expect(serializeView(DEFAULT_VIEW, new URLSearchParams('theme=light&status=resolved')).toString()).toBe(
      'theme=light'
    );
  });

  test('ignores what it does not know and orders severities', () => {
    expect(parse('status=done&severity=low,bogus,critical,low&sort=loudest&range=2w&from=yesterday')).toEqual({
      ...DEFAULT_VIEW,
      severity: ['critical', 'low'],
    });
  });

  test('turns a view into the sidecar query, resolving a preset range at the time asked', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(queryFor(shared, now)).toEqual({
      status: undefined,
      severity: ['critical', 'high'],
      service: 'checkout',
      q: 'disk 100%',
      from: '2026-02-28T12:00:00.000Z',
      sort: 'severity',
    });
    expect(queryFor(DEFAULT_VIEW, now)).toMatchObject({
      status: ['open', 'investigating', 'identified', 'monitoring'],
    });
  });
});

describe('matchesView and compareFor (live updates)', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  const checkout = [{ id: 's', name: 'checkout', impact: 'major' as const }];

  test('matches like the sidecar filters', () => {
    const incident = makeIncident({
      severity: 'high',
      services: checkout,
      title: 'Disk full',
      startedAt: '2026-03-01T11:00:00Z',
    });
    const view: IncidentView = {
      ...DEFAULT_VIEW,
      severity: ['high'],
      service: 'checkout',
      q: 'disk',
      range: { kind: 'preset', preset: '6h' },
    };
    expect(matchesView(incident, view, now)).toBe(true);
    expect(matchesView({ ...incident, severity: 'low' }, view, now)).toBe(false);
    expect(matchesView({ ...incident, services: [] }, view, now)).toBe(false);
    expect(matchesView({ ...incident, title: 'CPU' }, view, now)).toBe(false);
    expect(matchesView({ ...incident, startedAt: '2026-02-01T00:00:00Z' }, view, now)).toBe(false);
    expect(matchesView({ ...incident, status: 'resolved' }, view, now)).toBe(false);
  });

  test('orders like the sidecar for each sort', () => {
    const a = makeIncident({ severity: 'low', status: 'open', startedAt: '2026-03-01T10:00:00Z' });
    const b = makeIncident({
      severity: 'critical',
      status: 'resolved',
      startedAt: '2026-03-01T09:00:00Z',
      resolvedAt: '2026-03-01T11:00:00Z',
    });
    const c = makeIncident({ severity: 'high', status: 'monitoring', startedAt: '2026-03-01T08:00:00Z' });
    const order = (sort: IncidentView['sort']) => [a, b, c].sort(compareFor(sort)).map((i) => i.severity);
    expect(order('newest')).toEqual(['low', 'critical', 'high']);
    expect(order('oldest')).toEqual(['high', 'critical', 'low']);
    expect(order('severity')).toEqual(['critical', 'high', 'low']);
    expect(order('status')).toEqual(['low', 'high', 'critical']);
    // Ongoing first, longest running first; then resolved.
    expect(order('duration')).toEqual(['high', 'low', 'critical']);
  });
});
