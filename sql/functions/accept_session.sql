-- requires: accept_session_lock_key, account_deleted, rate_limit_take, session_pieces, day_credits, repaired_dates, streak_walk, streak_event_payload, user_date_at
-- The one entry point that stores a session (callables, the bridge, the reconcile pass), in one
-- statement: the caller's rate-limit token (when p_rate_action is given), the user's lock, the
-- session or its classification, the local dates it touches, their union credit, the runs, the streak
-- and its version, the outbox row. Answers jsonb: status accepted | duplicate | conflict |
-- rate_limited (with retryAfterSeconds) | account_deleted (the Firebase Auth account is gone: nothing
-- is stored), the streak as the streak-updated event has it, the outbox id. p_mirror (callables with
-- MIRROR_TO_LEGACY on) queues an accepted session for the legacy Firestore mirror in the same transaction.
-- p_trace (a W3C traceparent, or null) is stored on the outbox row, so the publish and the projection
-- log under the trace of the request that made the change.
-- Sessions are insert-only, so credit only grows and a date only ever becomes qualified: the runs
-- move incrementally, as the reference model's applySession does, and equal a full rebuild. A repaired
-- date already counts. For a user ever granted freezes the streak is then walked (streak_walk) with
-- p_freeze_cap, as of the user's date now. Both are known from the streak row's flags; the session is
-- split by the user's day-start schedule, kept on the same row.
create or replace function accept_session(
  p_user_id text, p_session_id text, p_start timestamptz, p_end timestamptz, p_timezone text, p_source text,
  p_qualify_seconds integer, p_rate_action text, p_rate_per_minute float8, p_rate_burst float8,
  p_mirror boolean, p_trace text, p_freeze_cap integer default 2)
returns jsonb
language plpgsql
-- Its statements' plans are kept for the session: re-planned per call (custom plans, which inline the
-- SQL functions they call by parsing them again) they cost a quarter of the server's time per accept.
set plan_cache_mode = force_generic_plan
as $$
declare
  v_retry integer;
  v_inserted boolean;
  v_streak user_streaks;
  v_existing focus_sessions;
  v_dates date[];
  v_window_from timestamptz;
  v_window_to timestamptz;
  v_qualified date[];
  v_runs_from date;
  v_runs_to date;
  v_last date;
  v_current integer;
  v_longest integer;
  v_count integer;
  v_zone text;
  v_outbox bigint;
  v_payload jsonb;
  v_frozen date[];
  v_held integer;
  v_reach integer;
  v_as_of date;
begin
  -- One writer per user at a time: the user's lock, which friend calls and deletions hold too, then the
  -- streak row's lock, which rebuilds take.
  perform pg_advisory_xact_lock(accept_session_lock_key(p_user_id));
  if account_deleted(p_user_id) then
    return jsonb_build_object('status', 'account_deleted');
  end if;
  if p_rate_action is not null then
    v_retry := rate_limit_take(p_user_id, p_rate_action, p_rate_per_minute, p_rate_burst);
    if v_retry > 0 then
      return jsonb_build_object('status', 'rate_limited', 'retryAfterSeconds', v_retry);
    end if;
  end if;

  -- Missing: a new user, or one whose data a deletion removed before this lock was ours: the user
  -- starts a new life, above the version floor (the deleted_users triggers lift it).
  select * into v_streak from user_streaks s where s.user_id = p_user_id for update;
  if not found then
    insert into users (id, timezone) values (p_user_id, p_timezone) on conflict (id) do nothing;
    -- A new user's zone is null until the first write sets it: a first "today" zone is a change.
    insert into user_streaks (user_id) values (p_user_id) on conflict (user_id) do nothing;
    select * into v_streak from user_streaks s where s.user_id = p_user_id for update;
  end if;

  -- Stamped when written, under the lock: a session that waited out a deletion is newer than it.
  insert into focus_sessions (session_id, user_id, start_time, end_time, timezone, source, created_at)
  values (p_session_id, p_user_id, p_start, p_end, p_timezone, p_source, clock_timestamp())
  on conflict (user_id, session_id) do nothing;
  v_inserted := found;
  -- Only a callable's session: the bridge's and the backfill's came from legacy Firestore already.
  if v_inserted and p_mirror and p_source = 'callable' then
    insert into legacy_mirror (user_id, session_id) values (p_user_id, p_session_id);
  end if;
  if not v_inserted then
    select * into v_existing from focus_sessions f where f.user_id = p_user_id and f.session_id = p_session_id;
    -- Zones compare by their one spelling, matched without regard to case (rows stored before it).
    if v_existing.start_time = p_start and v_existing.end_time = p_end and lower(v_existing.timezone) = lower(p_timezone) then
      return jsonb_build_object('status', 'duplicate', 'streak', streak_event_payload(v_streak), 'outboxId', null);
    end if;
    return jsonb_build_object('status', 'conflict');
  end if;

  select array_agg(distinct p.local_date order by p.local_date) into v_dates
  from session_pieces(p_start, p_end, p_timezone, v_streak.day_start_from, v_streak.day_start_minutes) p;
  -- Every instant of those dates in any zone (offsets lie within -12 h … +14 h; a day start delays the
  -- end of the last date by up to 12 h); sessions last at most 24 h.
  v_window_from := (v_dates[1]::timestamp at time zone 'UTC') - interval '16 hours';
  v_window_to := ((v_dates[cardinality(v_dates)] + 1)::timestamp at time zone 'UTC')
    + case when v_streak.day_start_from is null then interval '16 hours' else interval '28 hours' end;

  with credits as (
    select c.local_date, c.seconds from day_credits(array[p_user_id], v_dates, v_window_from, v_window_to) c
  ), stored as (
    select d.local_date, d.focus_seconds from daily_focus d where d.user_id = p_user_id and d.local_date = any (v_dates)
  ), written as (
    insert into daily_focus (user_id, local_date, focus_seconds)
    select p_user_id, c.local_date, c.seconds
    from credits c left join stored s on s.local_date = c.local_date
    where c.seconds > 0 and c.seconds is distinct from s.focus_seconds
    on conflict (user_id, local_date) do update set focus_seconds = excluded.focus_seconds
  )
  select array_agg(c.local_date order by c.local_date) into v_qualified
  from credits c left join stored s on s.local_date = c.local_date
  where c.seconds >= p_qualify_seconds and coalesce(s.focus_seconds, 0) < p_qualify_seconds
    and not (v_streak.repaired and exists (select from repaired_dates(array[p_user_id], c.local_date, c.local_date)));

  v_last := v_streak.last_qualified_date;
  v_current := v_streak.current_streak;
  v_longest := v_streak.longest_streak;
  v_count := v_streak.qualified_days_count;
  if v_qualified is not null then
    -- The stored runs touching the new dates (or adjacent to them) merge with them; nothing else moves.
    -- Runs are disjoint and apart, so walking back from the newest date finds every one touching them
    -- within a few index entries, however long the user's history.
    select least(min(r.start_date), v_qualified[1]), greatest(max(r.end_date), v_qualified[cardinality(v_qualified)])
    into v_runs_from, v_runs_to
    from (
      select n.start_date, n.end_date from streak_runs n
      where n.user_id = p_user_id and n.start_date <= v_qualified[cardinality(v_qualified)] + 1
      order by n.start_date desc
      limit (v_qualified[cardinality(v_qualified)] - v_qualified[1]) + 3
    ) r
    where r.end_date >= v_qualified[1] - 1;
    -- The stored runs are the maximal runs of the qualified dates, so the new runs are the islands of
    -- those runs and the new dates: no daily row is read again, however long the run.
    with old as (
      delete from streak_runs r where r.user_id = p_user_id and r.start_date between v_runs_from and v_runs_to
      returning r.start_date, r.end_date
    ), spans as (
      select o.start_date, o.end_date from old o
      union all
      select d, d from unnest(v_qualified) d
    ), marked as (
      select s.start_date, s.end_date,
        max(s.end_date) over (order by s.start_date rows between unbounded preceding and 1 preceding) as reach
      from spans s
    ), islands as (
      select m.start_date, m.end_date,
        count(*) filter (where m.reach is null or m.reach + 1 < m.start_date) over (order by m.start_date) as island
      from marked m
    )
    insert into streak_runs (user_id, start_date, end_date)
    select p_user_id, min(i.start_date), max(i.end_date) from islands i group by i.island;

    v_last := greatest(v_last, v_qualified[cardinality(v_qualified)]);
    select (r.end_date - r.start_date + 1) into v_current
    from streak_runs r where r.user_id = p_user_id and r.start_date <= v_last order by r.start_date desc limit 1;
    select greatest(v_longest, max(r.end_date - r.start_date + 1)) into v_longest
    from streak_runs r where r.user_id = p_user_id and r.start_date between v_runs_from and v_runs_to;
    v_count := v_count + cardinality(v_qualified);
  end if;

  -- "Today" is judged in the zone of the latest-ending session (ties: the highest id); sessions last at
  -- most 24 h, so it is among those started in the 24 h before the latest start.
  select l.timezone into v_zone
  from focus_sessions l
  where l.user_id = p_user_id
    and l.start_time > (select max(m.start_time) from focus_sessions m where m.user_id = p_user_id) - interval '24 hours'
  order by l.end_time desc, l.session_id collate "C" desc
  limit 1;

  v_frozen := v_streak.frozen_dates;
  v_held := v_streak.freezes_available;
  v_reach := v_streak.freeze_reach;
  v_as_of := v_streak.freezes_as_of;
  if v_streak.granted then
    v_as_of := user_date_at(now(), coalesce(v_zone, 'UTC'), v_streak.day_start_from, v_streak.day_start_minutes);
    select w.current_streak, w.longest_streak, w.frozen_dates, w.freezes_available, w.freeze_reach
    into v_current, v_longest, v_frozen, v_held, v_reach
    from streak_walk(p_user_id, v_as_of, p_freeze_cap) w;
  end if;

  if (v_current, v_longest, v_last, v_count, v_zone, v_frozen, v_held, v_reach) is distinct from
     (v_streak.current_streak, v_streak.longest_streak, v_streak.last_qualified_date, v_streak.qualified_days_count, v_streak.timezone,
      v_streak.frozen_dates, v_streak.freezes_available, v_streak.freeze_reach) then
    update user_streaks s set
      current_streak = v_current, longest_streak = v_longest, last_qualified_date = v_last,
      qualified_days_count = v_count, timezone = v_zone, frozen_dates = v_frozen, freezes_available = v_held,
      freeze_reach = v_reach, freezes_as_of = v_as_of, version = s.version + 1, updated_at = now()
    where s.user_id = p_user_id
    returning * into v_streak;
    update users u set timezone = v_zone, updated_at = now() where u.id = p_user_id and u.timezone is distinct from v_zone;
    v_payload := streak_event_payload(v_streak);
    insert into streak_outbox (user_id, version, payload, trace)
    values (p_user_id, v_streak.version, v_payload, p_trace)
    returning id into v_outbox;
  elsif v_as_of is distinct from v_streak.freezes_as_of then
    -- The walk's date moved on and nothing it gives changed: no new version, the date is kept with the values.
    update user_streaks s set freezes_as_of = v_as_of where s.user_id = p_user_id;
  end if;
  return jsonb_build_object('status', 'accepted', 'streak', coalesce(v_payload, streak_event_payload(v_streak)), 'outboxId', v_outbox::text);
end;
$$;
