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
  /**
   * The user has a day start, so these are not their stored streak but the legacy midnight rule's
   * values from their SQL sessions and repairs: the legacy app never knew a day start.
   */
  midnightRule: boolean;
}

const streakValues = z.object({
  userId: z.string(),
  currentStreak: z.number(),
  longestStreak: z.number(),
  lastQualifiedDate: z.string().nullable(),
  qualifiedDaysCount: z.number(),
  midnightRule: z.boolean(),
});
const count = z.object({ n: z.number() });

/**
 * The SQL streaks of these users, to hold legacy documents to: the stored ones, except for users with a
 * day start (user_streaks.day_start_from), whose stored dates the legacy app could never have had. For
 * them, the rebuild's credit and runs (day_credits' union, qualified_runs' qualified and repaired dates)
 * over sessions split at midnight (day_credits' p_midnight). Freezes are left out: the legacy
 * app knew them no more than day starts, and they only ever lengthen a run.
 */
export async function streakValuesOf(db: CommonQueryMethods, userIds: readonly string[], qualifySeconds: number): Promise<readonly SqlStreakValues[]> {
  if (userIds.length === 0) return [];
  return db.any(sql.type(streakValues)`
    with asked as (
      select s.user_id, s.current_streak, s.longest_streak, s.last_qualified_date, s.qualified_days_count,
             s.day_start_from is not null as midnight
      from user_streaks s where s.user_id = any (${sql.array([...userIds], 'text')})
    ),
    credits as (
      select c.user_id, c.local_date, c.seconds
      from day_credits((select array_agg(a.user_id) from asked a where a.midnight), null, null, null, true) c
    ),
    qualified as (
      select c.user_id, c.local_date from credits c where c.seconds >= ${qualifySeconds}::int
      union
      select r.user_id, r.local_date
      from repaired_dates((select array_agg(a.user_id) from asked a where a.midnight), '-infinity', 'infinity') r
    ),
    runs as (
      select q.user_id, max(q.local_date) as end_date, count(*)::int as len
      from (
        select q.user_id, q.local_date, q.local_date - (row_number() over (partition by q.user_id order by q.local_date))::int as grp
        from qualified q
      ) q
      group by q.user_id, q.grp
    ),
    midnight as (
      select r.user_id, (array_agg(r.len order by r.end_date desc))[1] as current, max(r.len) as longest,
             max(r.end_date) as last, sum(r.len)::int as days
      from runs r group by r.user_id
    )
    select a.user_id as "userId",
           case when a.midnight then coalesce(m.current, 0) else a.current_streak end as "currentStreak",
           case when a.midnight then coalesce(m.longest, 0) else a.longest_streak end as "longestStreak",
           to_char(case when a.midnight then m.last else a.last_qualified_date end, 'YYYY-MM-DD') as "lastQualifiedDate",
           case when a.midnight then coalesce(m.days, 0) else a.qualified_days_count end as "qualifiedDaysCount",
           a.midnight as "midnightRule"
    from asked a left join midnight m on m.user_id = a.user_id`);
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
