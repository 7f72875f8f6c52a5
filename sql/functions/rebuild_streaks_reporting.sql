-- requires: rebuild_is_transient, rebuild_streaks
-- rebuild_streaks, but one user's bad rows never fail the batch: returns the changed users (problem
-- null) and the users left as they were, with the reason (invalid_timezone: <zone>, or the error).
create or replace function rebuild_streaks_reporting(p_users text[], p_qualify_seconds integer, p_project boolean default true, p_freeze_cap integer default 2)
returns table(user_id text, version bigint, problem text)
language plpgsql
as $$
declare
  v_zone text;
  v_bad_zones text[] := '{}';
  v_skipped text[] := '{}';
  v_problems text[] := '{}';
  v_ok text[];
  v_user text;
  v_ids text[] := '{}';
  v_versions bigint[] := '{}';
  r record;
begin
  -- Each distinct zone of the batch is tried once: exactly what the rebuild would ask of it.
  for v_zone in select distinct f.timezone from focus_sessions f where f.user_id = any (p_users) loop
    begin
      perform now() at time zone v_zone;
    exception when others then
      v_bad_zones := v_bad_zones || v_zone;
    end;
  end loop;
  for r in
    select f.user_id as u, min(f.timezone) as tz from focus_sessions f
    where f.user_id = any (p_users) and f.timezone = any (v_bad_zones)
    group by f.user_id order by f.user_id
  loop
    v_skipped := v_skipped || r.u;
    v_problems := v_problems || ('invalid_timezone: ' || r.tz);
  end loop;
  v_ok := array(select distinct u from unnest(p_users) as u where not (u = any (v_skipped)) order by u);

  begin
    for r in select * from rebuild_streaks(v_ok, p_qualify_seconds, p_project, p_freeze_cap) loop
      v_ids := v_ids || r.user_id;
      v_versions := v_versions || r.version;
    end loop;
  exception when others then
    if rebuild_is_transient(sqlstate) then raise; end if;
    -- Some other row is bad: rebuild user by user, each in its own subtransaction.
    v_ids := '{}';
    v_versions := '{}';
    foreach v_user in array v_ok loop
      begin
        for r in select * from rebuild_streaks(array[v_user], p_qualify_seconds, p_project, p_freeze_cap) loop
          v_ids := v_ids || r.user_id;
          v_versions := v_versions || r.version;
        end loop;
      exception when others then
        if rebuild_is_transient(sqlstate) then raise; end if;
        v_skipped := v_skipped || v_user;
        v_problems := v_problems || sqlerrm;
      end;
    end loop;
  end;

  return query
    select c.u, c.v, null::text from unnest(v_ids, v_versions) as c(u, v)
    union all
    select s.u, null::bigint, s.p from unnest(v_skipped, v_problems) as s(u, p);
end;
$$;
