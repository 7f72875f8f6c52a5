-- Per-user rate limits of the mutating callables, and contention that cannot multiply work.
--
-- Rate limit: one token bucket per (user, action). A call takes a token in a statement it already
-- makes (the accept's read; for the friend callables one statement of its own), so limiting adds no
-- round trip to the accept. The state is UNLOGGED: no WAL, so taking a token never waits for a
-- flush; after a crash the buckets start full, which only forgives a moment of excess.
create unlogged table rate_limits (
  user_id text not null,
  action text not null,
  tokens double precision not null,
  refilled_at timestamptz not null,
  primary key (user_id, action)
);

-- Takes one token from the (user, action) bucket, refilled at p_per_minute up to p_burst.
-- Returns 0 when taken, else the whole seconds until a token is there (at least 1); a refused call
-- changes nothing, so it neither drains the bucket nor delays the refill.
create function rate_limit_take(p_user_id text, p_action text, p_per_minute double precision, p_burst double precision)
returns integer
language plpgsql as $$
declare
  v_now timestamptz := clock_timestamp();
  v_tokens double precision;
  v_at timestamptz;
begin
  select r.tokens, r.refilled_at into v_tokens, v_at from rate_limits r
  where r.user_id = p_user_id and r.action = p_action for update;
  if not found then
    insert into rate_limits (user_id, action, tokens, refilled_at) values (p_user_id, p_action, p_burst - 1, v_now)
    on conflict (user_id, action) do nothing;
    if found then return 0; end if;
    -- A concurrent first call created the bucket: take from it.
    select r.tokens, r.refilled_at into v_tokens, v_at from rate_limits r
    where r.user_id = p_user_id and r.action = p_action for update;
  end if;
  v_tokens := least(p_burst, v_tokens + greatest(0, extract(epoch from v_now - v_at)) * p_per_minute / 60);
  if v_tokens >= 1 then
    update rate_limits set tokens = v_tokens - 1, refilled_at = greatest(v_now, v_at)
    where user_id = p_user_id and action = p_action;
    return 0;
  end if;
  return greatest(1, ceil((1 - v_tokens) * 60 / p_per_minute))::integer;
end;
$$;

-- accept_session_read (006: the stored session looked up within its user), after taking a token of
-- p_action: one statement, as before. When refused: {"retryAfterSeconds": n} and nothing is read.
create function accept_session_read_limited(
  p_action text, p_per_minute double precision, p_burst double precision,
  p_user_id text, p_session_id text,
  p_window_from timestamptz, p_window_to timestamptz, p_dates_from date, p_dates_to date
) returns jsonb
language plpgsql as $$
declare
  v_wait integer := rate_limit_take(p_user_id, p_action, p_per_minute, p_burst);
begin
  if v_wait > 0 then
    return jsonb_build_object('retryAfterSeconds', v_wait);
  end if;
  return accept_session_read(p_user_id, p_session_id, p_window_from, p_window_to, p_dates_from, p_dates_to);
end;
$$;

-- Contention. Optimistic writes of one user's N concurrent accepts made every loser read and write
-- again, round after round (200 accepts: 13,683 read+write pairs). Now every accept write holds the
-- user's advisory lock for its transaction, and a write that finds the user changed keeps the lock
-- (session level) and answers with a fresh read taken under it: the caller's next write cannot be
-- stale and releases the lock. An accept costs at most three statements: read, stale write (with
-- the fresh read), write.
create function accept_session_lock_key(p_user_id text) returns bigint
language sql immutable strict parallel safe as $$ select hashtextextended('accept_session:' || p_user_id, 0) $$;

-- accept_session_write under the user's lock. p_lock_held: the caller holds the lock from its
-- previous stale answer (released here once written). When stale, the caller holds the lock on
-- return and `fresh` is accept_session_read of [p_window_*, p_dates_*] seen under it.
create function accept_session_write_locking(
  p_lock_held boolean,
  p_window_from timestamptz, p_window_to timestamptz, p_dates_from date, p_dates_to date,
  p_user_id text, p_session_id text, p_start timestamptz, p_end timestamptz, p_timezone text, p_source text,
  p_expected_revision bigint,
  p_credit_dates date[], p_credit_seconds integer[],
  p_removed_run_starts date[], p_added_run_starts date[], p_added_run_ends date[],
  p_zone text,
  p_current_streak integer, p_longest_streak integer, p_last_qualified_date date, p_qualified_days_count integer,
  p_version bigint, p_payload jsonb,
  out status text, out outbox_id bigint, out fresh jsonb
)
language plpgsql as $$
declare
  v_key bigint := accept_session_lock_key(p_user_id);
begin
  -- Writers queue here, not on the streak row, so a lock kept across a caller's compute excludes them.
  perform pg_advisory_xact_lock(v_key);
  select w.status, w.outbox_id into status, outbox_id from accept_session_write(
    p_user_id, p_session_id, p_start, p_end, p_timezone, p_source, p_expected_revision,
    p_credit_dates, p_credit_seconds, p_removed_run_starts, p_added_run_starts, p_added_run_ends,
    p_zone, p_current_streak, p_longest_streak, p_last_qualified_date, p_qualified_days_count,
    p_version, p_payload) w;
  if status = 'written' then
    if p_lock_held then perform pg_advisory_unlock(v_key); end if;
    return;
  end if;
  -- Granted at once: this transaction already holds the same key.
  if not p_lock_held then perform pg_advisory_lock(v_key); end if;
  fresh := accept_session_read(p_user_id, p_session_id, p_window_from, p_window_to, p_dates_from, p_dates_to);
end;
$$;
