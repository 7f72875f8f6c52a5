-- The key of a user's advisory lock: accept_session, the friend calls (friend_lock_pair) and the
-- deletion (delete_user_data) hold it for their transaction, so a user's writers take turns.
create or replace function accept_session_lock_key(p_user_id text) returns bigint
language sql immutable strict parallel safe as $$ select hashtextextended('accept_session:' || p_user_id, 0) $$;
