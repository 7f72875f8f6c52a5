import type { GetMyStreakResponse } from '../contract/callables';
import type { StoredStreak } from '../db/acceptQueries';
import { streakStatus } from '../domain';

/** The API view of a stored streak as of `nowMs`; a user never seen gets zeros, nulls and version 0. */
export function toStreak(userId: string, stored: StoredStreak | null, nowMs: number): GetMyStreakResponse {
  const status = streakStatus(stored?.lastQualifiedDate ?? null, stored?.timezone ?? null, nowMs);
  return {
    userId,
    currentStreak: stored?.currentStreak ?? 0,
    longestStreak: stored?.longestStreak ?? 0,
    lastQualifiedDate: stored?.lastQualifiedDate ?? null,
    qualifiedDaysCount: stored?.qualifiedDaysCount ?? 0,
    timezone: stored?.timezone ?? null,
    streakExpiresAt: status.streakExpiresAt === null ? null : new Date(status.streakExpiresAt).toISOString(),
    version: stored?.version ?? 0,
    active: status.active,
  };
}
