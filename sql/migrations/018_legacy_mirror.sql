-- The reverse mirror (MIRROR_TO_LEGACY): a session accepted by a callable is also written to legacy
-- Firestore sessions/{docId}, so the legacy backend, its reports and a rollback see every session. The
-- work is queued here in the accept's own transaction (accept_session) and done by mirrorLegacySessions,
-- so a Firestore outage delays it and loses nothing. A row goes with its session (account deletion).
create table legacy_mirror (
  user_id          text not null,
  session_id       text not null,
  queued_at        timestamptz not null default now(),
  -- When the document was written; null while pending.
  mirrored_at      timestamptz,
  attempts         integer not null default 0,
  last_error       text,
  -- Lease and backoff: a pending row is not claimed again before this instant.
  next_attempt_at  timestamptz not null default now(),
  primary key (user_id, session_id),
  foreign key (user_id, session_id) references focus_sessions (user_id, session_id) on delete cascade
);
comment on table legacy_mirror is 'Callable sessions to write to legacy Firestore sessions/{docId} (the reverse mirror), and whether they were.';
create index legacy_mirror_pending_idx on legacy_mirror (next_attempt_at) where mirrored_at is null;
-- pruneTables drops rows mirrored more than RETENTION_DAYS ago: the documents stay in Firestore.
create index legacy_mirror_mirrored_idx on legacy_mirror (mirrored_at) where mirrored_at is not null;

-- What the status shows as the mirror's state: each mirrorLegacySessions run (every minute, mirror on
-- or off) records whether the deployed functions mirror, so an operator sees the param's value without
-- reading the deployment. One row.
create table mirror_state (
  singleton    boolean primary key default true check (singleton),
  enabled      boolean not null,
  -- When a run last recorded it; a stale instant means the scheduled function is not running.
  seen_at      timestamptz not null,
  -- That run's counts {claimed, written, failed, compensated}.
  last_pass    jsonb not null,
  -- From when on every callable session is known to be queued: the first run that saw the mirror on
  -- (null while it is off), moved back by `npm run mirror` when it queues older sessions.
  covered_since timestamptz
);
comment on table mirror_state is 'Whether the reverse mirror is on, as its last scheduled run saw the MIRROR_TO_LEGACY param, and that run''s counts.';

-- accept_session takes whether to mirror (functions/accept_session.sql): the ten-argument form goes.
drop function if exists accept_session(text, text, timestamptz, timestamptz, text, text, integer, text, float8, float8);
