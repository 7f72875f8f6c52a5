-- requires: accept_session_lock_key, account_deleted
-- As in 008, after the two users' own locks in id order (a deletion holds the same lock), and
-- without creating a row for a gone account (friend_add refuses the call then).
create or replace function friend_lock_pair(p_a text, p_b text) returns void
language plpgsql as $$
begin
  perform pg_advisory_xact_lock(accept_session_lock_key(least(p_a, p_b)));
  perform pg_advisory_xact_lock(accept_session_lock_key(greatest(p_a, p_b)));
  insert into users (id) select u from unnest(array[least(p_a, p_b), greatest(p_a, p_b)]) as u
  where not account_deleted(u) order by u
  on conflict (id) do nothing;
  perform 1 from users where id in (p_a, p_b) order by id for no key update;
end
$$;
