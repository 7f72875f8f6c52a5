-- requires: account_deleted
-- A gone account never gets a users row back, whoever inserts it.
create or replace function deleted_users_refuse_account_user() returns trigger
language plpgsql as $$
begin
  if account_deleted(new.id) then
    raise exception 'the Firebase Auth account of this user was deleted' using errcode = 'FSDEL';
  end if;
  return new;
end;
$$;
