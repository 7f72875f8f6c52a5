-- Core schema: PostgreSQL is the authority for focus sessions and streaks (the tables the README lists).
-- Forward-only: once applied, its statements never change (comments may be reworded); add a new numbered file instead.

create table users (
  id          text primary key check (length(id) between 1 and 128),
  -- IANA zone of the user's session with the latest end time; "today" is computed in it.
  timezone    text,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
comment on column users.id is 'Firebase Auth uid (text, not uuid).';

create table focus_sessions (
  session_id  text primary key check (length(session_id) between 1 and 128),
  user_id     text not null references users (id),
  start_time  timestamptz not null,
  end_time    timestamptz not null,
  timezone    text not null,
  source      text not null check (source in ('callable', 'bridge', 'backfill')),
  created_at  timestamptz not null default now(),
  check (end_time > start_time)
);
comment on table focus_sessions is 'Insert-only event log; everything else is derived from it.';
comment on column focus_sessions.timezone is 'The zone whose local midnights split this session into days.';
create index focus_sessions_user_start_idx on focus_sessions (user_id, start_time);

create table daily_focus (
  user_id        text not null references users (id),
  local_date     date not null,
  -- Length of the union of the user's session pieces on this local date (overlaps count once).
  focus_seconds  integer not null check (focus_seconds between 0 and 93600),
  primary key (user_id, local_date)
);
comment on table daily_focus is 'Derived from focus_sessions; rebuildable.';

-- Maximal runs of consecutive qualified dates. Lets a late session that fills a gap join two
-- runs with an index lookup instead of a scan of the user's whole history.
create table streak_runs (
  user_id     text not null references users (id),
  start_date  date not null,
  end_date    date not null,
  primary key (user_id, start_date),
  check (end_date >= start_date)
);
comment on table streak_runs is 'Derived from daily_focus and the qualify threshold; rebuildable.';

create table user_streaks (
  user_id               text primary key references users (id),
  current_streak        integer not null default 0 check (current_streak >= 0),
  longest_streak        integer not null default 0 check (longest_streak >= current_streak),
  last_qualified_date   date,
  qualified_days_count  integer not null default 0 check (qualified_days_count >= longest_streak),
  timezone              text,
  -- Increases by one on every change; orders the Firestore projection.
  version               bigint not null default 0 check (version >= 0),
  updated_at            timestamptz not null default now()
);

-- Stored in both directions (a,b) and (b,a): "my friends" is one index range scan.
create table friendships (
  user_id     text not null references users (id),
  friend_id   text not null references users (id),
  created_at  timestamptz not null default now(),
  primary key (user_id, friend_id),
  check (user_id <> friend_id)
);

create table streak_outbox (
  id             bigserial primary key,
  user_id        text not null references users (id),
  version        bigint not null,
  payload        jsonb not null,
  created_at     timestamptz not null default now(),
  published_at   timestamptz,
  -- Set when a newer version of the same user was published instead of this row.
  superseded_at  timestamptz,
  attempts       integer not null default 0,
  last_error     text,
  -- Backoff: a failing row is not claimed again before this instant.
  next_attempt_at timestamptz not null default now(),
  unique (user_id, version)
);
create index streak_outbox_pending_idx on streak_outbox (next_attempt_at, id)
  where published_at is null and superseded_at is null;

create table backfill_runs (
  id           text primary key,
  kind         text not null check (kind in ('sessions', 'users')),
  source       text not null,
  options      jsonb not null default '{}',
  -- Where a resumed run continues: a file line number or the last document path read.
  cursor       jsonb,
  counts       jsonb not null default '{}',
  status       text not null check (status in ('running', 'completed', 'failed')),
  started_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  finished_at  timestamptz
);

create table backfill_rejects (
  id             bigserial primary key,
  -- Null for rejects recorded by the legacy bridge trigger rather than a backfill run.
  run_id         text references backfill_runs (id),
  document_path  text not null,
  reason         text not null,
  detail         text,
  raw            jsonb,
  created_at     timestamptz not null default now()
);
create unique index backfill_rejects_run_path_idx on backfill_rejects (coalesce(run_id, ''), document_path);
