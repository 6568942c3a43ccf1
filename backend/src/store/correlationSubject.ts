import type { Sql, TransactionSql } from 'postgres';
import { AppError } from '../domain/errors.js';

/** What the correlation engine investigates for one incident. */
export interface CorrelationSubject {
  incidentId: string;
  startedAt: Date;
  resolvedAt: Date | null;
  services: Array<{ name: string; labels: Record<string, string>; queries: Record<string, string> }>;
}

/**
 * The incident's times and the services to investigate: its impacted services; without any, the services its alerts
 * name (label `service`, else `job`, else `app`). A name the catalog knows brings its labels and query overrides; one
 * it does not know is investigated by that label alone (`job="api"`), so an alert-born incident finds evidence
 * before anyone has catalogued the service.
 */
export async function loadCorrelationSubject(sql: Sql | TransactionSql, incidentId: string): Promise<CorrelationSubject> {
  // Both at once (one round trip): the incident's times and its declared services.
  const [[incident], declared] = await Promise.all([
    sql<{ startedAt: Date; resolvedAt: Date | null }[]>`select started_at, resolved_at from incidents where id = ${incidentId}`,
    sql<CorrelationSubject['services']>`
      select s.name, s.labels, s.queries
      from incident_services x join services s on s.id = x.service_id
      where x.incident_id = ${incidentId}
      order by s.name`,
  ]);
  if (!incident) {
    throw new AppError({ code: 'INCIDENT_NOT_FOUND', message: `No incident with id ${incidentId}`, details: { id: incidentId } });
  }
  let services: CorrelationSubject['services'] = [...declared];
  if (services.length === 0) {
    const named = await sql<{ key: string; value: string }[]>`
      select distinct on (value) key, value from (
        select case when a.labels ? 'service' then 'service' when a.labels ? 'job' then 'job' else 'app' end as key,
               coalesce(a.labels->>'service', a.labels->>'job', a.labels->>'app') as value
        from alerts a where a.incident_id = ${incidentId}
      ) named
      where value is not null and value <> ''
      order by value
      limit 10`;
    const catalog = await sql<CorrelationSubject['services']>`
      select name, labels, queries from services where name = any(${named.map((n) => n.value)})`;
    const byName = new Map(catalog.map((s) => [s.name, s]));
    services = named.map((n) => byName.get(n.value) ?? { name: n.value, labels: { [n.key]: n.value }, queries: {} });
  }
  return { incidentId, startedAt: incident.startedAt, resolvedAt: incident.resolvedAt, services };
}
