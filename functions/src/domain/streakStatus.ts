import { type DayStartChange, startOfDay } from './dayStart';
import { type LocalDate, addDays } from './localDate';
import { isValidTimeZone } from './timeZone';

export interface StreakStatus {
  active: boolean;
  /** The instant lastQualifiedDate + freezeReach + 2 begins in the zone, at its day start: from then on the streak is broken. */
  streakExpiresAt: number | null;
}

/**
 * Whether the streak is alive at nowMs: while today (dateAt in timeZone) is at most lastQualifiedDate + 1, or
 * later by the dates freezes will cover (freezeReach, from walkStreak).
 */
export function streakStatus(
  lastQualifiedDate: LocalDate | null,
  timeZone: string | null,
  nowMs: number,
  freezeReach = 0,
  changes: readonly DayStartChange[] = [],
): StreakStatus {
  if (lastQualifiedDate === null || timeZone === null || !isValidTimeZone(timeZone)) {
    return { active: false, streakExpiresAt: null };
  }
  const streakExpiresAt = startOfDay(addDays(lastQualifiedDate, freezeReach + 2), timeZone, changes);
  return { active: nowMs < streakExpiresAt, streakExpiresAt };
}
