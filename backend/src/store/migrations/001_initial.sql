-- Timestamps are written with millisecond precision (date_trunc) so that they round-trip exactly through
-- JavaScript Dates: keyset cursors compare them for equality.

create table services (
  id uuid primary key default gen_random_uuid(),
  name text not null unique check (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  team text,
  tier smallint not null default 3 check (tier between 1 and 4),
  description text not null default '',
  labels jsonb not null default '{}'::jsonb check (jsonb_typeof(labels) = 'object'),
  runbook_url text,
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  updated_at timestamptz not null default date_trunc('milliseconds', now())
);

create table incidents (
  id uuid primary key default gen_random_uuid(),
  number integer generated always as identity unique,
  title text not null,
  description text not null default '',
  severity text not null check (severity in ('critical', 'high', 'medium', 'low')),
  status text not null default 'open'
    check (status in ('open', 'investigating', 'identified', 'monitoring', 'resolved')),
  commander text,
  labels jsonb not null default '{}'::jsonb check (jsonb_typeof(labels) = 'object'),
  started_at timestamptz not null default date_trunc('milliseconds', now()),
  detected_at timestamptz not null default date_trunc('milliseconds', now()),
  acknowledged_at timestamptz,
  resolved_at timestamptz,
  created_by text not null,
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  updated_at timestamptz not null default date_trunc('milliseconds', now()),
  version integer not null default 1
);
-- The list is newest first with a keyset cursor on (started_at, id).
create index incidents_started_at_id on incidents (started_at desc, id desc);
create index incidents_active on incidents (status) where status <> 'resolved';

create table incident_services (
  incident_id uuid not null references incidents (id) on delete cascade,
  service_id uuid not null references services (id) on delete restrict,
  impact text not null default 'major' check (impact in ('major', 'partial', 'minor')),
  primary key (incident_id, service_id)
);
create index incident_services_service on incident_services (service_id);

create table timeline_events (
  id uuid primary key default gen_random_uuid(),
  incident_id uuid not null references incidents (id) on delete cascade,
  type text not null,
  occurred_at timestamptz not null default date_trunc('milliseconds', now()),
  author text not null,
  source text not null check (source in ('user', 'system', 'api')),
  message text not null default '',
  data jsonb not null default '{}'::jsonb,
  -- Tie-breaker for events in the same millisecond: insertion order.
  seq bigint generated always as identity
);
create index timeline_events_incident on timeline_events (incident_id, occurred_at, seq);

-- Append-only outbox: every state change writes its event in the same transaction; NOTIFY wakes listeners.
create table events (
  seq bigint generated always as identity primary key,
  topic text not null,
  type text not null,
  payload jsonb not null,
  actor text,
  at timestamptz not null default now()
);

create table api_tokens (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  -- SHA-256 of the token: tokens are 256-bit random values, so a fast hash is enough; the token itself is never stored.
  token_hash bytea not null unique,
  role text not null check (role in ('viewer', 'editor', 'admin')),
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
