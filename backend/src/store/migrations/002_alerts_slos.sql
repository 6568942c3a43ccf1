-- Alert intake and SLOs (issue 7).

-- Integration tokens are API tokens whose only power is posting alerts (http/auth.ts keeps them off every other
-- route): they sit in Alertmanager config files and Grafana contact-point URLs, where a viewer token would leak reads.
alter table api_tokens drop constraint if exists api_tokens_role_check;
alter table api_tokens add constraint api_tokens_role_check
  check (role in ('viewer', 'editor', 'admin', 'integration'));

-- How alerts become incidents; the first enabled rule by position whose matchers hold applies (domain/alerts.ts).
create table alert_rules (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  position integer not null default 100,
  enabled boolean not null default true,
  matchers jsonb not null default '[]'::jsonb check (jsonb_typeof(matchers) = 'array'),
  group_by text[],
  promote_severities text[] not null default '{critical}',
  min_alerts integer check (min_alerts > 0),
  min_alertnames integer check (min_alertnames > 0),
  window_minutes integer not null default 15 check (window_minutes between 1 and 1440),
  auto_resolve text not null default 'note' check (auto_resolve in ('follow', 'note')),
  created_by text not null,
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  updated_at timestamptz not null default date_trunc('milliseconds', now())
);

-- Silences and maintenance windows: matching alerts are recorded but neither promoted nor attached to incidents.
create table silences (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('silence', 'maintenance')),
  matchers jsonb not null check (jsonb_typeof(matchers) = 'array' and jsonb_array_length(matchers) > 0),
  starts_at timestamptz not null default date_trunc('milliseconds', now()),
  ends_at timestamptz check (ends_at > starts_at),
  comment text not null default '',
  created_by text not null,
  created_at timestamptz not null default date_trunc('milliseconds', now())
);

create table alerts (
  id uuid primary key default gen_random_uuid(),
  source text not null check (source in ('alertmanager', 'grafana')),
  fingerprint text not null,
  -- Microsecond precision on purpose: (source, fingerprint, starts_at) is the idempotency key, and senders
  -- write startsAt with up to nanoseconds.
  starts_at timestamptz not null,
  ends_at timestamptz,
  status text not null check (status in ('firing', 'resolved')),
  alertname text not null default '',
  severity text not null check (severity in ('critical', 'high', 'medium', 'low')),
  labels jsonb not null,
  annotations jsonb not null default '{}'::jsonb,
  generator_url text,
  details jsonb not null default '{}'::jsonb,
  -- domain/alertRules.ts groupKeyOf (hashed; the readable form is in alert_groups): alerts of one group share an
  -- incident.
  group_key text not null,
  rule_id uuid references alert_rules (id) on delete set null,
  suppressed_by uuid references silences (id) on delete set null,
  incident_id uuid references incidents (id) on delete set null,
  first_seen_at timestamptz not null default date_trunc('milliseconds', now()),
  last_seen_at timestamptz not null default date_trunc('milliseconds', now()),
  -- Deliveries of this alert (Alertmanager retries and repeat notifications update the row, never add one).
  count integer not null default 1,
  -- The transaction that last changed status: lets one upsert statement tell which rows it inserted or resolved
  -- even when Alertmanager replicas deliver the same alert concurrently.
  status_xact xid8 not null default pg_current_xact_id(),
  unique (source, fingerprint, starts_at)
) with (fillfactor = 80);
-- Most deliveries repeat alerts already stored (Alertmanager resends a whole group on every change and every
-- repeat_interval), so those updates should be HOT: no index may cover a column they change (last_seen_at, count,
-- status...), and pages keep room for the new versions (fillfactor). Promotion looks for a group's alerts not yet
-- on an incident, which this partial index holds (promotion sets incident_id, once).
create index alerts_unattached on alerts (group_key) where incident_id is null;

-- Every group seen, readable, and its current incident: intake looks it up per delivery, so it must not depend on
-- how many alerts the group has accumulated. A group whose incident was resolved gets a new one on its next promotion.
create table alert_groups (
  key text primary key,
  description text not null,
  incident_id uuid references incidents (id) on delete set null,
  updated_at timestamptz not null default date_trunc('milliseconds', now())
);
create index alerts_incident on alerts (incident_id) where incident_id is not null;
-- The alerts list is newest first with a keyset cursor on (starts_at, id).
create index alerts_starts_at_id on alerts (starts_at desc, id desc);

create table slos (
  id uuid primary key default gen_random_uuid(),
  service_id uuid not null references services (id) on delete restrict,
  name text not null check (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  description text not null default '',
  sli_type text not null check (sli_type in ('ratio', 'errors')),
  good_query text,
  errors_query text,
  total_query text not null,
  objective double precision not null check (objective > 0 and objective < 100),
  window_type text not null check (window_type in ('rolling', 'calendar_month')),
  window_days integer check (window_days between 1 and 90),
  burn_rate_alerts jsonb,
  created_by text not null,
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  updated_at timestamptz not null default date_trunc('milliseconds', now()),
  version integer not null default 1,
  unique (service_id, name),
  check ((sli_type = 'ratio') = (good_query is not null) and (sli_type = 'errors') = (errors_query is not null)),
  check ((window_type = 'rolling') = (window_days is not null))
);
