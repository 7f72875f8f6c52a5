import { sql, type CommonQueryMethods } from 'slonik';

/** Best effort after an error: the cursor already holds the last committed batch, so --resume works either way. */
export async function markRunFailed(db: CommonQueryMethods, id: string): Promise<void> {
  await db.query(sql.unsafe`update backfill_runs set status = 'failed', updated_at = now() where id = ${id} and status = 'running'`).catch(() => {});
}
