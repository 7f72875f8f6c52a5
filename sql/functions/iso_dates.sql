-- Dates as a JSON array of "YYYY-MM-DD" strings, ascending (the event contract).
create or replace function iso_dates(p_dates date[])
returns jsonb
language sql
immutable parallel safe strict
as $$
  select coalesce(jsonb_agg(to_char(d, 'YYYY-MM-DD') order by d), '[]') from unnest(p_dates) d
$$;
