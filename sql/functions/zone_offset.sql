-- Wall clock minus UTC at instant t in zone tz.
create or replace function zone_offset(t timestamptz, tz text)
returns interval
language sql
immutable parallel safe strict
as $$
  select (t at time zone tz) - (t at time zone 'UTC')
$$;
