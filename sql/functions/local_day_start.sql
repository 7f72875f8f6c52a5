-- requires: local_date_of, local_day_start_search, zone_offset
-- The first instant whose local date in tz is d. `d::timestamp at time zone tz` is right where
-- midnight does not exist, but where it repeats (America/Havana 2025-11-02) PostgreSQL picks the
-- later occurrence; so try midnight at the offset in force a day before and a day after and keep
-- the earliest candidate that really is the first instant of d (as startOfLocalDate does). PL/pgSQL:
-- its plans live for the session, where a SQL function called from the write path was parsed again each time.
create or replace function local_day_start(d date, tz text)
returns timestamptz
language plpgsql
immutable parallel safe strict
as $$
declare
  v_wall timestamptz := d::timestamp at time zone 'UTC';
  v_early timestamptz := v_wall - zone_offset(v_wall - interval '1 day', tz);
  v_late timestamptz := v_wall - zone_offset(v_wall + interval '1 day', tz);
  v_candidate timestamptz;
begin
  foreach v_candidate in array array[least(v_early, v_late), greatest(v_early, v_late)] loop
    if local_date_of(v_candidate, tz) = d and local_date_of(v_candidate - interval '1 microsecond', tz) < d then
      return v_candidate;
    end if;
  end loop;
  return local_day_start_search(d, tz);
end;
$$;
