-- The advisory lock a deletion holds exclusively and a backfill batch holds shared: a batch never
-- straddles a deletion, so its tombstone check and its writes see the same deletions.
create or replace function account_deletion_gate() returns bigint
language sql immutable parallel safe as $$ select hashtextextended('account_deletion_gate', 0) $$;
