-- A backfill stopped by Ctrl-C or SIGTERM ends at a batch boundary and says so: 'interrupted',
-- distinct from 'failed' (an error) and from 'running' (a process that died without a word).
alter table backfill_runs drop constraint backfill_runs_status_check;
alter table backfill_runs add constraint backfill_runs_status_check
  check (status in ('running', 'completed', 'failed', 'interrupted'));
