-- Freezes and repairs: adjustments are events, and the streak is derived from them and the sessions.
-- An adjustment is recorded once, never edited: a revoke is an adjustment naming the one it cancels.
-- Who, when and why are kept with each. Grants and repairs come from operators (the adjust-streaks CLI)
-- and server integrations (the streak-adjustments topic), never from a client.
create table streak_adjustments (
  id          text primary key check (length(id) between 1 and 128),
  user_id     text not null references users (id),
  kind        text not null check (kind in ('grant-freezes', 'repair', 'revoke')),
  -- grant-freezes: how many, effective from local_date; repair: the date it makes qualified.
  count       integer,
  local_date  date,
  revokes     text references streak_adjustments (id),
  reason      text not null check (length(reason) between 1 and 500),
  actor       text not null check (length(actor) between 1 and 200),
  created_at  timestamptz not null default now(),
  check (case kind
    when 'grant-freezes' then count between 1 and 100 and local_date is not null and revokes is null
    when 'repair' then count is null and local_date is not null and revokes is null
    else count is null and local_date is null and revokes is not null
  end)
);
comment on table streak_adjustments is 'Freeze grants, repairs and their revocations: events the streak is derived from.';
create index streak_adjustments_user_idx on streak_adjustments (user_id, kind, local_date);
-- An adjustment is revoked at most once.
create unique index streak_adjustments_revokes_key on streak_adjustments (revokes) where revokes is not null;
create index streak_adjustments_created_idx on streak_adjustments (created_at);

-- The walk's outcome, stored with the streak so the event, the document and the boards read it:
-- the current run's frozen dates, the freezes held as of freezes_as_of (the user's date at the write)
-- and how many dates after the last qualified one the known freezes cover (extends streakExpiresAt).
alter table user_streaks
  add column frozen_dates date[] not null default '{}',
  add column freezes_available integer not null default 0 check (freezes_available >= 0),
  add column freeze_reach integer not null default 0 check (freeze_reach >= 0),
  add column freezes_as_of date,
  -- Whether the user was ever granted freezes or repaired (set when one is recorded, kept when revoked):
  -- the accept path reads them from the row it locks anyway, instead of probing streak_adjustments.
  add column granted boolean not null default false,
  add column repaired boolean not null default false;

-- Both take the freeze cap now (sql/functions); the migrator re-creates them after this migration.
drop function if exists accept_session(text, text, timestamptz, timestamptz, text, text, integer, text, float8, float8, boolean, text);
drop function if exists rebuild_streaks_reporting(text[], integer, boolean);
drop function if exists rebuild_streaks(text[], integer, boolean);
