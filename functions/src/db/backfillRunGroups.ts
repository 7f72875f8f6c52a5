import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { BackfillKind } from './backfillRuns';

/**
 * The home of backfill_run_groups: one row per run group (the tasks of one Cloud Run Jobs execution),
 * what its tasks agree on (the task count, shared key ranges) and which task claimed the closing rebuild.
 */

export interface GroupRange {
  from: string | null;
  to: string | null;
}

export interface RunGroupRow {
  id: string;
  kind: BackfillKind;
  taskCount: number;
  /** Key ranges over full document paths, decided once for every task (null: prefix ranges). */
  ranges: GroupRange[] | null;
  rebuilder: string | null;
}

const rangeShape = z.object({ from: z.string().nullable(), to: z.string().nullable() });
const groupRow = z.object({
  id: z.string(),
  kind: z.enum(['sessions', 'users', 'friendships']),
  taskCount: z.number().int(),
  ranges: z.array(rangeShape).nullable(),
  rebuilder: z.string().nullable(),
});

const columns = sql.fragment`id, kind, task_count as "taskCount", ranges, rebuilder`;

/** A task joining its group: the row is created by whichever task comes first, and returned as stored. */
export async function joinRunGroup(db: CommonQueryMethods, group: { id: string; kind: BackfillKind; taskCount: number }): Promise<RunGroupRow> {
  await db.maybeOne(sql.type(z.object({ id: z.string() }))`
    insert into backfill_run_groups (id, kind, task_count) values (${group.id}, ${group.kind}, ${group.taskCount})
    on conflict (id) do nothing returning id`);
  return db.one(sql.type(groupRow)`select ${columns} from backfill_run_groups where id = ${group.id}`);
}

export async function loadRunGroup(db: CommonQueryMethods, id: string): Promise<RunGroupRow | null> {
  return db.maybeOne(sql.type(groupRow)`select ${columns} from backfill_run_groups where id = ${id}`);
}

/** Stores the group's key ranges unless a task stored them first; returns the ones every task must use. */
export async function settleGroupRanges(db: CommonQueryMethods, id: string, ranges: readonly GroupRange[]): Promise<GroupRange[]> {
  return db.oneFirst(sql.type(z.object({ ranges: z.array(rangeShape) }))`
    update backfill_run_groups set ranges = coalesce(ranges, ${sql.jsonb(ranges as never)}) where id = ${id} returning ranges`);
}

/** The group row, locked until the caller's transaction ends: the rebuild is claimed under it. */
export async function lockRunGroup(tx: CommonQueryMethods, id: string): Promise<RunGroupRow> {
  return tx.one(sql.type(groupRow)`select ${columns} from backfill_run_groups where id = ${id} for update`);
}

/** Records the run that rebuilds the group; call it under lockRunGroup. */
export async function setGroupRebuilder(tx: CommonQueryMethods, id: string, runId: string): Promise<void> {
  await tx.one(sql.type(z.object({ id: z.string() }))`update backfill_run_groups set rebuilder = ${runId} where id = ${id} returning id`);
}
