-- Live parity: each pass of the scheduled reconcileLegacySessions, in one table shown by the status.
-- kind 'ingest': legacy Firestore sessions created in [window_from, window_to) checked against SQL;
--   counts {checked, missing, ingested, rejected, failed}; the next pass starts at window_to minus a margin.
-- kind 'projection': a sample of users whose streak changed (outbox rows with ids up to
--   outbox_high_id) compared with Firestore streaks/{uid}; counts {sampled, behind, different, inFlight}.
create table parity_passes (
  id              bigserial primary key,
  kind            text not null check (kind in ('ingest', 'projection')),
  started_at      timestamptz not null,
  finished_at     timestamptz not null default now(),
  window_from     timestamptz,
  window_to       timestamptz,
  outbox_high_id  bigint,
  counts          jsonb not null
);
create index parity_passes_kind_idx on parity_passes (kind, id);

-- What a pass found, capped per pass: missing documents, projections behind or different. Rows name
-- users, so they keep a user_id column: an account deletion removes them with the user's other rows.
create table parity_samples (
  id         bigserial primary key,
  pass_id    bigint not null references parity_passes (id) on delete cascade,
  user_id    text not null,
  finding    text not null check (finding in ('missing', 'behind', 'different')),
  detail     jsonb not null
);
create index parity_samples_pass_idx on parity_samples (pass_id);
create index parity_samples_user_idx on parity_samples (user_id);
