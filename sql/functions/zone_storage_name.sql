-- requires: zone_sample_days
-- The name to store for p_zone, a zone read as an abbreviation: p_proposed (spelled as pg_timezone_names
-- spells it) when PostgreSQL cannot read it as an abbreviation and its rules agree with p_zone's file at
-- every noon of the supported range and every quarter hour of the days whose offset changes; else null.
create or replace function zone_storage_name(p_zone text, p_proposed text) returns text
language plpgsql stable strict
set timezone = 'UTC'
as $$
begin
  if exists (select from pg_timezone_abbrevs a where lower(a.abbrev) = lower(p_proposed)) then
    return null;
  end if;
  -- p_zone's rules through the TimeZone setting; p_proposed's through AT TIME ZONE, now that it is no abbreviation.
  perform set_config('timezone', p_zone, true);
  if exists (select from zone_sample_days() t where t::timestamp <> (t at time zone p_proposed)) then
    return null;
  end if;
  -- Equal at every noon, so p_proposed's offset changes only between noons where p_zone's does.
  if exists (
    select
    from (select t, t::timestamp - lag(t::timestamp) over (order by t) as step from zone_sample_days() t) d,
         generate_series(1, 95) as q,
         lateral (select d.t - q * interval '15 minutes' as at) i
    where d.step <> interval '1 day' and i.at::timestamp <> (i.at at time zone p_proposed)
  ) then
    return null;
  end if;
  return p_proposed;
end;
$$;
