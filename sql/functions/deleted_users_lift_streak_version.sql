-- Every writer that creates a user's streak row (the accept path, rebuild_streaks and their later
-- redefinitions) starts a tombstoned user's versions above the floor, without being redefined. The
-- accept path already reads the floor and writes floor + 1; this covers every other writer. A version
-- at or below the floor can only come from a count restarted at 0, so it is lifted by the floor.
create or replace function deleted_users_lift_streak_version()
returns trigger
language plpgsql
as $$
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
