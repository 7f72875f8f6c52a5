import { type LocalDate, addDays, startOfLocalDate } from './localDate';
import { isValidTimeZone } from './timeZone';

export interface StreakStatus {
  active: boolean;
  /** The instant lastQualifiedDate + freezeReach + 2 begins in the zone: from then on the streak is broken. */
  streakExpiresAt: number | null;
}

/**
 * Whether the streak is alive at nowMs: while today (in timeZone) is at most lastQualifiedDate + 1, or
 * later by the dates freezes will cover (freezeReach, from walkStreak).
 */
export function streakStatus(lastQualifiedDate: LocalDate | null, timeZone: string | null, nowMs: number, freezeReach = 0): StreakStatus {
  if (lastQualifiedDate === null || timeZone === null || !isValidTimeZone(timeZone)) {
    return { active: false, streakExpiresAt: null };
  }
  const streakExpiresAt = startOfLocalDate(addDays(lastQualifiedDate, freezeReach + 2), timeZone);
  return { active: nowMs < streakExpiresAt, streakExpiresAt };
}
