-- requires: zone_read_as_abbreviation
-- Every zone PostgreSQL knows, and whether SQL reads its name as such an abbreviation: such a name
-- dates sessions wrongly in every SQL rebuild. One scan of the zone list.
create or replace function zone_names() returns table (name text, read_as_abbreviation boolean)
language sql stable as $$
  select n.name, case when a.abbrev is null then false else zone_read_as_abbreviation(n.name) end
  from pg_timezone_names n
  left join (select distinct lower(abbrev) as abbrev from pg_timezone_abbrevs) a on a.abbrev = lower(n.name)
$$;
