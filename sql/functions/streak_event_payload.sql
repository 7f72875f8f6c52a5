-- requires: iso_utc, iso_dates, local_day_start, day_start_minutes_on
-- The streak-updated event (the Pub/Sub message's data) of a user_streaks row. The streak expires
-- when the date after the last qualified one and the dates the known freezes cover have passed (dates
-- begin at the user's day start). dayStartMinutes is the user's setting: the minutes of their latest
-- change, which may take effect from tomorrow.
create or replace function streak_event_payload(s user_streaks)
returns jsonb
language sql
stable
as $$
  select jsonb_build_object(
    'userId', s.user_id,
    'version', s.version,
    'currentStreak', s.current_streak,
    'longestStreak', s.longest_streak,
    'lastQualifiedDate', to_char(s.last_qualified_date, 'YYYY-MM-DD'),
    'qualifiedDaysCount', s.qualified_days_count,
    'timezone', s.timezone,
    -- Most users keep midnight: the schedule is only read for those who set one (it is on every write's path).
    'streakExpiresAt', iso_utc(case when s.day_start_from is null then local_day_start(s.last_qualified_date + s.freeze_reach + 2, s.timezone)
                                    else local_day_start(s.last_qualified_date + s.freeze_reach + 2, s.timezone,
                                                         day_start_minutes_on(s.day_start_from, s.day_start_minutes, s.last_qualified_date + s.freeze_reach + 2)) end),
    'updatedAt', iso_utc(s.updated_at),
    'freezesAvailable', s.freezes_available,
    'frozenDates', iso_dates(s.frozen_dates),
    'dayStartMinutes', coalesce(s.day_start_minutes[cardinality(s.day_start_minutes)], 0))
$$;
