-- requires: zone_names
create or replace function zones_read_as_abbreviations() returns table (name text)
language sql stable as $$
  select z.name from zone_names() z where z.read_as_abbreviation order by z.name
$$;
