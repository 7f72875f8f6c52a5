-- requires: local_date_of
-- Slow path: the first whole second whose local date is >= d (a transition that is not at midnight,
-- or a date the zone skipped entirely, which then starts where the next date starts).
create or replace function local_day_start_search(d date, tz text)
returns timestamptz
language plpgsql
immutable parallel safe strict
as $$
declare
  lo bigint := extract(epoch from (d::timestamp at time zone 'UTC'))::bigint - 26 * 3600;
  hi bigint := lo + 52 * 3600;
  mid bigint;
begin
  while hi - lo > 1 loop
    mid := lo + (hi - lo) / 2;
    if local_date_of(timestamptz 'epoch' + mid * interval '1 second', tz) >= d then hi := mid; else lo := mid; end if;
  end loop;
  return timestamptz 'epoch' + hi * interval '1 second';
end;
$$;
