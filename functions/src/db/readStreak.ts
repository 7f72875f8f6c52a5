import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { storedStreakSchema, type StoredStreak } from './acceptQueries';
import { toDatabaseError } from './errors';

/** The stored streak of a user, or null for a user never seen. Reads SQL only. */
export async function readStreak(pool: DatabasePool, userId: string): Promise<StoredStreak | null> {
  try {
    const row = await pool.maybeOneFirst(sql.type(z.object({ streak: storedStreakSchema }))`
      select accept_session_streak_json(s) as streak from user_streaks s where s.user_id = ${userId}`);
    return row ?? null;
  } catch (error) {
    throw toDatabaseError(error);
  }
}
