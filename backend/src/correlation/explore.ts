/**
 * Grafana Explore links for findings, relative to Grafana's root (the plugin prefixes its own app URL), in the
 * `panes` format Grafana 10+ reads. Without a datasource uid there is no link: Explore would open on whatever
 * datasource is the default, which would show something else.
 */
import type { TimeRange } from './source.js';

export type ExploreQuery =
  | { kind: 'promql'; expr: string }
  | { kind: 'logql'; expr: string }
  | { kind: 'traceql'; query: string };

export function exploreUrl(datasourceUid: string | undefined, query: ExploreQuery, range: TimeRange): string | null {
  if (!datasourceUid) return null;
  const datasource = { type: datasourceType(query), uid: datasourceUid };
  const target =
    query.kind === 'traceql'
      ? { refId: 'A', datasource, queryType: 'traceql', query: query.query }
      : { refId: 'A', datasource, expr: query.expr };
  const panes = {
    a: {
      datasource: datasourceUid,
      queries: [target],
      range: { from: String(range.start.getTime()), to: String(range.end.getTime()) },
    },
  };
  return `/explore?schemaVersion=1&orgId=1&panes=${encodeURIComponent(JSON.stringify(panes))}`;
}

function datasourceType(query: ExploreQuery): string {
  return query.kind === 'promql' ? 'prometheus' : query.kind === 'logql' ? 'loki' : 'tempo';
}
