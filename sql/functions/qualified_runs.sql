-- The maximal runs of consecutive qualified dates of the given users between p_from and p_to, from
-- daily_focus (gaps and islands: consecutive dates share date - row_number), as runsOf does.
create or replace function qualified_runs(p_users text[], p_from date, p_to date, p_qualify_seconds integer)
returns table (user_id text, start_date date, end_date date)
language sql stable parallel safe as $$
  select q.user_id, min(q.local_date), max(q.local_date)
  from (
    select f.user_id, f.local_date, f.local_date - (row_number() over (partition by f.user_id order by f.local_date))::int as grp
    from daily_focus f
    where f.user_id = any (p_users) and f.local_date between p_from and p_to and f.focus_seconds >= p_qualify_seconds
  ) q
  group by q.user_id, q.grp
$$;
