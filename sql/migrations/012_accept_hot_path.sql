-- The accept path's helpers are labelled as volatile as their bodies, so the planner inlines them.
-- Labelled immutable over stable bodies (jsonb_build_object and extract from a timestamptz are
-- stable), PostgreSQL refused to inline them and parsed and planned each body again on every call:
-- measured, about a tenth of the server's time per accept (perf, 8 concurrent users). Results are unchanged.
alter function accept_session_ms(timestamptz) stable;
alter function accept_session_streak_json(user_streaks) stable;
