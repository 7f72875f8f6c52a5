import type { DatabasePool } from 'slonik';
import { lockRunGroup, setGroupRebuilder } from '../../../functions/src/db/backfillRunGroups';
import { groupReadState } from '../../../functions/src/db/backfillRuns';

export type GroupRebuildClaim = { rebuilds: true; runIds: string[] } | { rebuilds: false; waiting: string; rebuilder: string | null };

/**
 * Decides whether this task (run `runId`, its source read and that committed) rebuilds its group's
 * users: yes when every task of the group has read its source and no task claimed the rebuild yet, or
 * when this task claimed it before (a retried attempt continues). Under the group row's lock, so of two
 * tasks finishing at once exactly one claims it; the last one to commit its read always sees every task
 * done, so the rebuild is never skipped.
 */
export async function claimGroupRebuild(pool: DatabasePool, group: string, runId: string): Promise<GroupRebuildClaim> {
  return pool.transaction(async (tx) => {
    const row = await lockRunGroup(tx, group);
    // Read after the lock is granted: under read committed it sees every read committed before.
    const state = await groupReadState(tx, group);
    if (row.rebuilder === runId) return { rebuilds: true, runIds: state.runIds };
    if (row.rebuilder !== null) return { rebuilds: false, waiting: 'another task claimed the rebuild', rebuilder: row.rebuilder };
    if (state.sourcesDone < row.taskCount) return { rebuilds: false, waiting: `${state.sourcesDone} of ${row.taskCount} tasks have read their source`, rebuilder: null };
    await setGroupRebuilder(tx, group, runId);
    return { rebuilds: true, runIds: state.runIds };
  });
}
