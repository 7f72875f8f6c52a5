-- The accept write path in two round trips and no explicit BEGIN/COMMIT, because round trips, not
-- PostgreSQL's work, are the cost (measured: nine round trips reach a third of pgbench's rate):
--   1. accept_session_read: one statement reads what the domain needs, including the user's revision;
--   2. the domain computes the new credits and streak in TypeScript;
--   3. accept_session_write: one transaction locks the user's streak row, checks the revision is
--      unchanged (else the caller reads again), inserts the session and writes everything derived.
-- Writes for one user are serialized by the row lock and can never act on stale reads; different
-- users never wait for each other.

-- Sessions over 24 hours are rejected at every door; the bound also limits overlap scans.
alter table focus_sessions add constraint focus_sessions_max_24h check (end_time - start_time <= interval '24 hours');

-- A local date spans up to 50 real hours across zones (UTC+14 to UTC-12), and a user's sessions in
-- different zones may all credit the same date, so one day's credit can exceed 24 hours.
alter table daily_focus drop constraint daily_focus_focus_seconds_check;
alter table daily_focus add constraint daily_focus_focus_seconds_check check (focus_seconds between 0 and 180000);

alter table user_streaks add column revision bigint not null default 0;
comment on column user_streaks.revision is
  'Number of sessions accepted for the user: the optimistic concurrency token of the write path (version only moves when the streak changes).';

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

create function accept_session_ms(t timestamptz) returns bigint
language sql immutable as $$ select floor(extract(epoch from t) * 1000)::bigint $$;

-- What the domain needs to accept a session, as jsonb:
--   existing: the stored session with that id, if any (then nothing else is read);
--   revision: the user's revision, null for a user never seen; streak: the stored streak;
--   latest:   the user's session with the latest end (ties: highest id), whose zone is "today's";
--   others:   the user's sessions overlapping [p_window_from, p_window_to);
--   credits:  daily_focus in [p_dates_from, p_dates_to];
--   runs:     streak_runs touching [p_dates_from - 1, p_dates_to + 1].
-- PL/pgSQL, not SQL: it keeps its plans between calls, where a SQL function would plan every call (5x slower).
create function accept_session_read(
  p_user_id text, p_session_id text,
  p_window_from timestamptz, p_window_to timestamptz, p_dates_from date, p_dates_to date
) returns jsonb
language plpgsql stable as $$
declare
  v_existing jsonb;
  v_streak user_streaks;
begin
  select jsonb_build_object('userId', e.user_id, 'startMs', accept_session_ms(e.start_time),
                            'endMs', accept_session_ms(e.end_time), 'timeZone', e.timezone)
  into v_existing from focus_sessions e where e.session_id = p_session_id;
  if v_existing is not null then
    select * into v_streak from user_streaks s where s.user_id = p_user_id;
    return jsonb_build_object('existing', v_existing, 'revision', v_streak.revision, 'streak', case when v_streak.user_id is null then null else accept_session_streak_json(v_streak) end,
      'latest', null, 'others', '[]'::jsonb, 'credits', '[]'::jsonb, 'runs', '[]'::jsonb);
  end if;
  select * into v_streak from user_streaks s where s.user_id = p_user_id;
  return jsonb_build_object(
    'existing', null,
    'revision', v_streak.revision,
    'streak', case when v_streak.user_id is null then null else accept_session_streak_json(v_streak) end,
    'latest', (
      -- Sessions last at most 24 h, so the latest end is among the starts of the last 24 h.
      select jsonb_build_object('sessionId', l.session_id, 'endMs', accept_session_ms(l.end_time), 'timeZone', l.timezone)
      from focus_sessions l
      where l.user_id = p_user_id
        and l.start_time > (select max(start_time) from focus_sessions where user_id = p_user_id) - interval '24 hours'
      order by l.end_time desc, l.session_id collate "C" desc
      limit 1),
    'others', coalesce((
      select jsonb_agg(jsonb_build_object('startMs', accept_session_ms(o.start_time),
                                          'endMs', accept_session_ms(o.end_time), 'timeZone', o.timezone))
      from focus_sessions o
      where o.user_id = p_user_id
        and o.start_time < p_window_to
        and o.start_time > p_window_from - interval '24 hours'
        and o.end_time > p_window_from), '[]'::jsonb),
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
      where r.end_date >= p_dates_from - 1), '[]'::jsonb));
end;
$$;

-- Applies what the domain computed from a read at p_expected_revision (null: user never seen).
-- Returns 'written' with the new outbox row id (null when the streak did not change: p_payload null,
-- then neither the version nor the outbox move), or 'stale' when the user changed since the read or
-- the session id was taken meanwhile: then nothing was written and the caller reads again.
-- Three statements, because each costs an executor start in PostgreSQL's CPU budget.
create function accept_session_write(
  p_user_id text, p_session_id text, p_start timestamptz, p_end timestamptz, p_timezone text, p_source text,
  p_expected_revision bigint,
  p_credit_dates date[], p_credit_seconds integer[],
  p_removed_run_starts date[], p_added_run_starts date[], p_added_run_ends date[],
  p_zone text,
  p_current_streak integer, p_longest_streak integer, p_last_qualified_date date, p_qualified_days_count integer,
  p_version bigint, p_payload jsonb,
  out status text, out outbox_id bigint
)
language plpgsql as $$
declare
  v_changed boolean := p_payload is not null;
begin
  -- Compare-and-set on the revision: takes the user's row lock and writes the new streak at once.
  if p_expected_revision is null then
    insert into users (id, timezone) values (p_user_id, p_zone) on conflict (id) do nothing;
    insert into user_streaks (user_id, revision, current_streak, longest_streak, last_qualified_date,
                              qualified_days_count, timezone, version, updated_at)
    values (p_user_id, 1, coalesce(p_current_streak, 0), coalesce(p_longest_streak, 0), p_last_qualified_date,
            coalesce(p_qualified_days_count, 0), p_zone, coalesce(p_version, 0),
            coalesce((p_payload ->> 'updatedAt')::timestamptz, now()))
    on conflict (user_id) do nothing;
  else
    update user_streaks s set
      revision = s.revision + 1,
      current_streak = case when v_changed then p_current_streak else s.current_streak end,
      longest_streak = case when v_changed then p_longest_streak else s.longest_streak end,
      last_qualified_date = case when v_changed then p_last_qualified_date else s.last_qualified_date end,
      qualified_days_count = case when v_changed then p_qualified_days_count else s.qualified_days_count end,
      timezone = case when v_changed then p_zone else s.timezone end,
      version = case when v_changed then p_version else s.version end,
      updated_at = case when v_changed then (p_payload ->> 'updatedAt')::timestamptz else s.updated_at end
    where s.user_id = p_user_id and s.revision = p_expected_revision;
  end if;
  if not found then
    status := 'stale';
    return;
  end if;

  insert into focus_sessions (session_id, user_id, start_time, end_time, timezone, source)
  values (p_session_id, p_user_id, p_start, p_end, p_timezone, p_source)
  on conflict (session_id) do nothing;
  if not found then
    -- Taken by a concurrent writer after our read: undo the streak write, the caller reads again.
    raise exception 'session id taken since the read' using errcode = 'FSSTA';
  end if;

  -- Runs replaced by a run with the same start are upserted, not deleted and re-inserted, so the
  -- parts of this statement never touch the same row.
  with credits as (
    insert into daily_focus (user_id, local_date, focus_seconds)
    select p_user_id, d, s from unnest(p_credit_dates, p_credit_seconds) as c(d, s)
    on conflict (user_id, local_date) do update set focus_seconds = excluded.focus_seconds
  ), gone as (
    delete from streak_runs
    where user_id = p_user_id and start_date = any (p_removed_run_starts) and not (start_date = any (p_added_run_starts))
  ), runs as (
    insert into streak_runs (user_id, start_date, end_date)
    select p_user_id, s, e from unnest(p_added_run_starts, p_added_run_ends) as r(s, e)
    on conflict (user_id, start_date) do update set end_date = excluded.end_date
  ), zone as (
    update users set timezone = p_zone, updated_at = now()
    where id = p_user_id and v_changed and timezone is distinct from p_zone
  ), outbox as (
    insert into streak_outbox (user_id, version, payload)
    select p_user_id, p_version, p_payload where v_changed
    returning id
  )
  select (select id from outbox) into outbox_id;
  status := 'written';
end;
$$;
