create or replace function rejects_naming_user(p_user text) returns setof bigint
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
