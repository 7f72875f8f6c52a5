-- requires: friend_lock_pair, account_deleted
-- As in 008; refused: 'account_deleted' (the caller's account is gone) or 'friend_deleted' (the other's).
create or replace function friend_add(p_user text, p_friend text, p_friends_max integer, p_pending_max integer)
returns table (status text, refused text, friends integer)
language plpgsql as $$
declare
  v_status text;
  v_refused text;
begin
  perform friend_lock_pair(p_user, p_friend);
  if account_deleted(p_user) then
    v_refused := 'account_deleted';
  elsif account_deleted(p_friend) then
    v_refused := 'friend_deleted';
  elsif exists (select from friendships f where f.user_id = p_user and f.friend_id = p_friend) then
    v_status := 'friends';
  elsif exists (select from friend_requests r where r.requester_id = p_friend and r.addressee_id = p_user) then
    if (select count(*) from friendships f where f.user_id = p_user) >= p_friends_max then
      v_refused := 'friends';
    elsif (select count(*) from friendships f where f.user_id = p_friend) >= p_friends_max then
      v_refused := 'friend_friends';
    else
      delete from friend_requests r
      where (r.requester_id = p_friend and r.addressee_id = p_user) or (r.requester_id = p_user and r.addressee_id = p_friend);
      insert into friendships (user_id, friend_id) values (p_user, p_friend), (p_friend, p_user) on conflict do nothing;
      v_status := 'friends';
    end if;
  elsif exists (select from friend_requests r where r.requester_id = p_user and r.addressee_id = p_friend) then
    v_status := 'requested';
  elsif (select count(*) from friend_requests r where r.requester_id = p_user) >= p_pending_max then
    v_refused := 'pending_requests';
  else
    insert into friend_requests (requester_id, addressee_id) values (p_user, p_friend);
    v_status := 'requested';
  end if;
  return query select v_status, v_refused, (select count(*)::int from friendships f where f.user_id = p_user);
end
$$;
