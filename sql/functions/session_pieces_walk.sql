-- requires: user_date_at, local_day_start, day_start_minutes_on
-- The walk behind session_pieces: from the date the session starts on, each piece runs to the start
-- of the next date (or the session's end). Dates start in order, so a date never owns two pieces.
create or replace function session_pieces_walk(p_start timestamptz, p_end timestamptz, p_tz text, p_from date[], p_minutes integer[])
returns table (local_date date, piece_start timestamptz, piece_end timestamptz)
language plpgsql immutable parallel safe as $$
declare
  v_date date := user_date_at(p_start, p_tz, p_from, p_minutes);
  v_cursor timestamptz := p_start;
  v_next timestamptz;
begin
  while v_cursor < p_end loop
    v_next := least(p_end, local_day_start(v_date + 1, p_tz, day_start_minutes_on(p_from, p_minutes, v_date + 1)));
    if v_next > v_cursor then
      local_date := v_date;
      piece_start := v_cursor;
      piece_end := v_next;
      return next;
      v_cursor := v_next;
    end if;
    v_date := v_date + 1;
  end loop;
end;
$$;
