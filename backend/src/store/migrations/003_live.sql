-- The live feed (src/live/): tickets any replica can redeem, the outbox's retention watermark, and the guarantee
-- the outbox reader's gap handling relies on.

-- Single-use tickets for browser WebSockets (browsers cannot set Authorization on an upgrade). A ticket is issued by
-- one replica and may be redeemed on another behind the load balancer, so it lives here, never in memory. Only
-- the SHA-256 of the 256-bit ticket is stored; redeeming is one UPDATE ... WHERE used_at IS NULL.
create table live_tickets (
  ticket_hash bytea primary key,
  role text not null check (role in ('viewer', 'editor', 'admin')),
  actor_name text not null,
  actor_source text not null check (actor_source in ('user', 'api', 'system')),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index live_tickets_expires_at on live_tickets (expires_at);

-- Everything up to pruned_through may have been deleted by retention: a client resuming from an older seq must
-- resync instead of silently missing events.
create table live_outbox_state (
  id boolean primary key default true check (id),
  pruned_through bigint not null default 0
);
insert into live_outbox_state default values;

-- Outbox seqs are allocated at insert but become visible at commit, so a reader can see seq n+1 before n. The reader
-- (src/live/outbox.ts) decides whether a missing seq may still appear by waiting for the transactions that were
-- running when it noticed the gap. That holds only if the owner of a seq already had a transaction id when it took
-- the seq: this trigger makes sure of it (pg_current_xact_id() assigns one), before any row's default runs.
-- It also relies on the identity's default CACHE 1 (seqs handed out in time order across sessions).
create function events_assign_xact_id() returns trigger language plpgsql as $$
begin
  perform pg_current_xact_id();
  return null;
end
$$;
create trigger events_assign_xact_id before insert on events
  for each statement execute function events_assign_xact_id();
