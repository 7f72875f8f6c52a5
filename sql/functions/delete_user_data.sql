-- Deletes every row about one user in one transaction (the caller's), and records the tombstone.
-- Locks as the write path does (the streak row first, then the users row), so a concurrent accept
-- either commits before (and is deleted) or reads again after (and starts a new life above the floor).
-- Also deletes from every other table with a user_id column (the rate-limit state, and any per-user
-- table added later), so a new table cannot silently keep a deleted user's rows.
-- Backfill rejects have no user column: matched on raw ->> 'userId' and on a users/{uid}/ document path.
create or replace function delete_user_data(p_user text)
returns table(sessions integer, days integer, friendships integer, requests integer, version_floor bigint, deleted_at timestamptz)
language plpgsql
as $$
declare
  v_version bigint;
  v_sessions integer;
  v_days integer;
  v_friendships integer;
  v_requests integer;
  v_floor bigint;
  v_at timestamptz;
  v_table record;
  v_prefix text := 'users/' || p_user || '/';
begin
  select s.version into v_version from user_streaks s where s.user_id = p_user for update;
  perform 1 from users u where u.id = p_user for update;

  delete from focus_sessions f where f.user_id = p_user;
  get diagnostics v_sessions = row_count;
  delete from daily_focus d where d.user_id = p_user;
  get diagnostics v_days = row_count;
  delete from streak_runs r where r.user_id = p_user;
  delete from streak_outbox o where o.user_id = p_user;
  delete from user_streaks s where s.user_id = p_user;
  select count(*)::int into v_friendships from friendships f where f.user_id = p_user;
  delete from friendships f where f.user_id = p_user or f.friend_id = p_user;
  delete from friend_requests r where r.requester_id = p_user or r.addressee_id = p_user;
  get diagnostics v_requests = row_count;
  delete from backfill_run_users b where b.user_id = p_user;
  delete from backfill_rejects r where r.raw ->> 'userId' = p_user or left(r.document_path, length(v_prefix)) = v_prefix;
  for v_table in
    select c.table_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
    where c.table_schema = current_schema() and c.column_name = 'user_id'
      and c.table_name not in ('deleted_users', 'focus_sessions', 'daily_focus', 'streak_runs', 'streak_outbox',
                               'user_streaks', 'friendships', 'backfill_run_users')
    order by c.table_name
  loop
    execute format('delete from %I where user_id = $1', v_table.table_name) using p_user;
  end loop;
  delete from users u where u.id = p_user;

  insert into deleted_users as d (user_id, version_floor, deleted_at)
  values (p_user, coalesce(v_version, 0), now())
  on conflict (user_id) do update
    set version_floor = greatest(d.version_floor, excluded.version_floor), deleted_at = excluded.deleted_at
  returning d.version_floor, d.deleted_at into v_floor, v_at;

  return query select v_sessions, v_days, v_friendships, v_requests, v_floor, v_at;
end;
$$;
