-- ISO-8601 in UTC with milliseconds, as JavaScript's toISOString writes it (the event contract).
create or replace function iso_utc(t timestamptz)
returns text
language sql
immutable parallel safe strict
as $$
  select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
