-- requires: local_date_of, local_day_start_search, zone_offset
-- The first instant whose local date in tz is d. `d::timestamp at time zone tz` is right where
-- midnight does not exist, but where it repeats (America/Havana 2025-11-02) PostgreSQL picks the
-- later occurrence; so try midnight at the offset in force a day before and a day after and keep
-- the earliest candidate that really is the first instant of d (as startOfLocalDate does).
create or replace function local_day_start(d date, tz text)
returns timestamptz
language sql
immutable parallel safe strict
as $$
  select coalesce(
    (select c
       from (select d::timestamp at time zone 'UTC' as w) w,
            lateral (values (w.w - zone_offset(w.w - interval '1 day', tz)),
                            (w.w - zone_offset(w.w + interval '1 day', tz))) as v(c)
      where local_date_of(c, tz) = d and local_date_of(c - interval '1 microsecond', tz) < d
      order by c
      limit 1),
    local_day_start_search(d, tz))
$$;
