-- requires: zone_sample_days
-- True when PostgreSQL reads p_zone as an abbreviation (pg_timezone_abbrevs) whose fixed offset, which
-- AT TIME ZONE applies, disagrees at some noon of the supported range with the zone file's rules, which
-- the TimeZone setting applies (it never reads an abbreviation). The SET clause restores the caller's zone.
create or replace function zone_read_as_abbreviation(p_zone text) returns boolean
language plpgsql stable strict
set timezone = 'UTC'
as $$
begin
  if not exists (select from pg_timezone_abbrevs a where lower(a.abbrev) = lower(p_zone)) then
    return false;
  end if;
  perform set_config('timezone', p_zone, true);
  return exists (select from zone_sample_days() t where t::timestamp <> (t at time zone p_zone));
end;
$$;
