-- The dates of these users a repair not revoked makes qualified, between p_from and p_to.
create or replace function repaired_dates(p_users text[], p_from date, p_to date)
returns table (user_id text, local_date date)
language sql stable as $$
  select distinct a.user_id, a.local_date
  from streak_adjustments a
  where a.user_id = any (p_users) and a.kind = 'repair' and a.local_date between p_from and p_to
    and not exists (select from streak_adjustments r where r.revokes = a.id)
$$;
