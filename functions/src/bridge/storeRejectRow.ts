import { sql, type CommonQueryMethods } from 'slonik';
import type { Reject } from '../legacy';

/**
 * Records a document the bridge refused (run_id null). A redelivered event finds the row already
 * there: one row per document path.
 */
export async function storeRejectRow(db: CommonQueryMethods, reject: Reject): Promise<void> {
  const raw = JSON.stringify(reject.raw ?? null).replace(/\\u0000/g, '\\ufffd');
  await db.query(sql.unsafe`
    insert into backfill_rejects (run_id, document_path, reason, detail, raw)
    values (null, ${reject.path}, ${reject.reason}, ${reject.detail}, ${raw}::jsonb)
    on conflict (coalesce(run_id, ''), document_path) do nothing`);
}
