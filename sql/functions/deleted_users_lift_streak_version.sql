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
