import { sql, type CommonQueryMethods, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { EMPTY_STREAK } from '../domain';
import { toDatabaseError } from './errors';

// The user_streaks table: one row per user, written only by the write path's accept_session
// (db/acceptStatement.ts) and the SQL rebuild; read here, as streak_event_payload shows a row.

export const storedStreakSchema = z.object({
  currentStreak: z.number().int(),
  longestStreak: z.number().int(),
  lastQualifiedDate: z.string().nullable(),
  qualifiedDaysCount: z.number().int(),
  timezone: z.string().nullable(),
  version: z.coerce.number().int(),
  /** The instant lastQualifiedDate + 2 begins in the zone, by PostgreSQL's zone rules. */
  streakExpiresAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
  freezesAvailable: z.number().int(),
  frozenDates: z.array(z.string()),
  dayStartMinutes: z.number().int(),
});
/** A user_streaks row as the application sees it. */
export type StoredStreak = z.infer<typeof storedStreakSchema>;

/** The streak of a user who has no row yet: zeros, nulls and version 0. */
export const NEW_USER_STREAK: StoredStreak = { ...EMPTY_STREAK, timezone: null, version: 0, streakExpiresAt: null, updatedAt: null, freezesAvailable: 0, frozenDates: [], dayStartMinutes: 0 };

/** The stored streak of a user, or null for a user never seen. Reads SQL only. */
export async function readStreak(pool: DatabasePool, userId: string): Promise<StoredStreak | null> {
  try {
    return await pool.maybeOneFirst(sql.type(z.object({ streak: storedStreakSchema }))`
      select streak_event_payload(s) as streak from user_streaks s where s.user_id = ${userId}`);
  } catch (error) {
    throw toDatabaseError(error);
  }
}

/**
 * The stored streak of a user with its freezes as of now (the stored ones are as of the last write):
 * missed dates since then may have spent some, grants since then may have taken effect.
 */
export async function readStreakNow(pool: DatabasePool, userId: string, freezeCap: number): Promise<StoredStreak | null> {
  try {
    return await pool.maybeOneFirst(sql.type(z.object({ streak: storedStreakSchema }))`
      select streak_event_payload(s) || coalesce((
        select jsonb_build_object('freezesAvailable', w.freezes_available, 'frozenDates', iso_dates(w.frozen_dates))
        from streak_walk(s.user_id, user_date_at(now(), coalesce(s.timezone, 'UTC'), s.day_start_from, s.day_start_minutes), ${freezeCap}::int) w
        where s.granted
      ), '{}') as streak
      from user_streaks s where s.user_id = ${userId}`);
  } catch (error) {
    throw toDatabaseError(error);
  }
}

/** The stored streaks of these users, by user id (users never seen are absent). */
export async function readStreaks(db: CommonQueryMethods, userIds: readonly string[]): Promise<Map<string, StoredStreak>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.any(sql.type(z.object({ userId: z.string(), streak: storedStreakSchema }))`
    select s.user_id as "userId", streak_event_payload(s) as streak
    from user_streaks s where s.user_id = any (${sql.array([...userIds], 'text')})`);
  return new Map(rows.map((r) => [r.userId, r.streak]));
}
