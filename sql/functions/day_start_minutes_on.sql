-- The minutes after midnight date d begins at, by a user's schedule (user_streaks.day_start_from and
-- day_start_minutes, ascending): those of the latest change effective on or before d; 0 before the
-- first change and for a user without one (null arrays).
create or replace function day_start_minutes_on(p_from date[], p_minutes integer[], d date)
returns integer
language sql
immutable parallel safe
as $$
  select coalesce((select x.m from unnest(p_from, p_minutes) x (f, m) where x.f <= d order by x.f desc limit 1), 0)
$$;
