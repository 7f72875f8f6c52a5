-- The outbox row written with such a restarted version is lifted the same way, payload included.
create or replace function deleted_users_lift_outbox_version()
returns trigger
language plpgsql
as $$
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
