-- Zone names PostgreSQL reads as abbreviations. For AT TIME ZONE (and so for every SQL rebuild)
-- PostgreSQL looks a text zone up in pg_timezone_abbrevs before the zone database: `CET`, `EET`, `MET`
-- and `WET` are fixed offsets there (+01, +02, +01, +00), while their zone files, which the runtime's
-- ICU follows, keep summer time. Such a name is stored as a zone with the same rules that PostgreSQL
-- cannot read as an abbreviation (CET as Europe/Brussels), on every path; this migration rewrites the
-- rows stored before and rebuilds their users. The names come from a lookup, never from a list.

-- Noon UTC of every day of the supported range: from 2000-01-01 (no session starts earlier) to a
-- year from now (no session ends, and no streak expires, later).
create function zone_sample_days() returns timestamptz[]
language sql stable as $$
  select array(select generate_series(timestamptz '2000-01-01 12:00:00+00', now() + interval '1 year', interval '1 day'))
$$;

-- The wall clock of p_zone at each instant by its zone file's rules: the TimeZone setting never reads
-- a name as an abbreviation. The function's SET clause restores the caller's setting on return.
create function zone_file_clocks(p_zone text, p_at timestamptz[]) returns timestamp[]
language plpgsql stable strict
set timezone = 'UTC'
as $$
begin
  perform set_config('timezone', p_zone, true);
  return array(select u.t::timestamp from unnest(p_at) with ordinality as u(t, i) order by u.i);
end;
$$;

-- True when two zones' files give the same wall clock over the supported range, transitions included:
-- every noon, and every quarter hour of the days whose offset changes.
create function zone_rules_agree(p_a text, p_b text) returns boolean
language plpgsql stable strict as $$
declare
  v_days timestamptz[] := zone_sample_days();
  v_a timestamp[] := zone_file_clocks(p_a, v_days);
  v_around timestamptz[];
begin
  if v_a is distinct from zone_file_clocks(p_b, v_days) then
    return false;
  end if;
  -- Equal at both noons, so where p_b's offset changes between them p_a's does too.
  v_around := array(
    select v_days[i - 1] + q * interval '15 minutes'
    from generate_subscripts(v_days, 1) as i, generate_series(1, 95) as q
    where i > 1 and v_a[i] - v_a[i - 1] <> interval '1 day'
    order by 1);
  return zone_file_clocks(p_a, v_around) is not distinct from zone_file_clocks(p_b, v_around);
end;
$$;

-- Every zone PostgreSQL knows, and whether it also reads the name as an abbreviation (pg_timezone_abbrevs)
-- whose fixed offset, which AT TIME ZONE applies, disagrees with the zone's own rules on some day of the
-- supported range: such a name dates sessions wrongly in every SQL rebuild. One scan of the zone list.
create function zone_names() returns table (name text, read_as_abbreviation boolean)
language sql stable as $$
  select n.name,
         case when not exists (select from pg_timezone_abbrevs a where lower(a.abbrev) = lower(n.name)) then false
              else zone_file_clocks(n.name, d.days)
                   is distinct from array(select u.t at time zone n.name from unnest(d.days) with ordinality as u(t, i) order by u.i)
         end
  from pg_timezone_names n, zone_sample_days() as d(days)
$$;

create function zones_read_as_abbreviations() returns table (name text)
language sql stable as $$
  select z.name from zone_names() z where z.read_as_abbreviation order by z.name
$$;

-- The name to store for p_zone, a zone read as an abbreviation: p_proposed (spelled as pg_timezone_names
-- spells it), when PostgreSQL cannot read it as an abbreviation and its rules agree with p_zone's; else null.
create function zone_storage_name(p_zone text, p_proposed text) returns text
language sql stable strict as $$
  select p_proposed
  where not exists (select from pg_timezone_abbrevs a where lower(a.abbrev) = lower(p_proposed))
    and zone_rules_agree(p_zone, p_proposed)
$$;

-- The target is the runtime's own proposal (ICU's canonical zone, which the migrator provides in
-- runtime_zone_names), verified by zone_storage_name as the write paths verify it: SQL alone cannot
-- choose, since several zones share a name's rules (Europe/Brussels and Europe/Amsterdam for CET).
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
