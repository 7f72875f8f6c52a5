-- requires: account_deletion_gate, accept_session_lock_key, rejects_naming_user
create or replace function delete_user_data(p_user text, p_account_deleted boolean default false)
returns table (sessions integer, days integer, friendships integer, requests integer, version_floor bigint, deleted_at timestamptz,
               documents_requested_at timestamptz)
language plpgsql as $$
declare
  v_version bigint;
  v_sessions integer;
  v_days integer;
  v_friendships integer;
  v_requests integer;
  v_floor bigint;
  v_at timestamptz;
  v_requested timestamptz;
  v_table record;
begin
  perform pg_advisory_xact_lock(account_deletion_gate());
  perform pg_advisory_xact_lock(accept_session_lock_key(p_user));
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
  delete from friend_removals r where r.user_id = p_user or r.friend_id = p_user;
  delete from backfill_run_users b where b.user_id = p_user;
  delete from backfill_rejects r where r.id = any (array(select n from rejects_naming_user(p_user) as n));
  for v_table in
    select c.table_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
    where c.table_schema = current_schema() and c.column_name = 'user_id'
      and c.table_name not in ('deleted_users', 'focus_sessions', 'daily_focus', 'streak_runs', 'streak_outbox',
                               'user_streaks', 'friendships', 'backfill_run_users', 'friend_removals',
                               'rate_limits', 'pending_document_deletions')
    order by c.table_name
  loop
    execute format('delete from %I where user_id = $1', v_table.table_name) using p_user;
  end loop;
  delete from users u where u.id = p_user;

  insert into deleted_users as d (user_id, version_floor, deleted_at, account_deleted_at)
  values (p_user, coalesce(v_version, 0), now(), case when p_account_deleted then now() end)
  on conflict (user_id) do update
    set version_floor = greatest(d.version_floor, excluded.version_floor), deleted_at = excluded.deleted_at,
        account_deleted_at = coalesce(d.account_deleted_at, excluded.account_deleted_at)
  returning d.version_floor, d.deleted_at into v_floor, v_at;

  insert into pending_document_deletions as p (user_id, requested_at, attempts, next_attempt_at, last_error)
  values (p_user, now(), 0, now() + interval '2 minutes', null)
  on conflict (user_id) do update
    set requested_at = excluded.requested_at, attempts = 0, next_attempt_at = excluded.next_attempt_at, last_error = null
  returning p.requested_at into v_requested;

  return query select v_sessions, v_days, v_friendships, v_requests, v_floor, v_at, v_requested;
end;
$$;
