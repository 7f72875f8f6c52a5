-- A user's own data: deletion (deleteMyData, the Firebase Auth deletion trigger, npm run delete-user).
-- delete_user_data removes every row about a user in one transaction and leaves an id-only tombstone
-- in deleted_users: no personal data, only what keeps deleted data from coming back.
-- 1. version_floor: the user's last streak version. A user who records again starts above it, so
--    versions never go backwards and a streak-updated message still in flight (version <= floor)
--    loses to the Firestore tombstone document and to everything after it.
-- 2. deleted_at: a legacy session (bridge, backfill) of a tombstoned user that starts before it is
--    data written before the deletion, and is refused (reason deleted_user) instead of restored.

create table deleted_users (
  user_id        text primary key check (length(user_id) between 1 and 128),
  version_floor  bigint not null default 0 check (version_floor >= 0),
  deleted_at     timestamptz not null default now()
);
comment on table deleted_users is 'Id-only tombstones of deleted users: the version floor of their projection and when they were deleted. No personal data.';

-- Every writer that creates a user's streak row (the accept path, rebuild_streaks and their later
-- redefinitions) starts a tombstoned user's versions above the floor, without being redefined. The
-- accept path already reads the floor and writes floor + 1; this covers every other writer. A version
-- at or below the floor can only come from a count restarted at 0, so it is lifted by the floor.
create function deleted_users_lift_streak_version() returns trigger
language plpgsql as $$
declare
  v_floor bigint;
begin
  select d.version_floor into v_floor from deleted_users d where d.user_id = new.user_id;
  if v_floor is not null and v_floor > 0 and new.version <= v_floor then
    new.version := new.version + v_floor;
  end if;
  return new;
end;
$$;
create trigger deleted_users_lift_streak_version
  before insert on user_streaks
  for each row execute function deleted_users_lift_streak_version();

-- The outbox row written with such a restarted version is lifted the same way, payload included.
create function deleted_users_lift_outbox_version() returns trigger
language plpgsql as $$
declare
  v_floor bigint;
begin
  select d.version_floor into v_floor from deleted_users d where d.user_id = new.user_id;
  if v_floor is not null and v_floor > 0 and new.version <= v_floor then
    new.version := new.version + v_floor;
    new.payload := jsonb_set(new.payload, '{version}', to_jsonb(new.version));
  end if;
  return new;
end;
$$;
create trigger deleted_users_lift_outbox_version
  before insert on streak_outbox
  for each row execute function deleted_users_lift_outbox_version();

-- Legacy data written before a deletion never comes back. The bridge's insert fails with FSDEL (the
-- bridge records a deleted_user reject); a backfill row is skipped (the backfill filters these rows
-- itself before inserting; this only closes the race with a deletion committing meanwhile). Sessions
-- from the callable are the user's own new data and are never checked, so the hot path pays nothing.
create function deleted_users_refuse_legacy_session() returns trigger
language plpgsql as $$
begin
  if new.source <> 'callable'
     and exists (select from deleted_users d where d.user_id = new.user_id and new.start_time < d.deleted_at) then
    if new.source = 'backfill' then
      return null;
    end if;
    raise exception 'legacy session of a deleted user, written before the deletion' using errcode = 'FSDEL';
  end if;
  return new;
end;
$$;
create trigger deleted_users_refuse_legacy_session
  before insert on focus_sessions
  for each row execute function deleted_users_refuse_legacy_session();

-- Deletes every row about one user in one transaction (the caller's), and records the tombstone.
-- Locks as the write path does (the streak row first, then the users row), so a concurrent accept
-- either commits before (and is deleted) or reads again after (and starts a new life above the floor).
-- Also deletes from every other table with a user_id column (the rate-limit state, and any per-user
-- table added later), so a new table cannot silently keep a deleted user's rows.
-- Backfill rejects have no user column: matched on raw ->> 'userId' and on a users/{uid}/ document path.
create function delete_user_data(p_user text)
returns table (sessions integer, days integer, friendships integer, requests integer, version_floor bigint, deleted_at timestamptz)
language plpgsql as $$
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
