-- Deleted stays deleted.
-- 1. An account deleted in Firebase Auth refuses every writer for its uid from the deletion on.
--    deleted_users records which deletion happened: account_deleted_at is set by the Auth trigger (and
--    the delete-user CLI with --account-deleted), null for deleteMyData on a live account, whose user
--    may record again (the rule of 010). For a gone account the database refuses the users,
--    user_streaks and focus_sessions rows of every writer, and the friend functions refuse the call.
--    The deletion holds the user's lock (the one every accept write and friend call holds) and the
--    deletion gate (backfill batches hold it shared), so a writer either commits before the deletion
--    (and is deleted) or runs after it (and sees the tombstone): an ID token that stays valid for an
--    hour after the deletion writes nothing.
-- 2. The Firestore half of a deletion is durable: the deletion records it in pending_document_deletions
--    in its own transaction; the caller tries it at once, finishAccountDeletions finishes what is left.
-- 3. friend_removals remembers every removeFriend that removed something, so the friendship backfill
--    never restores what a user took apart.
-- 4. The deletion keeps rate-limit state (pruneTables prunes idle buckets by age: deleting them reset
--    the caller's limits) and removes every backfill reject that names the user.

alter table deleted_users add column account_deleted_at timestamptz;
comment on column deleted_users.account_deleted_at is
  'When the Firebase Auth account was deleted: nothing is stored for this uid again. Null when only the data was deleted (the user may record again).';

-- Whether the Firebase Auth account of this uid was deleted.
create function account_deleted(p_user text) returns boolean
language sql stable as $$
  select exists (select from deleted_users d where d.user_id = p_user and d.account_deleted_at is not null)
$$;

-- The advisory lock a deletion holds exclusively and a backfill batch holds shared: a batch never
-- straddles a deletion, so its tombstone check and its writes see the same deletions.
create function account_deletion_gate() returns bigint
language sql immutable parallel safe as $$ select hashtextextended('account_deletion_gate', 0) $$;

create table pending_document_deletions (
  user_id          text primary key check (length(user_id) between 1 and 128),
  -- Which deletion asked: a later deletion of the same user starts the work again.
  requested_at     timestamptz not null default now(),
  attempts         integer not null default 0,
  next_attempt_at  timestamptz not null default now(),
  last_error       text
);
comment on table pending_document_deletions is
  'Firestore work of deletions not known to be done (legacy sessions, users/{uid}, the streaks/{uid} tombstone). Id-only.';
create index pending_document_deletions_due_idx on pending_document_deletions (next_attempt_at);

create table friend_removals (
  user_id     text not null check (length(user_id) between 1 and 128),
  friend_id   text not null check (length(friend_id) between 1 and 128),
  removed_at  timestamptz not null default now(),
  primary key (user_id, friend_id)
);
comment on table friend_removals is
  'removeFriend calls that ended a friendship or a request (user_id removed friend_id): the friendship backfill never restores such a pair.';
create index friend_removals_friend_idx on friend_removals (friend_id, user_id);

-- Sessions: a gone account's rows are refused whatever their source (a backfill row is skipped, as
-- in 010); a live account keeps the legacy rule of 010. This probes deleted_users for callable rows
-- too now, one index probe of a small table.
create or replace function deleted_users_refuse_legacy_session() returns trigger
language plpgsql as $$
declare
  v_deleted_at timestamptz;
  v_account_deleted_at timestamptz;
begin
  select d.deleted_at, d.account_deleted_at into v_deleted_at, v_account_deleted_at
  from deleted_users d where d.user_id = new.user_id;
  if v_deleted_at is null then
    return new;
  end if;
  if v_account_deleted_at is not null or (new.source <> 'callable' and new.start_time < v_deleted_at) then
    if new.source = 'backfill' then
      return null;
    end if;
    raise exception 'session of a deleted user refused' using errcode = 'FSDEL';
  end if;
  return new;
end;
$$;

-- A gone account never gets a users row back, whoever inserts it.
create function deleted_users_refuse_account_user() returns trigger
language plpgsql as $$
begin
  if account_deleted(new.id) then
    raise exception 'the Firebase Auth account of this user was deleted' using errcode = 'FSDEL';
  end if;
  return new;
end;
$$;
create trigger deleted_users_refuse_account_user
  before insert on users
  for each row execute function deleted_users_refuse_account_user();

-- Nor a streak row (010's floor lift, plus the refusal).
create or replace function deleted_users_lift_streak_version() returns trigger
language plpgsql as $$
declare
  v_floor bigint;
  v_account_deleted_at timestamptz;
begin
  select d.version_floor, d.account_deleted_at into v_floor, v_account_deleted_at from deleted_users d where d.user_id = new.user_id;
  if v_account_deleted_at is not null then
    raise exception 'the Firebase Auth account of this user was deleted' using errcode = 'FSDEL';
  end if;
  if v_floor is not null and v_floor > 0 and new.version <= v_floor then
    new.version := new.version + v_floor;
  end if;
  return new;
end;
$$;

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

-- The rejects that name a user: the path is users/<uid> or under it, or the raw document (a session,
-- a users/{uid} with friends, an export line {path, data}) holds the uid as its userId, a friends
-- entry or its users/<uid> path; a line that was not JSON (raw is a string) names them when the uid appears in it as a string
-- of its own or a path segment. Indexed (GIN containment, the path, the lines apart), so a deletion
-- does not read every reject: a scan cost 1.3 s per deletion over 100,000 rejects.
create index backfill_rejects_raw_idx on backfill_rejects using gin (raw jsonb_path_ops);
create index backfill_rejects_path_idx on backfill_rejects (document_path text_pattern_ops);
create index backfill_rejects_lines_idx on backfill_rejects (id) where jsonb_typeof(raw) = 'string';

create function rejects_naming_user(p_user text) returns setof bigint
language sql stable as $$
  select r.id from backfill_rejects r
  where r.document_path = 'users/' || p_user
     or r.document_path like 'users/' || replace(replace(replace(p_user, '\', '\\'), '%', '\%'), '_', '\_') || '/%'
     or r.raw @> jsonb_build_object('userId', p_user)
     or r.raw @> jsonb_build_object('path', 'users/' || p_user)
     or r.raw @> jsonb_build_object('friends', jsonb_build_array(p_user))
     or r.raw @> jsonb_build_object('data', jsonb_build_object('userId', p_user))
     or r.raw @> jsonb_build_object('data', jsonb_build_object('friends', jsonb_build_array(p_user)))
     or (jsonb_typeof(r.raw) = 'string'
         and (position(to_jsonb(p_user)::text in r.raw #>> '{}') > 0 or position('/' || p_user || '"' in r.raw #>> '{}') > 0
              or position('/' || p_user || '/' in r.raw #>> '{}') > 0))
$$;

-- As in 010, and: p_account_deleted records that the Firebase Auth account is gone (never undone by a
-- later deletion of the data only); the user's lock and the deletion gate come first; rate-limit
-- state is kept; every reject naming the user and their friend removals go; the Firestore work is
-- recorded in pending_document_deletions, due after two minutes (the caller tries it at once).
drop function delete_user_data(text);
create function delete_user_data(p_user text, p_account_deleted boolean default false)
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
