-- Counts shown to people (the active incidents panel's "and 40 more", by severity and service) read indexes alone:
-- counting the matches among 100,000 active incidents from the table meant thousands of scattered heap reads.
create index incidents_active_counts on incidents (severity) include (service_ids) where status <> 'resolved';
-- One service's active incidents, found without reading the others (a service with none answers at once).
create index incidents_active_services on incidents using gin (service_ids) where status <> 'resolved';
