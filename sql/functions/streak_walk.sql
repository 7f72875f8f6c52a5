-- requires: freeze_grants
-- The streak with freezes of one user, walked over their stored runs (the maximal runs of qualified or
-- repaired dates) and their grants, as the reference model's walkStreak does. On each date the grants
-- effective that date are added (the balance capped at p_cap); a missed date after a qualified date of
-- a live run takes one freeze if one is held, else the run ends. Missed dates between two qualified
-- dates always lie in the past; after the last qualified date only those before p_as_of (the user's
-- today) are walked. freeze_reach: the dates after the last qualified one the known grants cover.
-- Loops over runs and grants, and date by date only while a freeze is being spent.
create or replace function streak_walk(p_user_id text, p_as_of date, p_cap integer)
returns table (current_streak integer, longest_streak integer, frozen_dates date[], freezes_available integer, freeze_reach integer)
language plpgsql stable as $$
declare
  v_dates date[];
  v_counts integer[];
  v_n integer;
  v_gi integer := 1;
  v_held integer := 0;
  v_live boolean := false;
  v_chain integer := 0;
  v_longest integer := 0;
  v_frozen date[] := '{}';
  v_last date;
  v_d date;
  v_balance integer;
  v_bi integer;
  v_reach integer := 0;
  r record;
begin
  select coalesce(array_agg(g.effective_from order by g.effective_from), '{}'), coalesce(array_agg(g.count order by g.effective_from), '{}')
  into v_dates, v_counts from freeze_grants(p_user_id) g;
  v_n := cardinality(v_dates);

  for r in select s.start_date, s.end_date from streak_runs s where s.user_id = p_user_id order by s.start_date loop
    -- The missed dates since the last run: each takes a freeze while one is held.
    if v_live then
      v_d := v_last + 1;
      while v_d < r.start_date loop
        while v_gi <= v_n and v_dates[v_gi] <= v_d loop
          v_held := least(p_cap, v_held + v_counts[v_gi]);
          v_gi := v_gi + 1;
        end loop;
        if v_held = 0 then
          v_live := false;
          exit;
        end if;
        v_held := v_held - 1;
        v_frozen := v_frozen || v_d;
        v_d := v_d + 1;
      end loop;
    end if;
    -- Nothing is spent until the run ends: the grants up to its last date, each capped in turn.
    while v_gi <= v_n and v_dates[v_gi] <= r.end_date loop
      v_held := least(p_cap, v_held + v_counts[v_gi]);
      v_gi := v_gi + 1;
    end loop;
    if not v_live then
      v_chain := 0;
      v_frozen := '{}';
      v_live := true;
    end if;
    v_chain := v_chain + (r.end_date - r.start_date + 1);
    v_longest := greatest(v_longest, v_chain);
    v_last := r.end_date;
  end loop;

  if v_last is not null then
    -- The reach, from the balance at the end of the last qualified date.
    v_balance := v_held;
    v_bi := v_gi;
    v_d := v_last + 1;
    loop
      while v_bi <= v_n and v_dates[v_bi] <= v_d loop
        v_balance := least(p_cap, v_balance + v_counts[v_bi]);
        v_bi := v_bi + 1;
      end loop;
      exit when v_balance = 0;
      v_balance := v_balance - 1;
      v_reach := v_reach + 1;
      v_d := v_d + 1;
    end loop;
    -- Today's balance: the missed dates after the last qualified one, up to yesterday.
    v_d := v_last + 1;
    while v_live and v_d < p_as_of loop
      while v_gi <= v_n and v_dates[v_gi] <= v_d loop
        v_held := least(p_cap, v_held + v_counts[v_gi]);
        v_gi := v_gi + 1;
      end loop;
      if v_held = 0 then
        v_live := false;
      else
        v_held := v_held - 1;
        v_frozen := v_frozen || v_d;
        v_d := v_d + 1;
      end if;
    end loop;
  end if;
  -- The grants effective by today that the walk has not reached.
  while v_gi <= v_n and v_dates[v_gi] <= greatest(p_as_of, v_last) loop
    v_held := least(p_cap, v_held + v_counts[v_gi]);
    v_gi := v_gi + 1;
  end loop;

  return query select v_chain, v_longest, v_frozen[greatest(1, cardinality(v_frozen) - 30):], v_held, v_reach;
end;
$$;
