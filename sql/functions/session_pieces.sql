-- requires: session_pieces_walk
-- A session cut at every change of local date in its own zone, each instant going to the date a wall
-- clock there shows, as the reference model's splitSession does: pieces in time order, contiguous,
-- covering [p_start, p_end) exactly, a date owning two pieces where a clock falls back across midnight.
-- Like the model it assumes a zone never changes its offset twice within one local day and back.
create or replace function session_pieces(p_start timestamptz, p_end timestamptz, p_tz text)
returns table (local_date date, piece_start timestamptz, piece_end timestamptz)
language sql immutable parallel safe as $$
  -- Nearly every session lies on one date with one offset: one piece, no walk.
  select x.ws::date, p_start, p_end
  from (select p_start at time zone p_tz as ws, (p_end - interval '1 microsecond') at time zone p_tz as we) x
  where x.ws::date = x.we::date
    and x.ws - (p_start at time zone 'UTC') = x.we - ((p_end - interval '1 microsecond') at time zone 'UTC')
  union all
  select k.local_date, k.piece_start, k.piece_end
  from (select p_start at time zone p_tz as ws, (p_end - interval '1 microsecond') at time zone p_tz as we) x,
       lateral session_pieces_walk(p_start, p_end, p_tz) k
  where not (x.ws::date = x.we::date
    and x.ws - (p_start at time zone 'UTC') = x.we - ((p_end - interval '1 microsecond') at time zone 'UTC'))
$$;
