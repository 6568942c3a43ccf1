-- On call, first half (issue 20, design: "Reaching people"): people, their schedules and overrides. Escalation
-- policies, and a service naming its policy, come with the escalation half.

create table people (
  id uuid primary key default gen_random_uuid(),
  -- The Grafana user's login: what X-Grafana-User carries, so a person can be recognised from a request.
  login text not null unique check (length(login) between 1 and 100),
  name text not null check (length(name) between 1 and 200),
  email text not null check (length(email) between 3 and 320),
  time_zone text not null,
  -- Ordered: [{kind: email|ntfy|slack|webhook, target, channelId?}], tried in this order by the escalation half.
  contact_methods jsonb not null default '[]'::jsonb check (jsonb_typeof(contact_methods) = 'array'),
  -- sha256 of the calendar feed's secret (the token is shown once); null: no feed.
  ical_token_hash bytea unique,
  created_by text not null,
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  updated_at timestamptz not null default date_trunc('milliseconds', now()),
  version integer not null default 1
);

-- Layers are one jsonb array (domain/rotations.ts `Layer`, bottom first): a schedule is always read, evaluated and
-- changed whole (a PATCH replaces its layers under the schedule's version), so one row keeps that atomic. People in
-- layers are found with jsonb containment (the GIN index), to refuse deleting someone still on a rota.
create table schedules (
  id uuid primary key default gen_random_uuid(),
  name text not null unique check (length(name) between 1 and 100),
  description text not null default '',
  time_zone text not null,
  layers jsonb not null default '[]'::jsonb check (jsonb_typeof(layers) = 'array'),
  ical_token_hash bytea unique,
  created_by text not null,
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  updated_at timestamptz not null default date_trunc('milliseconds', now()),
  version integer not null default 1
);
create index schedules_layers on schedules using gin (layers jsonb_path_ops);

-- Cover a range for someone, "take the pager now" (from now until T), or half of a swap. A later one wins where
-- they overlap (created_at, then id).
create table schedule_overrides (
  id uuid primary key default gen_random_uuid(),
  schedule_id uuid not null references schedules (id) on delete cascade,
  person_id uuid not null references people (id) on delete cascade,
  starts_at timestamptz not null,
  ends_at timestamptz not null check (ends_at > starts_at),
  note text not null default '',
  created_by text not null,
  created_at timestamptz not null default clock_timestamp()
);
create index schedule_overrides_schedule on schedule_overrides (schedule_id, ends_at);
create index schedule_overrides_person on schedule_overrides (person_id);
