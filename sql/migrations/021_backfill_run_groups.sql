-- Run groups: every task of one Cloud Run Jobs execution is a backfill run of its own (resumed by its
-- retried attempts), and together they are one group. The group row is what the tasks agree on: the
-- task count, the key ranges when Firestore chose them (collection-group partitions, decided once so
-- every task cuts the same way), and which task runs the closing streak rebuild, claimed under this
-- row's lock by the task that sees every task's source read, so it runs once and is never skipped.
create table backfill_run_groups (
  id          text primary key,
  kind        text not null check (kind in ('sessions', 'users', 'friendships')),
  task_count  integer not null check (task_count >= 1),
  -- [{from, to}] over full document paths, in key order; null: the tasks use prefix ranges.
  ranges      jsonb,
  -- The run (task) that claimed the group's rebuild; null until every task has read its source.
  rebuilder   text,
  created_at  timestamptz not null default now()
);
comment on table backfill_run_groups is 'Backfill run groups (one Cloud Run Jobs execution): task count, shared key ranges, the rebuild claim.';

alter table backfill_runs add column run_group text references backfill_run_groups (id);
create index backfill_runs_run_group_idx on backfill_runs (run_group) where run_group is not null;
alter table backfill_run_groups add constraint backfill_run_groups_rebuilder_fkey foreign key (rebuilder) references backfill_runs (id) on delete set null;
