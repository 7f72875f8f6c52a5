-- requires: repaired_dates
-- The maximal runs of consecutive qualified dates of the given users between p_from and p_to: dates
-- whose daily_focus reaches the threshold and dates a repair makes qualified (gaps and islands:
-- consecutive dates share date - row_number), as runsOf does.
create or replace function qualified_runs(p_users text[], p_from date, p_to date, p_qualify_seconds integer)
returns table (user_id text, start_date date, end_date date)
language sql stable parallel safe as $$
  select q.user_id, min(q.local_date), max(q.local_date)
  from (
    select d.user_id, d.local_date, d.local_date - (row_number() over (partition by d.user_id order by d.local_date))::int as grp
    from (
      select f.user_id, f.local_date from daily_focus f
      where f.user_id = any (p_users) and f.local_date between p_from and p_to and f.focus_seconds >= p_qualify_seconds
      union all
      -- A repaired date that also qualifies is already above (no dedupe of every qualified row).
      select r.user_id, r.local_date from repaired_dates(p_users, p_from, p_to) r
      where not exists (select from daily_focus f where f.user_id = r.user_id and f.local_date = r.local_date and f.focus_seconds >= p_qualify_seconds)
    ) d
  ) q
  group by q.user_id, q.grp
$$;
