create or replace function local_date_of(t timestamptz, tz text)
returns date
language sql
immutable parallel safe strict
as $$
  select (t at time zone tz)::date
$$;
