-- The reconcile pass logs the rejects backfill runs stored since its previous pass, by reason (the
-- backfill-rejects metric): a range of recent rows, read from this index rather than the whole table.
create index backfill_rejects_run_created_idx on backfill_rejects (created_at, reason) where run_id is not null;
