-- The accept path is one statement (functions/accept_session.sql): the two-round-trip read and write
-- functions, their helpers and the compare-and-set revision they used go, and so does the rebuild's old
-- boundary search (both paths split sessions with session_pieces now).
drop function accept_session_write_locking(boolean, timestamptz, timestamptz, date, date, text, text, timestamptz, timestamptz, text, text, bigint, date[], integer[], date[], date[], date[], text, integer, integer, date, integer, bigint, jsonb);
drop function accept_session_read_limited(text, float8, float8, text, text, timestamptz, timestamptz, date, date);
drop function accept_session_read(text, text, timestamptz, timestamptz, date, date);
drop function accept_session_write(text, text, timestamptz, timestamptz, text, text, bigint, date[], integer[], date[], date[], date[], text, integer, integer, date, integer, bigint, jsonb);
drop function accept_session_streak_json(user_streaks);
drop function accept_session_ms(timestamptz);
drop function local_day_fallback(timestamptz, timestamptz, date, text);
alter table user_streaks drop column revision;
