-- A personal day start: a day-start adjustment says that from its local_date on the user's dates begin
-- `minutes` after local midnight. Like freezes and repairs it is an event, revocable, recorded with who,
-- when and why; the dates are derived from the events, so past dates never move unless an operator says so.
alter table streak_adjustments add column minutes integer;
alter table streak_adjustments drop constraint streak_adjustments_kind_check;
alter table streak_adjustments drop constraint streak_adjustments_check;
alter table streak_adjustments
  add constraint streak_adjustments_kind_check check (kind in ('grant-freezes', 'repair', 'day-start', 'revoke')),
  add constraint streak_adjustments_fields_check check (case kind
    when 'grant-freezes' then count between 1 and 100 and minutes is null and local_date is not null and revokes is null
    when 'repair' then count is null and minutes is null and local_date is not null and revokes is null
    -- 0–720 in quarter hours: every date keeps a positive length whatever the change.
    when 'day-start' then count is null and minutes between 0 and 720 and minutes % 15 = 0 and local_date is not null and revokes is null
    else count is null and minutes is null and local_date is null and revokes is not null
  end);

-- The user's schedule, derived from their day-start adjustments by rebuild_streaks (the latest change
-- per effective date, revoked ones left out), ascending by date; null for a user who never set one. Kept
-- on the row the write path locks anyway, so splitting a session costs no extra read.
alter table user_streaks
  add column day_start_from date[],
  add column day_start_minutes integer[],
  add constraint user_streaks_day_start_check check (
    (day_start_from is null) = (day_start_minutes is null)
    and coalesce(cardinality(day_start_from) = cardinality(day_start_minutes), true));

-- These take the schedule now (sql/functions); the migrator re-creates them after this migration.
drop function if exists day_credits(text[], date[], timestamptz, timestamptz);
drop function if exists session_pieces(timestamptz, timestamptz, text);
drop function if exists session_pieces_walk(timestamptz, timestamptz, text);
drop function if exists local_day_start(date, text);
drop function if exists local_day_start_search(date, text);
drop function if exists apply_streak_adjustment(text, text, text, integer, date, text, text, text, integer, integer);
