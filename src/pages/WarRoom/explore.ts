import { locationUtil, usePluginContext } from '@grafana/data';
import type { Finding } from '../../api/types';
import type { AppJsonData } from '../../components/AppConfig/settings';

export type ExploreUids = Pick<AppJsonData, 'prometheusUid' | 'lokiUid' | 'tempoUid'>;

const DATASOURCE = {
  prometheus: { key: 'prometheusUid', type: 'prometheus' },
  loki: { key: 'lokiUid', type: 'loki' },
  tempo: { key: 'tempoUid', type: 'tempo' },
} as const;

/** The datasource uids set on the app's configuration page (empty outside Grafana's app context). */
export function useExploreUids(): ExploreUids {
  return usePluginContext<AppJsonData>()?.meta.jsonData ?? {};
}

/**
 * Where "Open in Explore" goes for a finding. A datasource uid set on the app's configuration page wins over the
 * sidecar's (its uid is the sidecar operator's guess at this Grafana's datasources); without either there is no
 * link. Links are relative to Grafana's root, so they get Grafana's sub path when it serves under one.
 */
export function exploreLink(finding: Finding, uids: ExploreUids): string | null {
  const datasource = finding.source === 'change' ? undefined : DATASOURCE[finding.source];
  const uid = datasource ? uids[datasource.key] : undefined;
  const url = uid && finding.query ? buildExploreUrl(datasource!.type, uid, finding) : finding.exploreUrl;
  if (!url) {
    return null;
  }
  return /^https?:\/\//i.test(url) ? url : locationUtil.assureBaseUrl(url.startsWith('/') ? url : `/${url}`);
}

/** The same `panes` format the sidecar writes (backend/src/correlation/explore.ts), for a uid chosen here. */
function buildExploreUrl(type: 'prometheus' | 'loki' | 'tempo', uid: string, finding: Finding): string {
  const ref = { type, uid };
  const query =
    type === 'tempo'
      ? { refId: 'A', datasource: ref, queryType: 'traceql', query: finding.query }
      : { refId: 'A', datasource: ref, expr: finding.query };
  const range = { from: String(Date.parse(finding.window.start)), to: String(Date.parse(finding.window.end)) };
  const panes = { a: { datasource: uid, queries: [query], range } };
  return `/explore?schemaVersion=1&orgId=1&panes=${encodeURIComponent(JSON.stringify(panes))}`;
}
