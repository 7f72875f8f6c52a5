-- requires: zone_offset, local_date_of
-- The walk behind session_pieces: from each point, the piece runs to the next local midnight if the
-- offset in force holds that long, else to the first instant with another offset (found by bisection).
create or replace function session_pieces_walk(p_start timestamptz, p_end timestamptz, p_tz text)
returns table (local_date date, piece_start timestamptz, piece_end timestamptz)
language plpgsql immutable strict parallel safe as $$
declare
  v_cursor timestamptz := p_start;
  v_offset interval;
  v_date date;
  v_limit timestamptz;
  v_next timestamptz;
  v_low timestamptz;
  v_high timestamptz;
  v_mid timestamptz;
begin
  while v_cursor < p_end loop
    v_offset := zone_offset(v_cursor, p_tz);
    v_date := local_date_of(v_cursor, p_tz);
    v_limit := least(((v_date + 1)::timestamp - v_offset) at time zone 'UTC', p_end);
    if zone_offset(v_limit - interval '1 microsecond', p_tz) = v_offset then
      v_next := v_limit;
    else
      v_low := v_cursor;
      v_high := v_limit - interval '1 microsecond';
      while v_high - v_low > interval '1 microsecond' loop
        v_mid := v_low + (v_high - v_low) / 2;
        if zone_offset(v_mid, p_tz) = v_offset then v_low := v_mid; else v_high := v_mid; end if;
      end loop;
      v_next := v_high;
    end if;
    if local_date = v_date and piece_end = v_cursor then
      piece_end := v_next;
    else
      if local_date is not null then
        return next;
      end if;
      local_date := v_date;
      piece_start := v_cursor;
      piece_end := v_next;
    end if;
    v_cursor := v_next;
  end loop;
  if local_date is not null then
    return next;
  end if;
end;
$$;
