import type { StreakEvent } from '../../src/contract/streakEvent';
import { streakStatus, type StreakValues } from '../../src/domain';

/** A stored streak as the event carries it; updatedAt null means "not written yet". */
export interface StreakEventSource extends StreakValues {
  timezone: string | null;
  version: number;
  updatedAt: string | null;
  /** From walkStreak; absent: a user never granted a freeze. */
  freezesAvailable?: number;
  frozenDates?: string[];
  freezeReach?: number;
}

/**
 * The event of a user's streak as of nowMs, by the reference model (its zone rules are the runtime's
 * ICU): SQL's streak_event_payload must write the same fields, which the parity specs check.
 */
export function toStreakEvent(userId: string, streak: StreakEventSource, nowMs: number): StreakEvent {
  const { streakExpiresAt } = streakStatus(streak.lastQualifiedDate, streak.timezone, nowMs, streak.freezeReach ?? 0);
  return {
    userId,
    version: streak.version,
    currentStreak: streak.currentStreak,
    longestStreak: streak.longestStreak,
    lastQualifiedDate: streak.lastQualifiedDate,
    qualifiedDaysCount: streak.qualifiedDaysCount,
    timezone: streak.timezone,
    streakExpiresAt: streakExpiresAt === null ? null : new Date(streakExpiresAt).toISOString(),
    updatedAt: streak.updatedAt ?? new Date(nowMs).toISOString(),
    freezesAvailable: streak.freezesAvailable ?? 0,
    frozenDates: streak.frozenDates ?? [],
    dayStartMinutes: 0,
  };
}
