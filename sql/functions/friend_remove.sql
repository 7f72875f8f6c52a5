-- removeFriend in one round trip: ends the friendship in both directions and deletes a pending
-- request either way (cancel or decline). Never an error. removed: 'friendship', 'request' or 'nothing'.
create or replace function friend_remove(p_user text, p_friend text)
returns table(removed text, friends integer)
language plpgsql
as $$
declare
  v_friendships integer;
  v_requests integer;
begin
  -- Same locks as friend_add, without creating rows: a user without a row has nothing to remove.
  perform 1 from users where id in (p_user, p_friend) order by id for no key update;
  delete from friendships f
  where (f.user_id = p_user and f.friend_id = p_friend) or (f.user_id = p_friend and f.friend_id = p_user);
  get diagnostics v_friendships = row_count;
  delete from friend_requests r
  where (r.requester_id = p_user and r.addressee_id = p_friend) or (r.requester_id = p_friend and r.addressee_id = p_user);
  get diagnostics v_requests = row_count;
  return query select case when v_friendships > 0 then 'friendship' when v_requests > 0 then 'request' else 'nothing' end,
                      (select count(*)::int from friendships f where f.user_id = p_user);
end
$$;
