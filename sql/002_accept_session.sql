-- The accept write path (DESIGN §5) as two round trips inside one transaction:
-- accept_session_begin locks the user and reads what the domain needs, the domain computes in
-- TypeScript, accept_session_commit writes the result. Round trips, not PostgreSQL, are the cost
-- (DESIGN §10), so each step is one function call.

-- Sessions over 24 hours are rejected at every door; the bound also limits overlap scans.
alter table focus_sessions add constraint focus_sessions_max_24h check (end_time - start_time <= interval '24 hours');

-- A local date spans up to 50 real hours across zones (UTC+14 to UTC-12), and a user's sessions in
-- different zones may all credit the same date, so one day's credit can exceed 24 hours.
alter table daily_focus drop constraint daily_focus_focus_seconds_check;
alter table daily_focus add constraint daily_focus_focus_seconds_check check (focus_seconds between 0 and 180000);

-- Locks the user's streak row (creating user and streak on first contact), inserts the session
-- idempotently, and returns as jsonb:
--   inserted: false  -> {existing: the stored session with that id}
--   inserted: true   -> {others: the user's other sessions overlapping [p_window_from, p_window_to),
--                        credits: daily_focus in [p_dates_from, p_dates_to],
--                        runs: streak_runs touching [p_dates_from - 1, p_dates_to + 1]}
-- plus always: streak (the locked row) and zone (the zone of the user's latest-ending session).
-- PL/pgSQL takes a fresh snapshot per statement, so reads after the lock see every commit before it.
create function accept_session_begin(
  p_user_id text, p_session_id text, p_start timestamptz, p_end timestamptz, p_timezone text, p_source text,
  p_window_from timestamptz, p_window_to timestamptz, p_dates_from date, p_dates_to date
) returns jsonb
language plpgsql as $$
declare
  v_streak user_streaks;
  v_existing focus_sessions;
  v_zone text;
  v_result jsonb;
begin
  select * into v_streak from user_streaks where user_id = p_user_id for update;
  if not found then
    insert into users (id) values (p_user_id) on conflict (id) do nothing;
    insert into user_streaks (user_id) values (p_user_id) on conflict (user_id) do nothing;
    select * into v_streak from user_streaks where user_id = p_user_id for update;
  end if;

  insert into focus_sessions (session_id, user_id, start_time, end_time, timezone, source)
  values (p_session_id, p_user_id, p_start, p_end, p_timezone, p_source)
  on conflict (session_id) do nothing;

  if not found then
    select * into v_existing from focus_sessions where session_id = p_session_id;
    return jsonb_build_object(
      'inserted', false,
      'existing', jsonb_build_object(
        'userId', v_existing.user_id,
        'startMs', floor(extract(epoch from v_existing.start_time) * 1000)::bigint,
        'endMs', floor(extract(epoch from v_existing.end_time) * 1000)::bigint,
        'timeZone', v_existing.timezone),
      'streak', accept_session_streak_json(v_streak));
  end if;

  -- Latest end wins; ties broken by id so the answer does not depend on arrival order.
  -- Sessions last at most 24 h, so the latest end is among the starts of the last 24 h.
  select s.timezone into v_zone
  from focus_sessions s
  where s.user_id = p_user_id
    and s.start_time > (select max(start_time) from focus_sessions where user_id = p_user_id) - interval '24 hours'
  order by s.end_time desc, s.session_id desc
  limit 1;

  select jsonb_build_object(
    'inserted', true,
    'zone', v_zone,
    'streak', accept_session_streak_json(v_streak),
    'others', coalesce((
      select jsonb_agg(jsonb_build_object(
        'startMs', floor(extract(epoch from s.start_time) * 1000)::bigint,
        'endMs', floor(extract(epoch from s.end_time) * 1000)::bigint,
        'timeZone', s.timezone))
      from focus_sessions s
      where s.user_id = p_user_id
        and s.session_id <> p_session_id
        and s.start_time < p_window_to
        and s.start_time > p_window_from - interval '24 hours'
        and s.end_time > p_window_from), '[]'::jsonb),
    'credits', coalesce((
      select jsonb_agg(jsonb_build_object('date', d.local_date, 'seconds', d.focus_seconds))
      from daily_focus d
      where d.user_id = p_user_id and d.local_date between p_dates_from and p_dates_to), '[]'::jsonb),
    'runs', coalesce((
      -- Runs are disjoint and sorted, so walking back from the window's end finds every run
      -- touching it within a few index entries, however long the user's history.
      select jsonb_agg(jsonb_build_object('start', r.start_date, 'end', r.end_date))
      from (
        select start_date, end_date from streak_runs
        where user_id = p_user_id and start_date <= p_dates_to + 1
        order by start_date desc
        limit (p_dates_to - p_dates_from) + 3
      ) r
      where r.end_date >= p_dates_from - 1), '[]'::jsonb))
  into v_result;
  return v_result;
end;
$$;

create function accept_session_streak_json(s user_streaks) returns jsonb
language sql immutable as $$
  select jsonb_build_object(
    'currentStreak', s.current_streak,
    'longestStreak', s.longest_streak,
    'lastQualifiedDate', s.last_qualified_date,
    'qualifiedDaysCount', s.qualified_days_count,
    'timezone', s.timezone,
    'version', s.version,
    'updatedAt', s.updated_at)
$$;

-- Writes what the domain computed. p_payload is null when the streak did not change: then
-- neither the version nor the outbox move. Returns the new outbox id, or null.
create function accept_session_commit(
  p_user_id text,
  p_credit_dates date[], p_credit_seconds integer[],
  p_removed_run_starts date[],
  p_added_run_starts date[], p_added_run_ends date[],
  p_zone text,
  p_current_streak integer, p_longest_streak integer, p_last_qualified_date date, p_qualified_days_count integer,
  p_version bigint, p_payload jsonb
) returns bigint
language plpgsql as $$
declare
  v_outbox_id bigint;
begin
  insert into daily_focus (user_id, local_date, focus_seconds)
  select p_user_id, d, s from unnest(p_credit_dates, p_credit_seconds) as c(d, s)
  on conflict (user_id, local_date) do update set focus_seconds = excluded.focus_seconds;

  delete from streak_runs where user_id = p_user_id and start_date = any (p_removed_run_starts);
  insert into streak_runs (user_id, start_date, end_date)
  select p_user_id, s, e from unnest(p_added_run_starts, p_added_run_ends) as r(s, e);

  update users set timezone = p_zone, updated_at = now()
  where id = p_user_id and timezone is distinct from p_zone;

  if p_payload is null then
    return null;
  end if;

  update user_streaks set
    current_streak = p_current_streak,
    longest_streak = p_longest_streak,
    last_qualified_date = p_last_qualified_date,
    qualified_days_count = p_qualified_days_count,
    timezone = p_zone,
    version = p_version,
    updated_at = (p_payload ->> 'updatedAt')::timestamptz
  where user_id = p_user_id;

  insert into streak_outbox (user_id, version, payload)
  values (p_user_id, p_version, p_payload)
  returning id into v_outbox_id;
  return v_outbox_id;
end;
$$;
