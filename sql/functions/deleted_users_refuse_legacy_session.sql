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
