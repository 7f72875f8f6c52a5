import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

/**
 * The reads of verify: SQL streaks of a page of legacy users, and, through a temporary table of the
 * legacy user ids seen (held by one connection), the SQL streaks that have no legacy document.
 */

export interface SqlStreakValues {
  userId: string;
  currentStreak: number;
  longestStreak: number;
  lastQualifiedDate: string | null;
  qualifiedDaysCount: number;
}

const streakValues = z.object({
  userId: z.string(),
  currentStreak: z.number(),
  longestStreak: z.number(),
  lastQualifiedDate: z.string().nullable(),
  qualifiedDaysCount: z.number(),
});
const count = z.object({ n: z.number() });

export async function streakValuesOf(db: CommonQueryMethods, userIds: readonly string[]): Promise<readonly SqlStreakValues[]> {
  if (userIds.length === 0) return [];
  return db.any(sql.type(streakValues)`
    select user_id as "userId", current_streak as "currentStreak", longest_streak as "longestStreak",
           to_char(last_qualified_date, 'YYYY-MM-DD') as "lastQualifiedDate", qualified_days_count as "qualifiedDaysCount"
    from user_streaks where user_id = any (${sql.array([...userIds], 'text')})`);
}

/** Starts an empty set of seen legacy users on this connection. */
export async function startLegacyUserSet(conn: CommonQueryMethods): Promise<void> {
  await conn.query(sql.unsafe`create temporary table if not exists verify_legacy_users (id text primary key) on commit preserve rows`);
  await conn.query(sql.unsafe`truncate verify_legacy_users`);
}

export async function addLegacyUsers(conn: CommonQueryMethods, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await conn.oneFirst(sql.type(count)`
    with added as (insert into verify_legacy_users select unnest(${sql.array([...userIds], 'text')}) on conflict do nothing returning 1)
    select count(*)::int as n from added`);
}

/** Computed SQL streaks (version > 0) of users never added to the set. */
export async function countStreaksWithoutLegacy(conn: CommonQueryMethods): Promise<number> {
  return conn.oneFirst(sql.type(count)`
    select count(*)::int as n from user_streaks s
    where s.version > 0 and not exists (select from verify_legacy_users v where v.id = s.user_id)`);
}

export async function dropLegacyUserSet(conn: CommonQueryMethods): Promise<void> {
  await conn.query(sql.unsafe`drop table if exists verify_legacy_users`);
}
