import type { StreakEvent } from '../../src/contract/streakEvent';

/** A valid event whose fields depend on the version, so a stale document is easy to spot. */
export function streakEvent(userId: string, version: number): StreakEvent {
  const day = String(1 + (version % 28)).padStart(2, '0');
  return {
    userId,
    version,
    currentStreak: version,
    longestStreak: version,
    lastQualifiedDate: `2025-03-${day}`,
    qualifiedDaysCount: version,
    timezone: 'Europe/Berlin',
    streakExpiresAt: `2025-04-${day}T22:00:00.000Z`,
    updatedAt: new Date(Date.UTC(2025, 2, 1) + version * 1000).toISOString(),
    freezesAvailable: version % 3,
    frozenDates: version % 3 === 0 ? [] : [`2025-02-${day}`],
    dayStartMinutes: 0,
  };
}
