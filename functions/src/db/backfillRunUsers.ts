import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

/**
 * The home of backfill_run_users: the users whose sessions a backfill run inserted, so the closing
 * rebuild can resume too (rebuilt_at is set in the transaction that rebuilt them).
 */

const count = z.object({ n: z.number() });

export async function recordRunUsers(db: CommonQueryMethods, runId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await db.oneFirst(sql.type(count)`
    with added as (
      insert into backfill_run_users (run_id, user_id) select ${runId}, unnest(${sql.array([...userIds], 'text')})
      on conflict do nothing returning 1)
    select count(*)::int as n from added`);
}

/** The next `limit` users of the run not rebuilt yet, in id order. */
export async function usersToRebuild(db: CommonQueryMethods, runId: string, limit: number): Promise<readonly string[]> {
  return db.anyFirst(sql.type(z.object({ user_id: z.string() }))`
    select user_id from backfill_run_users where run_id = ${runId} and rebuilt_at is null
    order by user_id limit ${limit}`);
}

export async function markUsersRebuilt(db: CommonQueryMethods, runId: string, userIds: readonly string[]): Promise<void> {
  await db.oneFirst(sql.type(count)`
    with done as (
      update backfill_run_users set rebuilt_at = now() where run_id = ${runId} and user_id = any (${sql.array([...userIds], 'text')})
      returning 1)
    select count(*)::int as n from done`);
}

export async function countRunUsers(db: CommonQueryMethods, runId: string): Promise<number> {
  return db.oneFirst(sql.type(count)`select count(*)::int as n from backfill_run_users where run_id = ${runId}`);
}
