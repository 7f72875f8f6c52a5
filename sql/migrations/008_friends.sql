-- Friends with consent. One side asks (a row in friend_requests), the other side's addFriend accepts:
-- the request becomes a friendship stored in both directions (friendships, from 001). Leaderboards
-- read the caller's friendships range, then each member's user_streaks row and the week's daily_focus
-- rows by primary key: every board is a few index probes per member, whatever the size of the tables.

create table friend_requests (
  requester_id  text not null references users (id),
  addressee_id  text not null references users (id),
  created_at    timestamptz not null default now(),
  primary key (requester_id, addressee_id),
  check (requester_id <> addressee_id)
);
comment on table friend_requests is 'Pending friend requests: requester asked, addressee has not answered. Accepting or declining deletes the row.';
-- Incoming requests of a user (getFriends, the accept check) in one range scan; outgoing ones use the primary key.
create index friend_requests_addressee_idx on friend_requests (addressee_id, requester_id);

-- The friendships backfill reads legacy users/{uid}.friends arrays.
alter table backfill_runs drop constraint backfill_runs_kind_check;
alter table backfill_runs add constraint backfill_runs_kind_check check (kind in ('sessions', 'users', 'friendships'));

-- Locks two users' rows in id order, creating the missing ones (a Firebase Auth user who never
-- recorded a session has no row yet). Every change of a pair's state takes these locks first, so two
-- users adding each other at the same moment are serialized and end as friends, never as two crossed
-- requests; the fixed order (inserts included) means two such transactions can never deadlock.
create function friend_lock_pair(p_a text, p_b text) returns void
language plpgsql as $$
begin
  insert into users (id) select u from unnest(array[least(p_a, p_b), greatest(p_a, p_b)]) as u order by u
  on conflict (id) do nothing;
  perform 1 from users where id in (p_a, p_b) order by id for no key update;
end
$$;

-- addFriend in one round trip. status: 'friends' (already, or the other side had asked: accepted
-- now, both directions) or 'requested' (a pending request, kept once). refused: the cap that stopped
-- the call ('friends': the caller's, 'friend_friends': the other user's, 'pending_requests'), with
-- nothing changed. friends: the caller's mutual friends after the call.
create function friend_add(p_user text, p_friend text, p_friends_max integer, p_pending_max integer)
returns table (status text, refused text, friends integer)
language plpgsql as $$
declare
  v_status text;
  v_refused text;
begin
  perform friend_lock_pair(p_user, p_friend);
  if exists (select from friendships f where f.user_id = p_user and f.friend_id = p_friend) then
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

-- removeFriend in one round trip: ends the friendship in both directions and deletes a pending
-- request either way (cancel or decline). Never an error. removed: 'friendship', 'request' or 'nothing'.
create function friend_remove(p_user text, p_friend text)
returns table (removed text, friends integer)
language plpgsql as $$
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
