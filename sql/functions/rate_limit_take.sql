-- Takes one token from the (user, action) bucket, refilled at p_per_minute up to p_burst.
-- Returns 0 when taken, else the whole seconds until a token is there (at least 1); a refused call
-- changes nothing, so it neither drains the bucket nor delays the refill.
create or replace function rate_limit_take(p_user_id text, p_action text, p_per_minute float8, p_burst float8)
returns integer
language plpgsql
as $$
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
