import type { Sql } from 'postgres';
import { assertIncidentExists } from './incidents.js';

export type ImpactLevel = 'major' | 'partial' | 'minor';
export type ImpactReason = 'declared' | 'alerts' | 'correlation';

export interface ServiceImpact {
  service: string;
  /** The catalog's id; null when alerts or findings name a service the catalog does not know. */
  serviceId: string | null;
  /** Declared impact; null for a service only the signals point at. */
  impact: ImpactLevel | null;
  reasons: ImpactReason[];
  /** The incident's alerts that name this service. */
  alerts: number;
  /** Findings of the latest finished correlation run about this service. */
  findings: number;
  topScore: number | null;
}

/**
 * Which services an incident touches, and why: declared on the incident, named by its alerts (the `service` label,
 * else `job`, else `app`: what Prometheus and Kubernetes setups usually carry), or pointed at by the latest
 * finished correlation run. Declared services come first (major to minor), then the most strongly correlated.
 */
export async function serviceImpact(
  sql: Sql,
  incidentId: string,
  page: { limit: number; offset: number }
): Promise<ServiceImpact[]> {
  await assertIncidentExists(sql, incidentId);
  return sql<ServiceImpact[]>`
    with declared as (
      select s.name as service, x.impact from incident_services x join services s on s.id = x.service_id
      where x.incident_id = ${incidentId}
    ), alerted as (
      select coalesce(nullif(labels ->> 'service', ''), nullif(labels ->> 'job', ''), nullif(labels ->> 'app', ''))
               as service, count(*)::int as alerts
      from alerts where incident_id = ${incidentId}
      group by 1
    ), latest_run as (
      select id from correlation_runs
      where incident_id = ${incidentId} and finished_at is not null
      order by finished_at desc, started_at desc limit 1
    ), correlated as (
      select c.service, count(*)::int as findings, max(c.score) as top_score
      from correlations c join latest_run r on r.id = c.run_id
      where c.service is not null
      group by c.service
    ), names as (
      select service from declared union select service from alerted where service is not null
      union select service from correlated
    )
    select n.service, s.id as service_id, d.impact,
           array_remove(array[
             case when d.service is not null then 'declared' end,
             case when a.service is not null then 'alerts' end,
             case when c.service is not null then 'correlation' end
           ], null) as reasons,
           coalesce(a.alerts, 0) as alerts, coalesce(c.findings, 0) as findings, c.top_score
    from names n
    left join services s on s.name = n.service
    left join declared d on d.service = n.service
    left join alerted a on a.service = n.service
    left join correlated c on c.service = n.service
    order by array_position(array['major', 'partial', 'minor'], d.impact) nulls last,
             c.top_score desc nulls last, a.alerts desc nulls last, n.service
    limit ${page.limit} offset ${page.offset}`;
}
