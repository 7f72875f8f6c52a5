-- requires: streak_event_payload
-- Queues the current streaks of the given users (null = all) for projection, for `reproject`.
-- A user whose current version still waits in the outbox is skipped (it will be published);
-- otherwise the version is bumped, because the projector ignores versions it already holds and
-- the Firestore document may have been overwritten by a legacy writer since. Version 0 (never
-- computed) is skipped: projecting it would replace a legacy streak with zeros.
create or replace function enqueue_streak_projection(p_users text[])
returns table(user_id text, version bigint)
language plpgsql
as $$
begin
  return query
  with locked as (
    select s.user_id from user_streaks s
    where (p_users is null or s.user_id = any (p_users)) and s.version > 0
      and not exists (
        select from streak_outbox o
        where o.user_id = s.user_id and o.version = s.version and o.published_at is null and o.superseded_at is null)
    order by s.user_id
    for update of s
  ),
  bumped as (
    update user_streaks s set version = s.version + 1, updated_at = now()
    from locked l where s.user_id = l.user_id
    returning s.*
  ),
  queued as (
    insert into streak_outbox (user_id, version, payload)
    select b.user_id, b.version, streak_event_payload(b) from bumped b
    returning streak_outbox.user_id
  )
  select b.user_id, b.version from bumped b;
end;
$$;
