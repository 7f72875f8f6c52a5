import { sql, type CommonQueryMethods } from 'slonik';
import type { Reject } from '../../functions/src/legacy';

// jsonb cannot hold \u0000; a raw document is evidence, so keep it readable rather than fail the batch.
const jsonText = (value: unknown): string => JSON.stringify(value ?? null).replace(/\\u0000/g, '\\ufffd');

/**
 * Records rejects in backfill_rejects. One row per (run, document path): a path seen again in the
 * same run (a resumed batch, a repeated export line) keeps its first reason.
 */
export async function storeRejects(db: CommonQueryMethods, runId: string | null, rejects: readonly Reject[]): Promise<void> {
  if (rejects.length === 0) return;
  const rows = rejects.map((r) => [r.path, r.reason, r.detail, jsonText(r.raw)]);
  await db.query(sql.unsafe`
    insert into backfill_rejects (run_id, document_path, reason, detail, raw)
    select ${runId}, p, r, d, j::jsonb from ${sql.unnest(rows, ['text', 'text', 'text', 'text'])} as t(p, r, d, j)
    on conflict (coalesce(run_id, ''), document_path) do nothing`);
}
