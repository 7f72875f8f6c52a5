-- Rows a rebuild cannot use (a zone PostgreSQL does not know, stored before zones were checked
-- against it, or any other row that makes the set-based rebuild fail) belong to one user: they
-- are reported for that user, and every other user of the batch is rebuilt. Transient failures
-- (serialization, deadlock, resources, connection) still fail the call, so it can be retried.
create or replace function rebuild_is_transient(p_sqlstate text)
returns boolean
language sql
immutable parallel safe strict
as $$
  select p_sqlstate like '40%' or p_sqlstate like '53%' or p_sqlstate like '08%' or p_sqlstate like '57%'
$$;
