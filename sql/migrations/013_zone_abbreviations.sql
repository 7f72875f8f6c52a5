-- Zone names PostgreSQL reads as abbreviations. For AT TIME ZONE (and so for every SQL rebuild)
-- PostgreSQL looks a text zone up in pg_timezone_abbrevs before the zone database: `CET`, `EET`, `MET`
-- and `WET` are fixed offsets there (+01, +02, +01, +00), while their zone files, which the runtime's
-- ICU follows, keep summer time. Such a name is stored as a zone with the same rules that PostgreSQL
-- cannot read as an abbreviation (CET as Europe/Brussels), on every path; this migration rewrites the
-- rows stored before and rebuilds their users. The names come from a lookup, never from a list.

-- Noon UTC of every day of the supported range: from 2000-01-01 (no session starts earlier) to a
-- year from now (no session ends, and no streak expires, later). Steps of 24 hours, not '1 day',
-- which would follow the wall clock of whatever zone the TimeZone setting holds.
create function zone_sample_days() returns setof timestamptz
language sql stable rows 10000 as $$
  select generate_series(timestamptz '2000-01-01 12:00:00+00', now() + interval '1 year', interval '24 hours')
$$;

-- True when PostgreSQL reads p_zone as an abbreviation (pg_timezone_abbrevs) whose fixed offset, which
-- AT TIME ZONE applies, disagrees at some noon of the supported range with the zone file's rules, which
-- the TimeZone setting applies (it never reads an abbreviation). The SET clause restores the caller's zone.
create function zone_read_as_abbreviation(p_zone text) returns boolean
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

-- Every zone PostgreSQL knows, and whether SQL reads its name as such an abbreviation: such a name
-- dates sessions wrongly in every SQL rebuild. One scan of the zone list.
create function zone_names() returns table (name text, read_as_abbreviation boolean)
language sql stable as $$
  select n.name, case when a.abbrev is null then false else zone_read_as_abbreviation(n.name) end
  from pg_timezone_names n
  left join (select distinct lower(abbrev) as abbrev from pg_timezone_abbrevs) a on a.abbrev = lower(n.name)
$$;

create function zones_read_as_abbreviations() returns table (name text)
language sql stable as $$
  select z.name from zone_names() z where z.read_as_abbreviation order by z.name
$$;

-- The name to store for p_zone, a zone read as an abbreviation: p_proposed (spelled as pg_timezone_names
-- spells it) when PostgreSQL cannot read it as an abbreviation and its rules agree with p_zone's file at
-- every noon of the supported range and every quarter hour of the days whose offset changes; else null.
create function zone_storage_name(p_zone text, p_proposed text) returns text
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

-- The target is the runtime's proposal (ICU's canonical zone, in runtime_zone_names), verified as on the write paths: SQL cannot choose among zones of equal rules.
do $$
declare
  v_qualify integer := nullif(current_setting('focus.qualify_seconds', true), '')::integer;
  v_unknown text;
  v_users text[];
  v_problem record;
begin
  if v_qualify is null or to_regclass('pg_temp.runtime_zone_names') is null then
    raise exception 'apply this migration with npm run migrate: it needs the runtime''s zone names and QUALIFY_MINUTES';
  end if;
  create temp table zone_respelling on commit drop as
    select z.name, zone_storage_name(z.name, r.canonical) as stored_as
    from zones_read_as_abbreviations() z
    left join runtime_zone_names r on r.name = z.name;

  select string_agg(r.name, ', ' order by r.name) into v_unknown
  from zone_respelling r
  where r.stored_as is null
    and (exists (select from focus_sessions f where lower(f.timezone) = lower(r.name))
      or exists (select from users u where lower(r.name) in (lower(u.timezone), lower(u.legacy_timezone)))
      or exists (select from user_streaks s where lower(s.timezone) = lower(r.name)));
  if v_unknown is not null then
    raise exception 'no zone with the same rules that PostgreSQL cannot read as an abbreviation is known for %', v_unknown;
  end if;

  with rewritten as (
    update focus_sessions f set timezone = r.stored_as
    from zone_respelling r
    where lower(f.timezone) = lower(r.name)
    returning f.user_id
  )
  select array_agg(distinct w.user_id order by w.user_id) into v_users from rewritten w;

  update users u set
    timezone = coalesce((select r.stored_as from zone_respelling r where lower(r.name) = lower(u.timezone)), u.timezone),
    legacy_timezone = coalesce((select r.stored_as from zone_respelling r where lower(r.name) = lower(u.legacy_timezone)), u.legacy_timezone),
    updated_at = now()
  where exists (select from zone_respelling r where lower(r.name) in (lower(u.timezone), lower(u.legacy_timezone)));

  -- Days, runs and streaks of the users whose sessions moved: new versions and outbox rows where they change.
  for v_problem in select * from rebuild_streaks_reporting(coalesce(v_users, '{}'), v_qualify, true) p where p.problem is not null loop
    raise warning 'user % not rebuilt: %', v_problem.user_id, v_problem.problem;
  end loop;

  -- A streak row the rebuild left (a user it could not rebuild) still takes the new name, as a change.
  with bumped as (
    update user_streaks s set timezone = r.stored_as, version = s.version + 1, revision = s.revision + 1, updated_at = now()
    from zone_respelling r
    where lower(s.timezone) = lower(r.name)
    returning s.*
  )
  insert into streak_outbox (user_id, version, payload)
  select b.user_id, b.version, streak_event_payload(b) from bumped b;
end;
$$;
