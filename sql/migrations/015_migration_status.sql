-- What `npm run status` reads: every figure from an index or a small table, never a scan of
-- focus_sessions, and nothing added to the accept path beyond one index entry per session.
--
-- 1. Sessions per hour and source. A counter updated by a trigger on every insert would be one hot
--    row serializing every accept across users. Instead whoever reads the status (and the scheduled
--    reconcile pass) rolls the sessions of closed hours up from a watermark, over an index on
--    created_at; only the hour or so after the watermark is counted live. created_at is the inserting
--    transaction's start, so an hour is closed once it ended more than a margin ago (the rolling code
--    uses 10 minutes, far above any writer's transaction). Sessions deleted later (an account
--    deletion) stay counted in the hours they arrived in.
-- Building the index blocks writes to focus_sessions while it runs (about a second per million rows).
create index focus_sessions_created_idx on focus_sessions (created_at);

create table session_hours (
  hour      timestamptz not null check (hour = date_trunc('hour', hour, 'UTC')),
  source    text not null,
  sessions  bigint not null check (sessions >= 0),
  primary key (hour, source)
);
comment on table session_hours is 'Sessions by the UTC hour they arrived in (created_at) and source, for every hour before session_hours_watermark.';

-- One row: every session created before `until` is counted in session_hours.
create table session_hours_watermark (
  one    boolean primary key default true check (one),
  until  timestamptz not null check (until = date_trunc('hour', until, 'UTC'))
);

-- The sessions already stored are rolled up here, once, so no status run has to.
insert into session_hours_watermark (until) values (date_trunc('hour', now() - interval '10 minutes', 'UTC'));
insert into session_hours (hour, source, sessions)
select date_trunc('hour', f.created_at, 'UTC'), f.source, count(*)
from focus_sessions f
where f.created_at < (select w.until from session_hours_watermark w)
group by 1, 2;

-- 2. The outbox over time: a sample of its backlog each time the status or the reconcile pass looks
--    (at most one a minute, kept 15 days), since the outbox itself forgets what it once held.
create table status_samples (
  sampled_at              timestamptz primary key,
  outbox_pending          integer not null check (outbox_pending >= 0),
  oldest_pending_seconds  integer check (oldest_pending_seconds >= 0)
);

-- 3. The bridge's rejects of the last day, by reason, from an index (run_id null: no backfill run).
create index backfill_rejects_bridge_created_idx on backfill_rejects (created_at, reason) where run_id is null;

-- 4. Backfill progress: how many documents the source held when the run started (null: unknown).
alter table backfill_runs add column source_total bigint check (source_total >= 0);

-- 5. verify's results, so the status knows the last one: when, what it read, its counts, and a capped
--    sample of its mismatches. The sample names users, so it keeps a user_id column: an account
--    deletion removes a user's rows from every table that has one.
create table verify_results (
  id           bigserial primary key,
  finished_at  timestamptz not null default now(),
  source       text not null,
  counts       jsonb not null
);
create table verify_mismatches (
  verify_id    bigint not null references verify_results (id) on delete cascade,
  user_id      text not null,
  verdict      text not null,
  differences  jsonb not null,
  primary key (verify_id, user_id)
);
create index verify_mismatches_user_idx on verify_mismatches (user_id);
