-- requires: local_day_start_search, zone_offset
-- The first instant of date d in tz for a day starting `minutes` after midnight: the first instant
-- whose wall clock reads d + minutes or later. `timestamp at time zone` is right where that wall time
-- does not exist, but where it repeats (America/Havana 2025-11-02 at midnight) PostgreSQL picks the
-- later occurrence; so try it at the offset in force a day before and a day after, and keep the
-- earliest candidate where the wall clock really crosses it. PL/pgSQL: its plans live for the session,
-- where a SQL function called from the write path was parsed again each time.
create or replace function local_day_start(d date, tz text, minutes integer default 0)
returns timestamptz
language plpgsql
immutable parallel safe strict
as $$
declare
  v_target timestamp := d + minutes * interval '1 minute';
  v_wall timestamptz := v_target at time zone 'UTC';
  v_early timestamptz := v_wall - zone_offset(v_wall - interval '1 day', tz);
  v_late timestamptz := v_wall - zone_offset(v_wall + interval '1 day', tz);
  v_candidate timestamptz;
begin
  foreach v_candidate in array array[least(v_early, v_late), greatest(v_early, v_late)] loop
    if (v_candidate at time zone tz) >= v_target and ((v_candidate - interval '1 microsecond') at time zone tz) < v_target then
      return v_candidate;
    end if;
  end loop;
  return local_day_start_search(v_target, tz);
end;
$$;
