-- The "plain rebuild" of bench:backfill: the yardstick its target is defined against
-- (backfill <= 1.5x COPY + this). The product's rebuild_streaks (sql/functions/rebuild_streaks.sql) cannot serve as its own
-- yardstick: a ratio against itself says nothing about how fast it is. So this is the same job
-- written as simply as set-based SQL allows, with no PL/pgSQL, one statement per derived table:
-- what a competent first version would cost on the same rows.
--
-- It must do comparable work, so it writes the same tables as rebuild_streaks with projection on
-- (daily_focus, streak_runs, users.timezone, user_streaks, one streak_outbox row per user) and,
-- give or take the corners below, the same rows: the benchmark prints the row counts side by side.
-- It need not be right in the corners the product pays for, since they hardly change how much
-- work there is: a day whose midnight the zone skips or repeats (midnight is taken as
-- `d::timestamp at time zone tz`), overlapping sessions (summed, not united, so a few more dates
-- qualify), ties between sessions ending at the same instant, an exact streakExpiresAt.
-- Never use it to compute streaks.
--
-- It expects the benchmark's fresh database: sessions and users copied in, nothing derived yet
-- (the truncate only makes a second run on the same database start from the same state).
-- psql runs it in one transaction (-1) with -v qualify=<seconds>.

-- The product's rebuild runs with these settings (004's work_mem, 011's jit): the yardstick gets the
-- same, so the ratio compares the SQL, not the configuration.
set local work_mem = '128MB';
set local jit = off;

truncate daily_focus, streak_runs, user_streaks, streak_outbox;

-- Each session split at the local midnights of its own zone, clamped to each day, summed per user and date.
insert into daily_focus (user_id, local_date, focus_seconds)
select p.user_id, p.d, floor(sum(extract(epoch from p.pe - p.ps)))::int
from (
  select f.user_id, s.lo + i as d,
         greatest(f.start_time, (s.lo + i)::timestamp at time zone f.timezone) as ps,
         least(f.end_time, (s.lo + i + 1)::timestamp at time zone f.timezone) as pe
  from focus_sessions f
  cross join lateral (select (f.start_time at time zone f.timezone)::date as lo,
                             (f.end_time at time zone f.timezone)::date as hi) s
  cross join lateral generate_series(0, s.hi - s.lo) as i
) p
where p.pe > p.ps
group by p.user_id, p.d;

-- Gaps and islands: consecutive qualified dates share date - row_number.
insert into streak_runs (user_id, start_date, end_date)
select q.user_id, min(q.local_date), max(q.local_date)
from (
  select f.user_id, f.local_date,
         f.local_date - (row_number() over (partition by f.user_id order by f.local_date))::int as grp
  from daily_focus f
  where f.focus_seconds >= :qualify
) q
group by q.user_id, q.grp;

-- The zone of each user's latest-ending session.
update users u set timezone = z.timezone, updated_at = now()
from (
  select distinct on (f.user_id) f.user_id, f.timezone
  from focus_sessions f
  order by f.user_id, f.end_time desc
) z
where u.id = z.user_id;

-- One streak row per user with sessions; the current streak is the latest run.
insert into user_streaks (user_id, current_streak, longest_streak, last_qualified_date, qualified_days_count, timezone, version)
select u.id, coalesce(r.current, 0), coalesce(r.longest, 0), r.last, coalesce(r.days, 0), u.timezone, 1
from users u
left join (
  select x.user_id, max(x.len) as longest, sum(x.len) as days, max(x.end_date) as last,
         (array_agg(x.len order by x.end_date desc))[1] as current
  from (select user_id, end_date, end_date - start_date + 1 as len from streak_runs) x
  group by x.user_id
) r on r.user_id = u.id
where exists (select from focus_sessions f where f.user_id = u.id);

-- The projection: one streak-updated event per user.
insert into streak_outbox (user_id, version, payload)
select s.user_id, s.version,
       jsonb_build_object('userId', s.user_id, 'version', s.version, 'currentStreak', s.current_streak,
                          'longestStreak', s.longest_streak, 'lastQualifiedDate', s.last_qualified_date,
                          'qualifiedDaysCount', s.qualified_days_count, 'timezone', s.timezone,
                          'streakExpiresAt', (s.last_qualified_date + 2)::timestamp at time zone s.timezone,
                          'updatedAt', s.updated_at)
from user_streaks s;
