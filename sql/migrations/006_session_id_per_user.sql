-- A sessionId is the caller's idempotency key, unique per user: another user sending the same id
-- sends a different session, never a conflict, and learns nothing about the first one.
-- focus_sessions' key moves from session_id to (user_id, session_id) on existing data, and every
-- function that found a session by its id alone looks it up within its user.

-- Nothing references focus_sessions' key, so it can be swapped in place. user_id leads, so the
-- per-user lookups of the write path use the key's index.
alter table focus_sessions drop constraint focus_sessions_pkey;
alter table focus_sessions add constraint focus_sessions_pkey primary key (user_id, session_id);

-- As in 002, except that the stored session is the caller's own: existing = the user's session with that id.
create or replace function accept_session_read(
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
  into v_existing from focus_sessions e where e.user_id = p_user_id and e.session_id = p_session_id;
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

-- As in 002, except that the insert conflicts only with the same user's session id.
create or replace function accept_session_write(
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
  on conflict (user_id, session_id) do nothing;
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

-- Rows a rebuild cannot use (a zone PostgreSQL does not know, stored before zones were checked
-- against it, or any other row that makes the set-based rebuild fail) belong to one user: they
-- are reported for that user, and every other user of the batch is rebuilt. Transient failures
-- (serialization, deadlock, resources, connection) still fail the call, so it can be retried.
create function rebuild_is_transient(p_sqlstate text) returns boolean
language sql immutable strict parallel safe as $$
  select p_sqlstate like '40%' or p_sqlstate like '53%' or p_sqlstate like '08%' or p_sqlstate like '57%'
$$;

-- rebuild_streaks, but one user's bad rows never fail the batch: returns the changed users (problem
-- null) and the users left as they were, with the reason (invalid_timezone: <zone>, or the error).
create function rebuild_streaks_reporting(p_users text[], p_qualify_seconds integer, p_project boolean default true)
returns table (user_id text, version bigint, problem text)
language plpgsql as $$
declare
  v_zone text;
  v_bad_zones text[] := '{}';
  v_skipped text[] := '{}';
  v_problems text[] := '{}';
  v_ok text[];
  v_user text;
  v_ids text[] := '{}';
  v_versions bigint[] := '{}';
  r record;
begin
  -- Each distinct zone of the batch is tried once: exactly what the rebuild would ask of it.
  for v_zone in select distinct f.timezone from focus_sessions f where f.user_id = any (p_users) loop
    begin
      perform now() at time zone v_zone;
    exception when others then
      v_bad_zones := v_bad_zones || v_zone;
    end;
  end loop;
  for r in
    select f.user_id as u, min(f.timezone) as tz from focus_sessions f
    where f.user_id = any (p_users) and f.timezone = any (v_bad_zones)
    group by f.user_id order by f.user_id
  loop
    v_skipped := v_skipped || r.u;
    v_problems := v_problems || ('invalid_timezone: ' || r.tz);
  end loop;
  v_ok := array(select distinct u from unnest(p_users) as u where not (u = any (v_skipped)) order by u);

  begin
    for r in select * from rebuild_streaks(v_ok, p_qualify_seconds, p_project) loop
      v_ids := v_ids || r.user_id;
      v_versions := v_versions || r.version;
    end loop;
  exception when others then
    if rebuild_is_transient(sqlstate) then raise; end if;
    -- Some other row is bad: rebuild user by user, each in its own subtransaction.
    v_ids := '{}';
    v_versions := '{}';
    foreach v_user in array v_ok loop
      begin
        for r in select * from rebuild_streaks(array[v_user], p_qualify_seconds, p_project) loop
          v_ids := v_ids || r.user_id;
          v_versions := v_versions || r.version;
        end loop;
      exception when others then
        if rebuild_is_transient(sqlstate) then raise; end if;
        v_skipped := v_skipped || v_user;
        v_problems := v_problems || sqlerrm;
      end;
    end loop;
  end;

  return query
    select c.u, c.v, null::text from unnest(v_ids, v_versions) as c(u, v)
    union all
    select s.u, null::bigint, s.p from unnest(v_skipped, v_problems) as s(u, p);
end;
$$;

-- enqueue_streak_projection, with the same guarantee: a user whose stored streak cannot be turned
-- into an event (a zone PostgreSQL does not know) is reported, the others are queued.
create function enqueue_streak_projection_reporting(p_users text[])
returns table (user_id text, version bigint, problem text)
language plpgsql as $$
declare
  v_user text;
  v_ids text[] := '{}';
  v_versions bigint[] := '{}';
  v_skipped text[] := '{}';
  v_problems text[] := '{}';
  r record;
begin
  begin
    for r in select * from enqueue_streak_projection(p_users) loop
      v_ids := v_ids || r.user_id;
      v_versions := v_versions || r.version;
    end loop;
  exception when others then
    if rebuild_is_transient(sqlstate) then raise; end if;
    v_ids := '{}';
    v_versions := '{}';
    foreach v_user in array array(select distinct u from unnest(p_users) as u order by u) loop
      begin
        for r in select * from enqueue_streak_projection(array[v_user]) loop
          v_ids := v_ids || r.user_id;
          v_versions := v_versions || r.version;
        end loop;
      exception when others then
        if rebuild_is_transient(sqlstate) then raise; end if;
        v_skipped := v_skipped || v_user;
        v_problems := v_problems || sqlerrm;
      end;
    end loop;
  end;
  return query
    select c.u, c.v, null::text from unnest(v_ids, v_versions) as c(u, v)
    union all
    select s.u, null::bigint, s.p from unnest(v_skipped, v_problems) as s(u, p);
end;
$$;
