-- Noon UTC of every day of the supported range: from 2000-01-01 (no session starts earlier) to a
-- year from now (no session ends, and no streak expires, later). Steps of 24 hours, not '1 day',
-- which would follow the wall clock of whatever zone the TimeZone setting holds.
create or replace function zone_sample_days() returns setof timestamptz
language sql stable rows 10000 as $$
  select generate_series(timestamptz '2000-01-01 12:00:00+00', now() + interval '1 year', interval '24 hours')
$$;
