import type { GetMyStreakResponse } from '../contract/callables';
import { NEW_USER_STREAK, type StoredStreak } from '../db/userStreaks';

/**
 * The API view of a stored streak as of `nowMs`: the streak-updated event's fields (so the app
 * reads the same values from a callable as from streaks/{userId}) plus `active`, which holds until
 * streakExpiresAt (computed by PostgreSQL, whose zone rules decide every date). A user never seen
 * gets zeros, nulls and version 0.
 */
export function toStreak(userId: string, stored: StoredStreak | null, nowMs: number): GetMyStreakResponse {
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
    active: s.streakExpiresAt !== null && nowMs < Date.parse(s.streakExpiresAt),
  };
}
