-- Evidence (issue 4): correlation runs and their findings, change events, the investigation board, postmortems.

-- Per-service overrides of the query templates (correlation/queries.ts fills the rest from defaults).
alter table services add column queries jsonb not null default '{}'::jsonb check (jsonb_typeof(queries) = 'object');

-- Deploys and config changes posted by CI/CD (POST /api/changes); the correlation engine looks for ones near an
-- incident's start.
create table changes (
  id uuid primary key default gen_random_uuid(),
  service_id uuid references services (id) on delete set null,
  kind text not null check (kind in ('deploy', 'config', 'feature_flag', 'infrastructure', 'other')),
  summary text not null,
  description text not null default '',
  author text not null,
  url text,
  labels jsonb not null default '{}'::jsonb check (jsonb_typeof(labels) = 'object'),
  at timestamptz not null default date_trunc('milliseconds', now()),
  created_at timestamptz not null default date_trunc('milliseconds', now())
);
create index changes_at on changes (at desc);
create index changes_service_at on changes (service_id, at desc);

-- One row per correlation run; `sources` holds each source's SourceRun (status, message, duration, findings).
create table correlation_runs (
  id uuid primary key default gen_random_uuid(),
  incident_id uuid not null references incidents (id) on delete cascade,
  trigger text not null check (trigger in ('created', 'manual', 'refresh')),
  started_at timestamptz not null default date_trunc('milliseconds', now()),
  finished_at timestamptz,
  window_start timestamptz not null,
  window_end timestamptz not null,
  baseline_start timestamptz not null,
  baseline_end timestamptz not null,
  sources jsonb not null default '{}'::jsonb
);
create index correlation_runs_incident on correlation_runs (incident_id, started_at desc);

-- Findings of a run, ranked. The latest finished run's findings are the incident's current evidence; older runs'
-- rows stay so that a pinned or linked finding keeps resolving.
create table correlations (
  id uuid primary key default gen_random_uuid(),
  run_id uuid not null references correlation_runs (id) on delete cascade,
  incident_id uuid not null references incidents (id) on delete cascade,
  source text not null check (source in ('prometheus', 'loki', 'tempo', 'change')),
  service text,
  signal text not null,
  score double precision not null check (score >= 0 and score <= 1),
  rank integer not null,
  summary text not null,
  query text not null default '',
  window_start timestamptz not null,
  window_end timestamptz not null,
  baseline_start timestamptz,
  baseline_end timestamptz,
  changed_at timestamptz,
  explore_url text,
  data jsonb not null default '{}'::jsonb,
  computed_at timestamptz not null default date_trunc('milliseconds', now())
);
create index correlations_run on correlations (run_id, rank);
create index correlations_incident on correlations (incident_id);

create table hypotheses (
  id uuid primary key default gen_random_uuid(),
  incident_id uuid not null references incidents (id) on delete cascade,
  statement text not null,
  status text not null default 'open' check (status in ('open', 'confirmed', 'refuted')),
  owner text,
  evidence jsonb not null default '[]'::jsonb check (jsonb_typeof(evidence) = 'array'),
  origin text not null default 'user' check (origin in ('user', 'suggested')),
  created_by text not null,
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  updated_at timestamptz not null default date_trunc('milliseconds', now()),
  decided_by text,
  decided_at timestamptz,
  decision_note text,
  version integer not null default 1
);
create index hypotheses_incident on hypotheses (incident_id, created_at);
-- The engine suggests a statement once per incident, however many runs repeat it.
create unique index hypotheses_suggested_once on hypotheses (incident_id, statement) where origin = 'suggested';

-- What people wrote in the review; everything else in a postmortem is derived from the incident when asked.
create table postmortems (
  incident_id uuid primary key references incidents (id) on delete cascade,
  summary text not null default '',
  impact text not null default '',
  root_cause text not null default '',
  lessons text not null default '',
  follow_ups jsonb not null default '[]'::jsonb check (jsonb_typeof(follow_ups) = 'array'),
  updated_by text not null,
  updated_at timestamptz not null default date_trunc('milliseconds', now()),
  version integer not null default 1
);
