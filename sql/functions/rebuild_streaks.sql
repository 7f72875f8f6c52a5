-- requires: day_credits, qualified_runs, streak_walk, user_date_at, streak_event_payload
-- Rebuilds daily_focus, streak_runs, users.timezone and user_streaks of the given users from
-- focus_sessions and streak_adjustments (day-start changes give the schedule the sessions are split by;
-- repairs count as qualified dates; users ever granted freezes are walked with p_freeze_cap as of their
-- date now, as accept_session does). Bumps version and (if p_project) queues one outbox row only for users whose
-- streak or zone changed, so running it twice changes nothing. Returns the changed users.
create or replace function rebuild_streaks(p_users text[], p_qualify_seconds integer, p_project boolean default true, p_freeze_cap integer default 2)
returns table(user_id text, version bigint)
language plpgsql
set work_mem = '128MB'
set jit = 'off'
as $$
declare
  v_rescheduled text[];
begin
  -- The write path's row lock (accept_session): a rebuild and a concurrent accept of one user
  -- serialize; the id order keeps two concurrent rebuilds from deadlocking.
  insert into user_streaks (user_id)
  select u.id from users u
  where u.id = any (p_users)
    and (exists (select from focus_sessions f where f.user_id = u.id) or exists (select from streak_adjustments a where a.user_id = u.id))
  on conflict do nothing;
  perform 1 from user_streaks s where s.user_id = any (p_users) order by s.user_id for update;

  -- The schedule first, since the split reads it: per effective date the latest change not revoked.
  with changes as (
    select distinct on (a.user_id, a.local_date) a.user_id, a.local_date, a.minutes
    from streak_adjustments a
    where a.user_id = any (p_users) and a.kind = 'day-start'
      and not exists (select from streak_adjustments r where r.revokes = a.id)
    order by a.user_id, a.local_date, a.created_at desc, a.id desc
  ), schedules as (
    select c.user_id, array_agg(c.local_date order by c.local_date) as day_start_from, array_agg(c.minutes order by c.local_date) as day_start_minutes
    from changes c group by c.user_id
    union all
    select s.user_id, null, null from user_streaks s
    where s.user_id = any (p_users) and s.day_start_from is not null and not exists (select from changes c where c.user_id = s.user_id)
  ), rescheduled as (
    update user_streaks s set day_start_from = n.day_start_from, day_start_minutes = n.day_start_minutes
    from schedules n
    where s.user_id = n.user_id and (s.day_start_from, s.day_start_minutes) is distinct from (n.day_start_from, n.day_start_minutes)
    returning s.user_id
  )
  select array_agg(r.user_id) into v_rescheduled from rescheduled r;

  -- The same split and union credit as the write path (day_credits over session_pieces), set-based.
  delete from daily_focus f where f.user_id = any (p_users);
  insert into daily_focus (user_id, local_date, focus_seconds)
  select c.user_id, c.local_date, c.seconds from day_credits(p_users, null, null, null) c where c.seconds > 0;

  delete from streak_runs r where r.user_id = any (p_users);
  insert into streak_runs (user_id, start_date, end_date)
  select q.user_id, q.start_date, q.end_date from qualified_runs(p_users, '-infinity', 'infinity', p_qualify_seconds) q;

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
  walked as (
    select s.user_id, w.*, d.as_of
    from user_streaks s
    join users u on u.id = s.user_id
    cross join lateral (select user_date_at(now(), coalesce(u.timezone, 'UTC'), s.day_start_from, s.day_start_minutes) as as_of) d
    cross join lateral streak_walk(s.user_id, d.as_of, p_freeze_cap) w
    where s.user_id = any (p_users) and exists (select from streak_adjustments a where a.user_id = s.user_id and a.kind = 'grant-freezes')
  ),
  computed as (
    select s.user_id, coalesce(w.current_streak, c.len, 0)::int as cs, coalesce(w.longest_streak, t.longest, 0)::int as ls, t.last,
           coalesce(t.days, 0)::int as qc, u.timezone as tz, coalesce(w.frozen_dates, '{}') as frozen,
           coalesce(w.freezes_available, 0) as held, coalesce(w.freeze_reach, 0) as reach, w.as_of
    from user_streaks s
    join users u on u.id = s.user_id
    left join totals t on t.user_id = s.user_id
    left join current_run c on c.user_id = s.user_id
    left join walked w on w.user_id = s.user_id
    where s.user_id = any (p_users)
      and (exists (select from focus_sessions f where f.user_id = s.user_id) or exists (select from streak_adjustments a where a.user_id = s.user_id))
  ),
  changed as (
    update user_streaks s set
      current_streak = c.cs, longest_streak = c.ls, last_qualified_date = c.last,
      qualified_days_count = c.qc, timezone = c.tz, frozen_dates = c.frozen, freezes_available = c.held,
      freeze_reach = c.reach, freezes_as_of = c.as_of, version = s.version + 1, updated_at = now()
    from computed c
    where s.user_id = c.user_id
      and ((s.current_streak, s.longest_streak, s.last_qualified_date, s.qualified_days_count, s.timezone,
            s.frozen_dates, s.freezes_available, s.freeze_reach)
           is distinct from (c.cs, c.ls, c.last, c.qc, c.tz, c.frozen, c.held, c.reach)
           -- A new schedule is a new version even where no value moved: the event carries the setting.
           or s.user_id = any (v_rescheduled))
    returning s.*
  ),
  -- The walk's date moved on and nothing it gives changed: no new version, the date is kept with the values.
  redated as (
    update user_streaks s set freezes_as_of = c.as_of
    from computed c
    where s.user_id = c.user_id and c.as_of is not null and s.freezes_as_of is distinct from c.as_of
      and not (s.user_id = any (coalesce(v_rescheduled, '{}')))
      and (s.current_streak, s.longest_streak, s.last_qualified_date, s.qualified_days_count, s.timezone,
           s.frozen_dates, s.freezes_available, s.freeze_reach)
          is not distinct from (c.cs, c.ls, c.last, c.qc, c.tz, c.frozen, c.held, c.reach)
  ),
  queued as (
    insert into streak_outbox (user_id, version, payload)
    select c.user_id, c.version, streak_event_payload(c) from changed c where p_project
    returning streak_outbox.user_id
  )
  select c.user_id, c.version from changed c;
end;
$$;
