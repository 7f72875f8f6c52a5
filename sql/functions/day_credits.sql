-- requires: session_pieces
-- The credit of local dates: per (user, date), the whole seconds the union of the pieces attributed to
-- it covers (overlapping devices count once), swept in start order as the reference model's
-- unionSeconds does, each session split by its user's day-start schedule. The write path asks for the
-- dates one session touches, reading only the user's sessions near them (p_from, p_to: a window holding
-- every instant of those dates in any zone; sessions last at most 24 h); the rebuild asks for
-- everything (nulls). p_midnight: split at midnight whatever the schedule (verify holds legacy
-- documents, written under midnight, to that).
create or replace function day_credits(p_users text[], p_dates date[], p_from timestamptz, p_to timestamptz, p_midnight boolean default false)
returns table (user_id text, local_date date, seconds integer)
language sql stable parallel safe as $$
  select w.user_id, w.local_date,
         floor(sum(greatest(extract(epoch from w.piece_end) - extract(epoch from greatest(w.piece_start, coalesce(w.covered, w.piece_start))), 0)))::integer
  from (
    select f.user_id, p.local_date, p.piece_start, p.piece_end,
           max(p.piece_end) over (partition by f.user_id, p.local_date order by p.piece_start, p.piece_end
                                  rows between unbounded preceding and 1 preceding) as covered
    from focus_sessions f
    left join user_streaks s on s.user_id = f.user_id
    cross join lateral session_pieces(f.start_time, f.end_time, f.timezone,
                                      case when p_midnight then null else s.day_start_from end,
                                      case when p_midnight then null else s.day_start_minutes end) p
    where f.user_id = any (p_users)
      and f.start_time > coalesce(p_from - interval '24 hours', '-infinity')
      and f.start_time < coalesce(p_to, 'infinity')
      and f.end_time > coalesce(p_from, '-infinity')
      and (p_dates is null or p.local_date = any (p_dates))
  ) w
  group by w.user_id, w.local_date
$$;
