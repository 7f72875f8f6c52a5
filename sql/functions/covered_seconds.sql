-- Whole seconds a union of intervals covers (overlaps count once): a date's credit is
-- covered_seconds(range_agg(tstzrange(piece_start, piece_end))) over its pieces, as unionSeconds does.
create or replace function covered_seconds(p_covered tstzmultirange)
returns integer
language sql immutable strict parallel safe as $$
  select coalesce(floor(sum(extract(epoch from upper(r) - lower(r))))::integer, 0) from unnest(p_covered) r
$$;
