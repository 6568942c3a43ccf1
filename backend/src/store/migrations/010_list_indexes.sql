-- Lists at a million rows (issue 25): each order the incidents and alerts lists offer has an index that yields its
-- first page without sorting, and text search reads trigram indexes instead of every row. The expressions here
-- are the ones store/incidents.ts orders by, character for character: Postgres only uses an expression index for
-- the same expression.

-- Trusted since PostgreSQL 13 (the database owner may create it); shipped with the embedded server and with
-- Debian's postgresql-15.
create extension if not exists pg_trgm;

create index incidents_severity_order on incidents
  (array_position(array['low','medium','high','critical'], severity) desc, started_at desc, id desc);
create index incidents_status_order on incidents
  (array_position(array['resolved','monitoring','identified','investigating','open'], status) desc, started_at desc, id desc);
-- extract(epoch from timestamptz) is only STABLE, so the ongoing key is the interval since the epoch (immutable).
create index incidents_duration_order on incidents (
  ((resolved_at is null)::int) desc,
  (case when resolved_at is null then -extract(epoch from started_at - timestamptz '1970-01-01 00:00:00+00')
        else extract(epoch from resolved_at - started_at) end) desc,
  id desc);
-- GET /api/incidents/active: the most severe, then the oldest first, of the unresolved ones only.
create index incidents_active_triage on incidents
  (array_position(array['critical','high','medium','low'], severity), started_at, id) where status <> 'resolved';

-- The ids of the services an incident impacts, beside incident_services (both written once, when it is declared):
-- the service filter then reads the row the order's index walk fetches anyway, instead of probing
-- incident_services for each incident, so it costs the same under every order.
alter table incidents add column service_ids uuid[] not null default '{}';
update incidents i set service_ids = x.ids
from (select incident_id, array_agg(service_id order by service_id) as ids from incident_services group by incident_id) x
where x.incident_id = i.id;

create index incidents_title_trgm on incidents using gin (title gin_trgm_ops);
create index incidents_description_trgm on incidents using gin (description gin_trgm_ops);

-- alertname never changes after insert, so this index keeps repeat deliveries' updates HOT (see 002).
create index alerts_alertname_starts_at on alerts (alertname, starts_at desc, id desc);
