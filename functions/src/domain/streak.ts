import { type LocalDate, addDays, daysBetween } from './localDate';

export interface StreakValues {
  currentStreak: number;
  longestStreak: number;
  lastQualifiedDate: LocalDate | null;
  qualifiedDaysCount: number;
}

export const EMPTY_STREAK: StreakValues = Object.freeze({
  currentStreak: 0,
  longestStreak: 0,
  lastQualifiedDate: null,
  qualifiedDaysCount: 0,
});

/** Consecutive qualified dates, both ends inclusive. */
export interface Run {
  start: LocalDate;
  end: LocalDate;
}

export function runLength(run: Run): number {
  return daysBetween(run.start, run.end) + 1;
}

/**
 * The maximal runs of consecutive dates, oldest first; duplicates are ignored.
 * Policy: a local date that was never lived (skipped flying east) is still a gap: no forgiveness.
 */
export function runsOf(dates: Iterable<LocalDate>): Run[] {
  const runs: Run[] = [];
  for (const date of [...new Set(dates)].sort()) {
    const last = runs[runs.length - 1];
    if (last !== undefined && addDays(last.end, 1) === date) last.end = date;
    else runs.push({ start: date, end: date });
  }
  return runs;
}

/** Streak values from sorted, maximal runs. */
export function streakFromRuns(runs: readonly Run[]): StreakValues {
  const lastRun = runs[runs.length - 1];
  if (lastRun === undefined) return { ...EMPTY_STREAK };
  let longestStreak = 0;
  let qualifiedDaysCount = 0;
  for (const run of runs) {
    const length = runLength(run);
    longestStreak = Math.max(longestStreak, length);
    qualifiedDaysCount += length;
  }
  return { currentStreak: runLength(lastRun), longestStreak, lastQualifiedDate: lastRun.end, qualifiedDaysCount };
}

export function streakFromQualifiedDates(dates: Iterable<LocalDate>): StreakValues {
  return streakFromRuns(runsOf(dates));
}
