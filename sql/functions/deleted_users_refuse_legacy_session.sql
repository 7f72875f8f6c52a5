-- Legacy data written before a deletion never comes back. The bridge's insert fails with FSDEL (the
-- bridge records a deleted_user reject); a backfill row is skipped (the backfill filters these rows
-- itself before inserting; this only closes the race with a deletion committing meanwhile). Sessions
-- from the callable are the user's own new data and are never checked, so the hot path pays nothing.
create or replace function deleted_users_refuse_legacy_session()
returns trigger
language plpgsql
as $$
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
