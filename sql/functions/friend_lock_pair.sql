-- Locks two users' rows in id order, creating the missing ones (a Firebase Auth user who never
-- recorded a session has no row yet). Every change of a pair's state takes these locks first, so two
-- users adding each other at the same moment are serialized and end as friends, never as two crossed
-- requests; the fixed order (inserts included) means two such transactions can never deadlock.
create or replace function friend_lock_pair(p_a text, p_b text)
returns void
language plpgsql
as $$
begin
  insert into users (id) select u from unnest(array[least(p_a, p_b), greatest(p_a, p_b)]) as u order by u
  on conflict (id) do nothing;
  perform 1 from users where id in (p_a, p_b) order by id for no key update;
end
$$;
