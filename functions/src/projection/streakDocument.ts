import type { StreakEvent } from '../contract/streakEvent';

/**
 * Firestore streaks/{userId}, the read model apps read: the event's fields, with instants as the store's
 * timestamp type (Firestore Timestamp in production, Date in memory). lastQualifiedDate stays a
 * "YYYY-MM-DD" string: it is a local calendar date, not an instant.
 */
export type StreakDocument<T> = Omit<StreakEvent, 'updatedAt' | 'streakExpiresAt'> & {
  updatedAt: T;
  streakExpiresAt: T | null;
};

export function toStreakDocument<T>(event: StreakEvent, timestamp: (date: Date) => T): StreakDocument<T> {
  return {
    userId: event.userId,
    version: event.version,
    currentStreak: event.currentStreak,
    longestStreak: event.longestStreak,
    lastQualifiedDate: event.lastQualifiedDate,
    qualifiedDaysCount: event.qualifiedDaysCount,
    timezone: event.timezone,
    streakExpiresAt: event.streakExpiresAt === null ? null : timestamp(new Date(event.streakExpiresAt)),
    updatedAt: timestamp(new Date(event.updatedAt)),
    freezesAvailable: event.freezesAvailable,
    frozenDates: event.frozenDates,
    dayStartMinutes: event.dayStartMinutes,
  };
}
