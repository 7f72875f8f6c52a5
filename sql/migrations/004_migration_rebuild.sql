-- Set-based rebuild of derived tables for the migration toolkit (backfill, recompute, reproject).
-- It must agree exactly with the TypeScript domain (functions/src/domain: splitSession,
-- creditByDate, runsOf, startOfLocalDate); scripts/test/rebuildStreaks.test.ts checks it does.

-- Wall clock minus UTC at instant t in zone tz.
create function zone_offset(t timestamptz, tz text) returns interval
language sql immutable strict parallel safe as $$
  select (t at time zone tz) - (t at time zone 'UTC')
$$;

create function local_date_of(t timestamptz, tz text) returns date
language sql immutable strict parallel safe as $$
  select (t at time zone tz)::date
$$;

-- Slow path: the first whole second whose local date is >= d (a transition that is not at midnight,
-- or a date the zone skipped entirely, which then starts where the next date starts).
create function local_day_start_search(d date, tz text) returns timestamptz
language plpgsql immutable strict parallel safe as $$
declare
  lo bigint := extract(epoch from (d::timestamp at time zone 'UTC'))::bigint - 26 * 3600;
  hi bigint := lo + 52 * 3600;
  mid bigint;
begin
  while hi - lo > 1 loop
    mid := lo + (hi - lo) / 2;
    if local_date_of(timestamptz 'epoch' + mid * interval '1 second', tz) >= d then hi := mid; else lo := mid; end if;
  end loop;
  return timestamptz 'epoch' + hi * interval '1 second';
end;
$$;

-- The first instant whose local date in tz is d. `d::timestamp at time zone tz` is right where
-- midnight does not exist, but where it repeats (America/Havana 2025-11-02) PostgreSQL picks the
-- later occurrence; so try midnight at the offset in force a day before and a day after and keep
-- the earliest candidate that really is the first instant of d (as startOfLocalDate does).
create function local_day_start(d date, tz text) returns timestamptz
language sql immutable strict parallel safe as $$
  select coalesce(
    (select c
       from (select d::timestamp at time zone 'UTC' as w) w,
            lateral (values (w.w - zone_offset(w.w - interval '1 day', tz)),
                            (w.w - zone_offset(w.w + interval '1 day', tz))) as v(c)
      where local_date_of(c, tz) = d and local_date_of(c - interval '1 microsecond', tz) < d
      order by c
      limit 1),
    local_day_start_search(d, tz))
$$;

-- Where the wall clock fell back across the midnight that starts d (St. John's before 2011,
-- Casey 2010), d starts at b, the clock returns to d - 1 at some instant t, and midnight comes
-- again at m. Returns t, the first instant in (b, m) whose local date is before d, or null.
create function local_day_fallback(b timestamptz, m timestamptz, d date, tz text) returns timestamptz
language plpgsql immutable strict parallel safe as $$
declare
  lo bigint := floor(extract(epoch from b) * 1000000)::bigint;
  hi bigint := floor(extract(epoch from m) * 1000000)::bigint - 1;
  mid bigint;
begin
  if local_date_of(timestamptz 'epoch' + hi * interval '1 microsecond', tz) >= d then
    return null;
  end if;
  while hi - lo > 1 loop
    mid := lo + (hi - lo) / 2;
    if local_date_of(timestamptz 'epoch' + mid * interval '1 microsecond', tz) >= d then lo := mid; else hi := mid; end if;
  end loop;
  return timestamptz 'epoch' + hi * interval '1 microsecond';
end;
$$;

-- ISO-8601 in UTC with milliseconds, as JavaScript's toISOString writes it (the event contract).
create function iso_utc(t timestamptz) returns text
language sql immutable strict parallel safe as $$
  select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- The streak-updated event (the Pub/Sub message's data) of a user_streaks row.
create function streak_event_payload(s user_streaks) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'userId', s.user_id,
    'version', s.version,
    'currentStreak', s.current_streak,
    'longestStreak', s.longest_streak,
    'lastQualifiedDate', to_char(s.last_qualified_date, 'YYYY-MM-DD'),
    'qualifiedDaysCount', s.qualified_days_count,
    'timezone', s.timezone,
    'streakExpiresAt', iso_utc(local_day_start(s.last_qualified_date + 2, s.timezone)),
    'updatedAt', iso_utc(s.updated_at))
$$;

-- Rebuilds daily_focus, streak_runs, users.timezone and user_streaks of the given users from
-- focus_sessions. Bumps version and (if p_project) queues one outbox row only for users whose
-- streak or zone changed, so running it twice changes nothing. Returns the changed users.
create function rebuild_streaks(p_users text[], p_qualify_seconds integer, p_project boolean default true)
returns table (user_id text, version bigint)
language plpgsql
-- Sorts of a million pieces stay in memory instead of spilling to disk (only for this call).
set work_mem = '128MB'
as $$
begin
  -- The write path's row lock (002): a rebuild and a concurrent accept of one user serialize; the
  -- id order keeps two concurrent rebuilds from deadlocking.
  insert into user_streaks (user_id)
  select u.id from users u
  where u.id = any (p_users) and exists (select from focus_sessions f where f.user_id = u.id)
  on conflict do nothing;
  perform 1 from user_streaks s where s.user_id = any (p_users) order by s.user_id for update;
  -- An accept that read these users before the rebuild must not write what it computed from that read.
  update user_streaks s set revision = s.revision + 1 where s.user_id = any (p_users);

  delete from daily_focus f where f.user_id = any (p_users);
  insert into daily_focus (user_id, local_date, focus_seconds)
  with sessions as (
    select f.user_id, f.start_time as s, f.end_time as e, f.timezone as tz,
           least(local_date_of(f.start_time, f.timezone), local_date_of(f.end_time - interval '1 microsecond', f.timezone)) as lo,
           greatest(local_date_of(f.start_time, f.timezone), local_date_of(f.end_time - interval '1 microsecond', f.timezone)) as hi
    from focus_sessions f
    where f.user_id = any (p_users)
  ),
  -- A session is simple when it starts and ends on one date and no midnight repeats the next day
  -- (only a clock falling back across midnight can make a date hold two pieces).
  zone_days as (
    select distinct r.tz, r.lo + i as d
    from (select distinct s.tz, s.lo, s.hi from sessions s) r, generate_series(-1, (r.hi - r.lo) + 2) as i
  ),
  starts as (
    select z.tz, z.d, local_day_start(z.d, z.tz) as b,
           (z.d::timestamp at time zone 'UTC') - zone_offset((z.d::timestamp at time zone 'UTC') + interval '1 day', z.tz) as late
    from zone_days z
  ),
  repeats as (
    select st.tz, st.d, st.b, st.late as m
    from starts st
    where st.late > st.b and (st.late at time zone st.tz) = st.d::timestamp
  ),
  bounds as (
    select st.tz, st.b from starts st
    union select r.tz, r.m from repeats r
    union select r.tz, t from repeats r, local_day_fallback(r.b, r.m, r.d, r.tz) t where t is not null
  ),
  -- Between consecutive boundaries the local date is constant: label each stretch by its start.
  segments as (
    select x.tz, x.seg_start, x.seg_end, local_date_of(x.seg_start, x.tz) as d
    from (select b1.tz, b1.b as seg_start, lead(b1.b) over (partition by b1.tz order by b1.b) as seg_end from bounds b1) x
    where x.seg_end is not null
  ),
  flagged as (
    select s.*, (s.lo = s.hi and not exists (select from repeats r where r.tz = s.tz and r.d = s.lo + 1)) as simple
    from sessions s
  ),
  simple_pieces as (
    select f.user_id, f.lo as d, f.s as ps, f.e as pe from flagged f where f.simple
  ),
  split_pieces as (
    select f.user_id, g.d, greatest(f.s, g.seg_start) as ps, least(f.e, g.seg_end) as pe
    from flagged f
    cross join lateral generate_series(-1, (f.hi - f.lo) + 1) as i
    join segments g on g.tz = f.tz and g.d = f.lo + i and g.seg_start < f.e and g.seg_end > f.s
    where not f.simple
  ),
  pieces as (
    select * from simple_pieces union all select * from split_pieces
  ),
  -- Union length per (user, date): sweep pieces by start, counting only what lies beyond the
  -- furthest end seen so far (overlapping devices never double count).
  swept as (
    select p.user_id, p.d, p.ps, p.pe,
           max(p.pe) over (partition by p.user_id, p.d order by p.ps, p.pe rows between unbounded preceding and 1 preceding) as covered
    from pieces p
  )
  select w.user_id, w.d,
         floor(sum(greatest(extract(epoch from w.pe) - extract(epoch from greatest(w.ps, coalesce(w.covered, w.ps))), 0)))::int
  from swept w
  group by w.user_id, w.d
  having floor(sum(greatest(extract(epoch from w.pe) - extract(epoch from greatest(w.ps, coalesce(w.covered, w.ps))), 0))) > 0;

  -- Gaps and islands: consecutive qualified dates share date - row_number.
  delete from streak_runs r where r.user_id = any (p_users);
  insert into streak_runs (user_id, start_date, end_date)
  select q.user_id, min(q.local_date), max(q.local_date)
  from (
    select f.user_id, f.local_date, f.local_date - (row_number() over (partition by f.user_id order by f.local_date))::int as grp
    from daily_focus f
    where f.user_id = any (p_users) and f.focus_seconds >= p_qualify_seconds
  ) q
  group by q.user_id, q.grp;

  -- "Today" is judged in the zone of the latest-ending session; ties by id, as the write path does.
  update users u set timezone = z.timezone, updated_at = now()
  from (
    select distinct on (f.user_id) f.user_id, f.timezone
    from focus_sessions f
    where f.user_id = any (p_users)
    order by f.user_id, f.end_time desc, f.session_id collate "C" desc
  ) z
  where u.id = z.user_id and u.timezone is distinct from z.timezone;

  return query
  with runs as (
    select r.user_id, r.end_date, (r.end_date - r.start_date + 1) as len
    from streak_runs r where r.user_id = any (p_users)
  ),
  totals as (
    select r.user_id, max(r.len) as longest, sum(r.len) as days, max(r.end_date) as last
    from runs r group by r.user_id
  ),
  current_run as (
    select distinct on (r.user_id) r.user_id, r.len from runs r order by r.user_id, r.end_date desc
  ),
  computed as (
    select s.user_id, coalesce(c.len, 0)::int as cs, coalesce(t.longest, 0)::int as ls, t.last,
           coalesce(t.days, 0)::int as qc, u.timezone as tz
    from user_streaks s
    join users u on u.id = s.user_id
    left join totals t on t.user_id = s.user_id
    left join current_run c on c.user_id = s.user_id
    where s.user_id = any (p_users) and exists (select from focus_sessions f where f.user_id = s.user_id)
  ),
  changed as (
    update user_streaks s set
      current_streak = c.cs, longest_streak = c.ls, last_qualified_date = c.last,
      qualified_days_count = c.qc, timezone = c.tz, version = s.version + 1, updated_at = now()
    from computed c
    where s.user_id = c.user_id
      and (s.current_streak, s.longest_streak, s.last_qualified_date, s.qualified_days_count, s.timezone)
          is distinct from (c.cs, c.ls, c.last, c.qc, c.tz)
    returning s.*
  ),
  queued as (
    insert into streak_outbox (user_id, version, payload)
    select c.user_id, c.version, streak_event_payload(c) from changed c where p_project
    returning streak_outbox.user_id
  )
  select c.user_id, c.version from changed c;
end;
$$;

-- Queues the current streaks of the given users (null = all) for projection, for `reproject`.
-- A user whose current version still waits in the outbox is skipped (it will be published);
-- otherwise the version is bumped, because the projector ignores versions it already holds and
-- the Firestore document may have been overwritten by a legacy writer since. Version 0 (never
-- computed) is skipped: projecting it would replace a legacy streak with zeros.
create function enqueue_streak_projection(p_users text[])
returns table (user_id text, version bigint)
language plpgsql as $$
begin
  return query
  with locked as (
    select s.user_id from user_streaks s
    where (p_users is null or s.user_id = any (p_users)) and s.version > 0
      and not exists (
        select from streak_outbox o
        where o.user_id = s.user_id and o.version = s.version and o.published_at is null and o.superseded_at is null)
    order by s.user_id
    for update of s
  ),
  bumped as (
    -- revision too: an accept that read the old version must read again, or two rows would share a version.
    update user_streaks s set version = s.version + 1, revision = s.revision + 1, updated_at = now()
    from locked l where s.user_id = l.user_id
    returning s.*
  ),
  queued as (
    insert into streak_outbox (user_id, version, payload)
    select b.user_id, b.version, streak_event_payload(b) from bumped b
    returning streak_outbox.user_id
  )
  select b.user_id, b.version from bumped b;
end;
$$;

-- Users whose sessions a backfill run inserted, so the closing rebuild can be resumed too:
-- rebuilt_at is set in the same transaction as each chunk's rebuild.
create table backfill_run_users (
  run_id      text not null references backfill_runs (id),
  user_id     text not null,
  rebuilt_at  timestamptz,
  primary key (run_id, user_id)
);
create index backfill_run_users_pending_idx on backfill_run_users (run_id, user_id) where rebuilt_at is null;

-- The zone of the legacy users/{uid} document, as the users backfill read it. Sessions without a
-- zone fall back to it; users.timezone cannot serve, since it follows the latest
-- session and would make a re-run accept what the first run rejected.
alter table users add column legacy_timezone text;
