-- Counts shown to people (the active incidents panel's "and 40 more", by severity and service) read an index alone:
-- counting the matches among 100,000 active incidents from the table meant thousands of scattered heap reads.
create index incidents_active_counts on incidents (severity) include (service_ids) where status <> 'resolved';
