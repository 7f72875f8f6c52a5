-- requires: session_pieces_walk
-- A session cut at the starts of the user's dates in its own zone, as the reference model's
-- splitSession does: one piece per date, in time order, contiguous, covering [p_start, p_end) exactly.
-- p_from/p_minutes: the user's day-start schedule (user_streaks), null for midnight.
create or replace function session_pieces(p_start timestamptz, p_end timestamptz, p_tz text, p_from date[] default null, p_minutes integer[] default null)
returns table (local_date date, piece_start timestamptz, piece_end timestamptz)
language sql immutable parallel safe as $$
  -- Nearly every session lies on one wall date with one offset, without a day start, in a zone that
  -- did not fall back in the day before it (a repeated midnight keeps the next date going): one piece.
  select x.ws::date, p_start, p_end
  from (select p_start at time zone p_tz as ws, (p_end - interval '1 microsecond') at time zone p_tz as we,
               (p_start - interval '26 hours') at time zone p_tz as wb) x
  where p_from is null and x.ws::date = x.we::date
    and x.ws - (p_start at time zone 'UTC') = x.we - ((p_end - interval '1 microsecond') at time zone 'UTC')
    and x.wb - ((p_start - interval '26 hours') at time zone 'UTC') <= x.ws - (p_start at time zone 'UTC')
  union all
  select k.local_date, k.piece_start, k.piece_end
  from (select p_start at time zone p_tz as ws, (p_end - interval '1 microsecond') at time zone p_tz as we,
               (p_start - interval '26 hours') at time zone p_tz as wb) x,
       lateral session_pieces_walk(p_start, p_end, p_tz, p_from, p_minutes) k
  where not (p_from is null and x.ws::date = x.we::date
    and x.ws - (p_start at time zone 'UTC') = x.we - ((p_end - interval '1 microsecond') at time zone 'UTC')
    and x.wb - ((p_start - interval '26 hours') at time zone 'UTC') <= x.ws - (p_start at time zone 'UTC'))
$$;
