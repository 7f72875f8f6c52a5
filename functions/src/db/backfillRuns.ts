import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

/** The home of backfill_runs: one row per backfill run, its options, cursor, counts and status. */

export type BackfillKind = 'sessions' | 'users' | 'friendships';
export type BackfillRunStatus = 'running' | 'completed' | 'failed' | 'interrupted';

/** What a backfill run did so far; stored in backfill_runs.counts after every batch. */
export interface BackfillCounts {
  read: number;
  inserted: number;
  /** Users backfill: existing users whose empty zone was filled. Friendships: listings that made friends. */
  updated: number;
  duplicates: number;
  rejected: number;
  /** Documents of other collections, or older than --since. */
  skipped: number;
  rejectsByReason: Record<string, number>;
  usersRebuilt: number;
  usersChanged: number;
  /** The source was read to its end; only the closing rebuild may remain. */
  sourceDone: boolean;
}

export function emptyCounts(): BackfillCounts {
  return { read: 0, inserted: 0, updated: 0, duplicates: 0, rejected: 0, skipped: 0, rejectsByReason: {}, usersRebuilt: 0, usersChanged: 0, sourceDone: false };
}

export interface BackfillRunRow {
  id: string;
  kind: BackfillKind;
  source: string;
  /** What the run was asked for (the caller's own shape), reused by --resume. */
  options: Record<string, unknown>;
  cursor: unknown;
  counts: BackfillCounts;
  status: BackfillRunStatus;
  startedAt: string;
  /** The run group (Cloud Run Jobs execution) this run is one task of; null: a run on its own. */
  group: string | null;
}

const runRow = z.object({
  id: z.string(),
  kind: z.enum(['sessions', 'users', 'friendships']),
  source: z.string(),
  options: z.record(z.unknown()),
  cursor: z.unknown().default(null),
  counts: z.record(z.unknown()),
  status: z.enum(['running', 'completed', 'failed', 'interrupted']),
  started_at: z.string(),
  run_group: z.string().nullable(),
});

const touched = z.object({ id: z.string() });

export async function createRun(db: CommonQueryMethods, run: { id: string; kind: BackfillKind; source: string; options: Record<string, unknown>; group?: string | null }): Promise<void> {
  await db.one(sql.type(touched)`
    insert into backfill_runs (id, kind, source, options, counts, status, run_group)
    values (${run.id}, ${run.kind}, ${run.source}, ${sql.jsonb(run.options as never)}, ${sql.jsonb(emptyCounts() as never)}, 'running', ${run.group ?? null})
    returning id`);
}

export async function loadRun(db: CommonQueryMethods, id: string): Promise<BackfillRunRow | null> {
  const row = await db.maybeOne(sql.type(runRow)`
    select id, kind, source, options, cursor, counts, status, started_at::text, run_group from backfill_runs where id = ${id}`);
  if (row === null) return null;
  return {
    id: row.id,
    kind: row.kind,
    source: row.source,
    options: row.options,
    status: row.status,
    cursor: row.cursor ?? null,
    counts: { ...emptyCounts(), ...(row.counts as Partial<BackfillCounts>) },
    startedAt: row.started_at,
    group: row.run_group,
  };
}

/** Saves cursor and counts; call it in the transaction that wrote the batch. */
export async function saveProgress(db: CommonQueryMethods, id: string, cursor: unknown, counts: BackfillCounts): Promise<void> {
  await db.one(sql.type(touched)`
    update backfill_runs set cursor = ${sql.jsonb((cursor ?? null) as never)}, counts = ${sql.jsonb(counts as never)}, updated_at = now()
    where id = ${id} returning id`);
}

/** Saves counts alone (the source's end, a rebuilt chunk); the cursor stays. */
export async function saveCounts(db: CommonQueryMethods, id: string, counts: BackfillCounts): Promise<void> {
  await db.one(sql.type(touched)`update backfill_runs set counts = ${sql.jsonb(counts as never)}, updated_at = now() where id = ${id} returning id`);
}

export async function finishRun(db: CommonQueryMethods, id: string, status: 'completed' | 'failed', counts: BackfillCounts): Promise<void> {
  await db.one(sql.type(touched)`
    update backfill_runs set status = ${status}, counts = ${sql.jsonb(counts as never)}, updated_at = now(),
      finished_at = case when ${status} = 'completed' then now() else finished_at end
    where id = ${id} returning id`);
}

/**
 * Marks a running run as stopped: 'failed' after an error, 'interrupted' after Ctrl-C or SIGTERM.
 * Best effort: the cursor already holds the last committed batch, so --resume works either way.
 */
export async function markRunStopped(db: CommonQueryMethods, id: string, status: 'failed' | 'interrupted'): Promise<void> {
  await db
    .maybeOne(sql.type(touched)`
      update backfill_runs set status = ${status}, updated_at = now() where id = ${id} and status = 'running' returning id`)
    .catch(() => null);
}

/** A stopped run resumed (by --resume or a retried Cloud Run Jobs attempt) is running again, for the status and a group's summary. */
export async function markRunResumed(db: CommonQueryMethods, id: string): Promise<void> {
  await db.maybeOne(sql.type(touched)`update backfill_runs set status = 'running', updated_at = now() where id = ${id} and status in ('failed', 'interrupted') returning id`);
}

/** How many documents the run's source held when it started, for its progress (null: the source cannot tell). */
export async function recordSourceTotal(db: CommonQueryMethods, id: string, total: number | null): Promise<void> {
  await db.one(sql.type(touched)`update backfill_runs set source_total = ${total}::int8 where id = ${id} returning id`);
}

export interface RunSummary {
  id: string;
  kind: BackfillKind;
  status: BackfillRunStatus;
  group: string | null;
  source: string;
  options: Record<string, unknown>;
  counts: BackfillCounts;
  sourceTotal: number | null;
  startedAtMs: number;
  /** The last batch, chunk or status change (every batch commits its counts with it). */
  updatedAtMs: number;
  finishedAtMs: number | null;
}

const summaryRow = z.object({
  id: z.string(),
  kind: z.enum(['sessions', 'users', 'friendships']),
  status: z.enum(['running', 'completed', 'failed', 'interrupted']),
  group: z.string().nullable(),
  source: z.string(),
  options: z.record(z.unknown()),
  counts: z.record(z.unknown()),
  sourceTotal: z.coerce.number().nullable(),
  startedAtMs: z.coerce.number(),
  updatedAtMs: z.coerce.number(),
  finishedAtMs: z.coerce.number().nullable(),
});

const summaryColumns = sql.fragment`
  id, kind, status, run_group as "group", source, options, counts, source_total as "sourceTotal",
  (extract(epoch from started_at) * 1000)::float8 as "startedAtMs",
  (extract(epoch from updated_at) * 1000)::float8 as "updatedAtMs",
  (extract(epoch from finished_at) * 1000)::float8 as "finishedAtMs"`;

/** The latest `limit` runs, newest first (the table holds one row per run: a few dozen). */
export async function recentRuns(db: CommonQueryMethods, limit: number): Promise<RunSummary[]> {
  const rows = await db.any(sql.type(summaryRow)`select ${summaryColumns} from backfill_runs order by started_at desc, id desc limit ${limit}`);
  return rows.map((r) => ({ ...r, counts: { ...emptyCounts(), ...(r.counts as Partial<BackfillCounts>) } }));
}

/** Every run (task) of a run group, in id order. */
export async function groupRuns(db: CommonQueryMethods, group: string): Promise<RunSummary[]> {
  const rows = await db.any(sql.type(summaryRow)`select ${summaryColumns} from backfill_runs where run_group = ${group} order by id`);
  return rows.map((r) => ({ ...r, counts: { ...emptyCounts(), ...(r.counts as Partial<BackfillCounts>) } }));
}

/** The ids of a group's runs, and how many of them have read their source to its end. */
export async function groupReadState(db: CommonQueryMethods, group: string): Promise<{ runIds: string[]; sourcesDone: number }> {
  const rows = await db.any(sql.type(z.object({ id: z.string(), done: z.boolean() }))`
    select id, coalesce((counts ->> 'sourceDone')::boolean, false) as done from backfill_runs where run_group = ${group} order by id`);
  return { runIds: rows.map((r) => r.id), sourcesDone: rows.filter((r) => r.done).length };
}
