-- Slow path of local_day_start: the first whole second whose wall clock in tz reads p_target or later,
-- where the clock jumps over it (a transition that is not at the day's start, or a date the zone
-- skipped entirely, which then starts where the next date starts).
create or replace function local_day_start_search(p_target timestamp, tz text)
returns timestamptz
language plpgsql
immutable parallel safe strict
as $$
declare
  lo bigint := extract(epoch from (p_target at time zone 'UTC'))::bigint - 26 * 3600;
  hi bigint := lo + 52 * 3600;
  mid bigint;
begin
  while hi - lo > 1 loop
    mid := lo + (hi - lo) / 2;
    if ((timestamptz 'epoch' + mid * interval '1 second') at time zone tz) >= p_target then hi := mid; else lo := mid; end if;
  end loop;
  return timestamptz 'epoch' + hi * interval '1 second';
end;
$$;
