import { makeFinding } from '../../testUtils/evidenceFixtures';
import { exploreLink } from './explore';

const panesOf = (url: string) => JSON.parse(new URL(url, 'http://grafana').searchParams.get('panes')!);

describe('exploreLink', () => {
  it('uses the sidecar’s link when the app names no datasource for the source', () => {
    const finding = makeFinding({ source: 'prometheus', exploreUrl: '/explore?schemaVersion=1&panes=%7B%7D' });
    expect(exploreLink(finding, {})).toBe('/explore?schemaVersion=1&panes=%7B%7D');
  });

  it('builds the link on the datasource chosen on the config page, with the finding’s query and window', () => {
    const finding = makeFinding({
      source: 'loki',
      query: '{service="checkout"} |= "error"',
      exploreUrl: null,
      window: { start: '2026-11-23T07:00:00.000Z', end: '2026-11-23T08:00:00.000Z' },
    });
    const panes = panesOf(exploreLink(finding, { lokiUid: 'my-loki' })!);
    expect(panes.a).toEqual({
      datasource: 'my-loki',
      queries: [{ refId: 'A', datasource: { type: 'loki', uid: 'my-loki' }, expr: '{service="checkout"} |= "error"' }],
      range: {
        from: String(Date.parse('2026-11-23T07:00:00.000Z')),
        to: String(Date.parse('2026-11-23T08:00:00.000Z')),
      },
    });
  });

  it('writes TraceQL queries as Tempo expects them, and gives changes no link', () => {
    const trace = makeFinding({ source: 'tempo', query: '{ status = error }', exploreUrl: null });
    expect(panesOf(exploreLink(trace, { tempoUid: 't' })!).a.queries[0]).toMatchObject({
      queryType: 'traceql',
      query: '{ status = error }',
    });
    expect(
      exploreLink(makeFinding({ source: 'change', query: '', exploreUrl: null }), { prometheusUid: 'p' })
    ).toBeNull();
  });
});
