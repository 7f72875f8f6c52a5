-- One user's backlog must not stall the relay (claims grew quadratically with a user's pending rows).
-- 1. A new outbox row supersedes its user's older pending rows in the statement that inserts it, so
--    a user normally has one pending row whatever they write. A trigger does it for every writer
--    (accept_session_write, rebuild_streaks, enqueue_streak_projection and any later redefinition)
--    without redefining them. Rows of one statement never supersede each other: the relay coalesces
--    those. A row being published right now may be superseded; settling it as published wins.
-- 2. Indexes make "newest pending row of a user" and "newest published version of a user" one probe.

create index streak_outbox_user_pending_idx on streak_outbox (user_id, version)
  where published_at is null and superseded_at is null;
create index streak_outbox_user_published_idx on streak_outbox (user_id, version)
  where published_at is not null;

create function streak_outbox_supersede_older() returns trigger
language plpgsql as $$
declare
  r record;
begin
  -- One indexed update per user (a join with the transition table would plan a scan of the table).
  for r in select n.user_id, min(n.version) as version from new_rows n group by n.user_id loop
    update streak_outbox o set superseded_at = now()
    where o.user_id = r.user_id and o.version < r.version
      and o.published_at is null and o.superseded_at is null;
  end loop;
  return null;
end;
$$;

create trigger streak_outbox_supersede_older
  after insert on streak_outbox
  referencing new table as new_rows
  for each statement execute function streak_outbox_supersede_older();

-- The backlog already waiting: only each user's newest pending row is left to publish.
update streak_outbox o set superseded_at = now()
where o.published_at is null and o.superseded_at is null
  and exists (select from streak_outbox n
              where n.user_id = o.user_id and n.version > o.version
                and n.published_at is null and n.superseded_at is null);
