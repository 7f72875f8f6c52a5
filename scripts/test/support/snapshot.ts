import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

const TABLES = ['streak_outbox', 'backfill_rejects', 'backfill_run_users', 'backfill_runs', 'backfill_run_groups', 'user_streaks', 'streak_runs', 'daily_focus', 'focus_sessions', 'friend_requests', 'friendships', 'users'];

/** Deletes every row the migration toolkit can touch, children first. */
export async function emptyTables(db: CommonQueryMethods): Promise<void> {
  for (const t of TABLES) await db.query(sql.unsafe`delete from ${sql.identifier([t])}`);
}

export async function rowCounts(db: CommonQueryMethods): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of TABLES) {
    counts[t] = await db.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from ${sql.identifier([t])}`);
  }
  return counts;
}

/** Everything a backfill decides, without timestamps and run ids, for comparing two runs' outcomes. */
export async function migrationState(db: CommonQueryMethods): Promise<unknown> {
  return {
    users: await db.any(sql.unsafe`select id, timezone from users order by id`),
    sessions: await db.any(sql.unsafe`select session_id, user_id, start_time::text, end_time::text, timezone, source from focus_sessions order by session_id`),
    daily: await db.any(sql.unsafe`select user_id, local_date::text, focus_seconds from daily_focus order by 1, 2`),
    runs: await db.any(sql.unsafe`select user_id, start_date::text, end_date::text from streak_runs order by 1, 2`),
    streaks: await db.any(sql.unsafe`select user_id, current_streak, longest_streak, last_qualified_date::text, qualified_days_count, timezone, version from user_streaks order by 1`),
    outbox: await db.any(sql.unsafe`select user_id, version, payload - 'updatedAt' as payload from streak_outbox order by 1, 2`),
    rejects: await db.any(sql.unsafe`select document_path, reason from backfill_rejects order by 1, 2`),
  };
}
