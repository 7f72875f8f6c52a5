-- A user's freeze grants not revoked, summed by the date they take effect, oldest first.
create or replace function freeze_grants(p_user_id text)
returns table (effective_from date, count integer)
language sql stable as $$
  select a.local_date, sum(a.count)::int
  from streak_adjustments a
  where a.user_id = p_user_id and a.kind = 'grant-freezes'
    and not exists (select from streak_adjustments r where r.revokes = a.id)
  group by a.local_date
  order by a.local_date
$$;
