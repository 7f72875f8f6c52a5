import type { GetMyStreakResponse } from '../contract/callables';
import { toStreakEvent } from '../contract/streakEvent';
import { NEW_USER_STREAK, type StoredStreak } from '../db/userStreaks';
import { streakStatus } from '../domain';

/**
 * The API view of a stored streak as of `nowMs`: the streak-updated event's fields (so the app
 * reads the same values from a callable as from streaks/{userId}) plus `active`. A user never seen
 * gets zeros, nulls and version 0.
 */
export function toStreak(userId: string, stored: StoredStreak | null, nowMs: number): GetMyStreakResponse {
  const streak = stored ?? NEW_USER_STREAK;
  const { updatedAt: _updatedAt, ...view } = toStreakEvent(userId, streak, nowMs);
  return { ...view, active: streakStatus(streak.lastQualifiedDate, streak.timezone, nowMs).active };
}
