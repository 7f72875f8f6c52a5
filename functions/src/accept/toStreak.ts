import type { GetMyStreakResponse, Streak } from '../contract/callables';
import { NEW_USER_STREAK, type StoredStreak } from '../db/userStreaks';

/**
 * The API view of a stored streak: the streak-updated event's core fields, so the app reads the same
 * values from a callable as from streaks/{userId}. A user never seen gets zeros, nulls and version 0.
 */
export function toApiStreak(userId: string, stored: StoredStreak | null): Streak {
  const s = stored ?? NEW_USER_STREAK;
  return {
    userId,
    currentStreak: s.currentStreak,
    longestStreak: s.longestStreak,
    lastQualifiedDate: s.lastQualifiedDate,
    qualifiedDaysCount: s.qualifiedDaysCount,
    timezone: s.timezone,
    streakExpiresAt: s.streakExpiresAt,
    version: s.version,
  };
}

/**
 * getMyStreak's view as of `nowMs`: the API streak, its freezes and day start, and `active`, which
 * holds until streakExpiresAt (computed by PostgreSQL, whose zone rules decide every date).
 */
export function toStreak(userId: string, stored: StoredStreak | null, nowMs: number): GetMyStreakResponse {
  const s = stored ?? NEW_USER_STREAK;
  return {
    ...toApiStreak(userId, stored),
    active: s.streakExpiresAt !== null && nowMs < Date.parse(s.streakExpiresAt),
    freezesAvailable: s.freezesAvailable,
    frozenDates: s.frozenDates,
    dayStartMinutes: s.dayStartMinutes,
  };
}
