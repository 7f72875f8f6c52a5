-- requires: enqueue_streak_projection, rebuild_is_transient
-- enqueue_streak_projection, with the same guarantee: a user whose stored streak cannot be turned
-- into an event (a zone PostgreSQL does not know) is reported, the others are queued.
create or replace function enqueue_streak_projection_reporting(p_users text[])
returns table(user_id text, version bigint, problem text)
language plpgsql
as $$
declare
  v_user text;
  v_ids text[] := '{}';
  v_versions bigint[] := '{}';
  v_skipped text[] := '{}';
  v_problems text[] := '{}';
  r record;
begin
  begin
    for r in select * from enqueue_streak_projection(p_users) loop
      v_ids := v_ids || r.user_id;
      v_versions := v_versions || r.version;
    end loop;
  exception when others then
    if rebuild_is_transient(sqlstate) then raise; end if;
    v_ids := '{}';
    v_versions := '{}';
    foreach v_user in array array(select distinct u from unnest(p_users) as u order by u) loop
      begin
        for r in select * from enqueue_streak_projection(array[v_user]) loop
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
