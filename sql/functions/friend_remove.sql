-- requires: friend_lock_pair
-- As in 008, under the same locks as friend_add; a removal that removed something is remembered
-- (friend_removals). removed: 'friendship', 'request', 'nothing', or 'account_deleted' (the caller's
-- account is gone: nothing is done).
create or replace function friend_remove(p_user text, p_friend text)
returns table (removed text, friends integer)
language plpgsql as $$
declare
  v_friendships integer;
  v_requests integer;
begin
  perform pg_advisory_xact_lock(accept_session_lock_key(least(p_user, p_friend)));
  perform pg_advisory_xact_lock(accept_session_lock_key(greatest(p_user, p_friend)));
  if account_deleted(p_user) then
    return query select 'account_deleted'::text, 0;
    return;
  end if;
  perform 1 from users where id in (p_user, p_friend) order by id for no key update;
  delete from friendships f
  where (f.user_id = p_user and f.friend_id = p_friend) or (f.user_id = p_friend and f.friend_id = p_user);
  get diagnostics v_friendships = row_count;
  delete from friend_requests r
  where (r.requester_id = p_user and r.addressee_id = p_friend) or (r.requester_id = p_friend and r.addressee_id = p_user);
  get diagnostics v_requests = row_count;
  if v_friendships > 0 or v_requests > 0 then
    insert into friend_removals (user_id, friend_id) values (p_user, p_friend)
    on conflict (user_id, friend_id) do update set removed_at = now();
  end if;
  return query select case when v_friendships > 0 then 'friendship' when v_requests > 0 then 'request' else 'nothing' end,
                      (select count(*)::int from friendships f where f.user_id = p_user);
end
$$;
