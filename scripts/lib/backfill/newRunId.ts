import { randomBytes } from 'node:crypto';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { emptyCounts, type BackfillCounts } from './backfillCounts';

export type BackfillKind = 'sessions' | 'users';

export interface BackfillRunRow {
  id: string;
  kind: BackfillKind;
  source: string;
  options: Record<string, unknown>;
  cursor: unknown;
  counts: BackfillCounts;
  status: 'running' | 'completed' | 'failed';
  startedAt: string;
}

const runRow = z.object({
  id: z.string(),
  kind: z.enum(['sessions', 'users']),
  source: z.string(),
  options: z.record(z.unknown()),
  cursor: z.unknown().default(null),
  counts: z.record(z.unknown()),
  status: z.enum(['running', 'completed', 'failed']),
  started_at: z.string(),
});

export function newRunId(now: Date = new Date()): string {
  return `bf-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(3).toString('hex')}`;
}

export async function createRun(db: CommonQueryMethods, run: { id: string; kind: BackfillKind; source: string; options: Record<string, unknown> }): Promise<void> {
  await db.query(sql.unsafe`
    insert into backfill_runs (id, kind, source, options, counts, status)
    values (${run.id}, ${run.kind}, ${run.source}, ${sql.jsonb(run.options as never)}, ${sql.jsonb(emptyCounts() as never)}, 'running')`);
}

export async function loadRun(db: CommonQueryMethods, id: string): Promise<BackfillRunRow | null> {
  const row = await db.maybeOne(sql.type(runRow)`
    select id, kind, source, options, cursor, counts, status, started_at::text from backfill_runs where id = ${id}`);
  if (row === null) return null;
  return { ...row, cursor: row.cursor ?? null, counts: { ...emptyCounts(), ...(row.counts as Partial<BackfillCounts>) }, startedAt: row.started_at };
}

/** Saves cursor and counts; call it in the transaction that wrote the batch. */
export async function saveProgress(db: CommonQueryMethods, id: string, cursor: unknown, counts: BackfillCounts): Promise<void> {
  await db.query(sql.unsafe`
    update backfill_runs set cursor = ${sql.jsonb((cursor ?? null) as never)}, counts = ${sql.jsonb(counts as never)}, updated_at = now()
    where id = ${id}`);
}

export async function finishRun(db: CommonQueryMethods, id: string, status: 'completed' | 'failed', counts: BackfillCounts): Promise<void> {
  await db.query(sql.unsafe`
    update backfill_runs set status = ${status}, counts = ${sql.jsonb(counts as never)}, updated_at = now(),
      finished_at = case when ${status} = 'completed' then now() else finished_at end
    where id = ${id}`);
}

/** Saves counts alone (the source's end, a rebuilt chunk); the cursor stays. */
export async function saveCounts(db: CommonQueryMethods, id: string, counts: BackfillCounts): Promise<void> {
  await db.query(sql.unsafe`update backfill_runs set counts = ${sql.jsonb(counts as never)}, updated_at = now() where id = ${id}`);
}
