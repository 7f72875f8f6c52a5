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

// The functions below take the runs whose users they read: one run, or every task of a run group
// (a user several tasks touched is one user, rebuilt once).

/** The next `limit` users of the runs not rebuilt yet, in id order. */
export async function usersToRebuild(db: CommonQueryMethods, runIds: readonly string[], limit: number): Promise<readonly string[]> {
  return db.anyFirst(sql.type(z.object({ user_id: z.string() }))`
    select distinct user_id from backfill_run_users where run_id = any (${sql.array([...runIds], 'text')}) and rebuilt_at is null
    order by user_id limit ${limit}`);
}

export async function markUsersRebuilt(db: CommonQueryMethods, runIds: readonly string[], userIds: readonly string[]): Promise<void> {
  await db.oneFirst(sql.type(count)`
    with done as (
      update backfill_run_users set rebuilt_at = now()
      where run_id = any (${sql.array([...runIds], 'text')}) and user_id = any (${sql.array([...userIds], 'text')}) and rebuilt_at is null
      returning 1)
    select count(*)::int as n from done`);
}

/** Distinct users the runs inserted sessions for, and how many of them still wait for their rebuild. */
export async function countRunUsers(db: CommonQueryMethods, runIds: readonly string[]): Promise<{ users: number; pending: number }> {
  return db.one(sql.type(z.object({ users: z.number(), pending: z.number() }))`
    select count(distinct user_id)::int as users, count(distinct user_id) filter (where rebuilt_at is null)::int as pending
    from backfill_run_users where run_id = any (${sql.array([...runIds], 'text')})`);
}
