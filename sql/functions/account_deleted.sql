-- Whether the Firebase Auth account of this uid was deleted.
create or replace function account_deleted(p_user text) returns boolean
language sql stable as $$
  select exists (select from deleted_users d where d.user_id = p_user and d.account_deleted_at is not null)
$$;
