-- On call, escalation half (issue 20, design: "Reaching people"): escalation policies, the policy a service names,
-- one escalation per incident, the steps it fired, and pages as deliveries. Step timers are pg-boss jobs on their
-- own queue (store/jobQueue.ts), written in the transaction that schedules them.

-- Steps are one jsonb array (domain/escalation.ts EscalationStep: target, waitMinutes, urgency), read and replaced
-- whole under the policy's version, like a schedule's layers.
create table escalation_policies (
  id uuid primary key default gen_random_uuid(),
  name text not null unique check (length(name) between 1 and 100),
  description text not null default '',
  steps jsonb not null default '[]'::jsonb check (jsonb_typeof(steps) = 'array'),
  -- How many times the steps run again after the last one.
  repeat integer not null default 0 check (repeat between 0 and 10),
  created_by text not null,
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  updated_at timestamptz not null default date_trunc('milliseconds', now()),
  version integer not null default 1
);
create index escalation_policies_steps on escalation_policies using gin (steps jsonb_path_ops);

-- A service's default policy, and per severity another ({"critical": "<policy id>"}). Deleting a policy a service
-- names is refused by the store (ESCALATION_POLICY_IN_USE), so the default's foreign key only backs that up.
alter table services
  add column escalation_policy_id uuid references escalation_policies (id) on delete restrict,
  add column escalation_policies jsonb not null default '{}'::jsonb check (jsonb_typeof(escalation_policies) = 'object');

-- One per incident. The policy's steps are copied in when it starts: an edit to the policy applies to the next
-- incident, not to pages already under way (what was previewed is what runs).
-- `version` is the fence: every step fired, "escalate now", acknowledge and resolve bump it in the transaction
-- that writes their pages, and a step's timer job carries the version it was scheduled at, so a job that is late,
-- repeated or raced by another replica finds the version moved on and fires nothing.
create table escalations (
  incident_id uuid primary key references incidents (id) on delete cascade,
  policy_id uuid references escalation_policies (id) on delete set null,
  policy_name text not null,
  steps jsonb not null check (jsonb_typeof(steps) = 'array'),
  repeat integer not null,
  -- The step that fires next (0-based) and the pass over the list it belongs to (0: the first, up to repeat).
  step integer not null default 0,
  pass integer not null default 0,
  state text not null default 'active' check (state in ('active', 'acknowledged', 'resolved', 'exhausted')),
  next_step_at timestamptz,
  version integer not null default 1,
  started_by text not null,
  started_at timestamptz not null default date_trunc('milliseconds', now()),
  stopped_at timestamptz,
  stopped_by text,
  updated_at timestamptz not null default date_trunc('milliseconds', now())
);
create index escalations_policy on escalations (policy_id);

-- Every step fired: which one, why (its timer, "escalate now", the start), whom it was for, and what happened
-- when nobody could be paged. Its pages are the deliveries naming it.
create table escalation_steps (
  id uuid primary key default gen_random_uuid(),
  incident_id uuid not null references escalations (incident_id) on delete cascade,
  step integer not null,
  pass integer not null,
  trigger text not null check (trigger in ('start', 'timer', 'escalate_now')),
  target jsonb not null,
  urgency text not null check (urgency in ('low', 'high')),
  -- Why nobody was paged (a gap in the schedule, no reachable contact method), null when someone was.
  problem text,
  -- Its pages in the order they were tried (the person's contact methods' order).
  delivery_ids uuid[] not null default '{}',
  fired_by text not null,
  fired_at timestamptz not null default date_trunc('milliseconds', now())
);
create index escalation_steps_incident on escalation_steps (incident_id, fired_at);

-- A page is a delivery: one per contact method tried, all of a person's methods at once (a phone on silent must
-- not hold up the email), each through the channel the method names. `recipient` says whom it is for
-- ({personId, login, name, kind, target}: the address, ntfy topic, Slack mention or webhook label the sender uses
-- in place of the channel's own); null for a page to a channel itself. `urgency` becomes the channel's priority.
alter table deliveries drop constraint deliveries_event_check;
alter table deliveries add constraint deliveries_event_check check (event in ('declared', 'severity_raised',
  'status_changed', 'acknowledged', 'resolved', 'top_finding', 'update_posted', 'test', 'paged'));
alter table deliveries
  add column recipient jsonb check (recipient is null or jsonb_typeof(recipient) = 'object'),
  add column urgency text check (urgency in ('low', 'high')),
  add column escalation_step_id uuid references escalation_steps (id) on delete cascade;
create index deliveries_escalation_step on deliveries (escalation_step_id) where escalation_step_id is not null;
