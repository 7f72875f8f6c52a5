-- requires: freeze_grants, freeze_spend
-- The streak with freezes of one user, walked over their stored runs (the maximal runs of qualified or
-- repaired dates) and their grants, as the reference model's walkStreak does. On each date the grants
-- effective that date are added (the balance capped at p_cap); a missed date after a qualified date of
-- a live run takes one freeze if one is held, else the run ends. Missed dates between two qualified
-- dates always lie in the past; after the last qualified date only those before p_as_of (the user's
-- today) are walked. freeze_reach: the dates after the last qualified one the known grants cover.
-- Loops over runs, and date by date only while a freeze is being spent (freeze_spend).
create or replace function streak_walk(p_user_id text, p_as_of date, p_cap integer)
returns table (current_streak integer, longest_streak integer, frozen_dates date[], freezes_available integer, freeze_reach integer)
language plpgsql stable as $$
declare
  v_dates date[];
  v_counts integer[];
  v_next integer := 1;
  v_held integer := 0;
  v_live boolean := false;
  v_chain integer := 0;
  v_longest integer := 0;
  v_frozen date[] := '{}';
  v_last date;
  v_reach integer := 0;
  s record;
  r record;
begin
  select coalesce(array_agg(g.effective_from order by g.effective_from), '{}'), coalesce(array_agg(g.count order by g.effective_from), '{}')
  into v_dates, v_counts from freeze_grants(p_user_id) g;

  for r in select x.start_date, x.end_date from streak_runs x where x.user_id = p_user_id order by x.start_date loop
    -- The missed dates since a live run's last date, then the grants up to this run's last date.
    s := freeze_spend(v_held, v_next, v_dates, v_counts, p_cap, case when v_live then v_last + 1 else r.start_date end, r.start_date, r.end_date);
    v_held := s.held;
    v_next := s.next;
    if v_live and not s.ended then
      v_frozen := v_frozen || s.frozen;
    else
      v_chain := 0;
      v_frozen := '{}';
      v_live := true;
    end if;
    v_chain := v_chain + (r.end_date - r.start_date + 1);
    v_longest := greatest(v_longest, v_chain);
    v_last := r.end_date;
  end loop;

  if v_last is not null then
    -- The reach: every date after the last qualified one the balance and the later grants cover.
    v_reach := cardinality((freeze_spend(v_held, v_next, v_dates, v_counts, p_cap, v_last + 1, 'infinity', null)).frozen);
    -- Today's balance: the missed dates after the last qualified one, up to yesterday.
    s := freeze_spend(v_held, v_next, v_dates, v_counts, p_cap, v_last + 1, p_as_of, greatest(p_as_of, v_last));
    v_frozen := v_frozen || s.frozen;
  else
    s := freeze_spend(v_held, v_next, v_dates, v_counts, p_cap, p_as_of, p_as_of, p_as_of);
  end if;
  v_held := s.held;

  return query select v_chain, v_longest, v_frozen[greatest(1, cardinality(v_frozen) - 30):], v_held, v_reach;
end;
$$;
