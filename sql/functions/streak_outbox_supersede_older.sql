create or replace function streak_outbox_supersede_older()
returns trigger
language plpgsql
as $$
declare
  r record;
begin
  -- One indexed update per user (a join with the transition table would plan a scan of the table).
  for r in select n.user_id, min(n.version) as version from new_rows n group by n.user_id loop
    update streak_outbox o set superseded_at = now()
    where o.user_id = r.user_id and o.version < r.version
      and o.published_at is null and o.superseded_at is null;
  end loop;
  return null;
end;
$$;
