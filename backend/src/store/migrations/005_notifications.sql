-- Notifications (issue 19, design: "Reaching people"): where messages go, which incident events go where, and one
-- row per message and channel that the delivery worker works through. Delivery jobs themselves live in pg-boss's
-- schema (store/jobQueue.ts installs it with these migrations), written in the same transaction as the row.

create table channels (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('webhook', 'slack', 'teams', 'email', 'ntfy')),
  name text not null unique check (length(name) between 1 and 100),
  settings jsonb not null default '{}'::jsonb check (jsonb_typeof(settings) = 'object'),
  -- AES-256-GCM of the secrets' JSON under a key derived from STUDIO_SECRET_KEY (notify/secretBox.ts); null: none.
  secrets bytea,
  -- Names of the secrets that are set, so reading a channel never needs the key (the API shows only these).
  secret_names text[] not null default '{}',
  muted boolean not null default false,
  last_error text,
  last_error_at timestamptz,
  created_by text not null,
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  updated_at timestamptz not null default date_trunc('milliseconds', now()),
  version integer not null default 1
);

create table notification_rules (
  id uuid primary key default gen_random_uuid(),
  name text not null unique check (length(name) between 1 and 100),
  events text[] not null check (cardinality(events) > 0),
  severities text[] not null default '{}',
  services text[] not null default '{}',
  teams text[] not null default '{}',
  labels jsonb not null default '{}'::jsonb check (jsonb_typeof(labels) = 'object'),
  channel_ids uuid[] not null default '{}',
  muted boolean not null default false,
  created_by text not null,
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  updated_at timestamptz not null default date_trunc('milliseconds', now()),
  version integer not null default 1
);

-- One row per (incident event, channel). `attempts` counts sends started; `lease_until` fences a send in progress
-- (a worker records its outcome only while the row is still its own: state sending, same attempt).
create table deliveries (
  id uuid primary key default gen_random_uuid(),
  incident_id uuid references incidents (id) on delete cascade,
  channel_id uuid not null references channels (id) on delete cascade,
  event text not null check (event in ('declared', 'severity_raised', 'status_changed', 'acknowledged', 'resolved',
                                       'top_finding', 'update_posted', 'test')),
  detail text,
  occurred_at timestamptz not null default date_trunc('milliseconds', now()),
  idempotency_key text not null unique,
  state text not null default 'pending' check (state in ('pending', 'sending', 'delivered', 'failed', 'dead')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default date_trunc('milliseconds', now()),
  lease_until timestamptz,
  last_error text,
  last_status integer,
  delivered_at timestamptz,
  created_at timestamptz not null default date_trunc('milliseconds', now())
);
create index deliveries_channel on deliveries (channel_id, created_at desc);
create index deliveries_channel_state on deliveries (channel_id, state);
create index deliveries_incident on deliveries (incident_id);
