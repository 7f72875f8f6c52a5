-- One stretch of streak_walk: the missed dates from p_from up to (not including) p_before, each taking
-- one freeze (the grants effective by that date added first, the balance capped at p_cap) until none
-- is held, which ends the run; then the grants effective by p_through (nothing is spent up to it).
-- p_dates/p_counts are the user's grants by date, oldest first, p_next the first not yet added.
-- Answers the balance, the next grant, the dates frozen and whether the run ended.
create or replace function freeze_spend(
  p_held integer, p_next integer, p_dates date[], p_counts integer[], p_cap integer,
  p_from date, p_before date, p_through date,
  out held integer, out next integer, out frozen date[], out ended boolean)
language plpgsql immutable as $$
declare
  v_d date := p_from;
begin
  held := p_held;
  next := p_next;
  frozen := '{}';
  ended := false;
  while v_d < p_before loop
    while next <= cardinality(p_dates) and p_dates[next] <= v_d loop
      held := least(p_cap, held + p_counts[next]);
      next := next + 1;
    end loop;
    if held = 0 then
      ended := true;
      exit;
    end if;
    held := held - 1;
    frozen := frozen || v_d;
    v_d := v_d + 1;
  end loop;
  while next <= cardinality(p_dates) and p_dates[next] <= p_through loop
    held := least(p_cap, held + p_counts[next]);
    next := next + 1;
  end loop;
end;
$$;
