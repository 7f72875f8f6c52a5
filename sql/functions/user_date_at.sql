-- requires: local_date_of, local_day_start, day_start_minutes_on, zone_offset
-- The user's date at instant t in tz: the latest date begun by then (local_day_start with the minutes
-- of the user's schedule), so a date never begins twice, even where a clock falls back across a
-- day's start. Without a schedule, and with no fall-back in the 26 h before t, that is the wall date.
create or replace function user_date_at(t timestamptz, tz text, p_from date[], p_minutes integer[])
returns date
language plpgsql
immutable parallel safe
as $$
declare
  v_wall date := local_date_of(t, tz);
  v_date date;
begin
  if p_from is null and zone_offset(t - interval '26 hours', tz) <= zone_offset(t, tz) then
    return v_wall;
  end if;
  foreach v_date in array array[v_wall + 1, v_wall] loop
    if local_day_start(v_date, tz, day_start_minutes_on(p_from, p_minutes, v_date)) <= t then
      return v_date;
    end if;
  end loop;
  return v_wall - 1;
end;
$$;
