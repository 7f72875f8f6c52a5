-- The trace of the change an outbox row carries (a W3C traceparent: the callable's request, the bridge's
-- trigger event), so the relay's publish and the projector's write log under the same trace as the
-- accept that wrote the row. Null for rows written before, and by rebuilds and re-projections (no request).
alter table streak_outbox add column trace text
  check (trace is null or trace ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$');
comment on column streak_outbox.trace is 'W3C traceparent of the request that wrote the row (null: none); sent as the message attribute traceparent.';

-- accept_session takes the trace (p_trace, last): its old signature is dropped (absent on a new database,
-- where the function files run after the migrations), functions/accept_session.sql re-creates it.
drop function if exists accept_session(text, text, timestamptz, timestamptz, text, text, integer, text, float8, float8, boolean);
