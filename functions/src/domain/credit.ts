import type { DayStartChange } from './dayStart';
import type { LocalDate } from './localDate';
import { splitSession } from './splitSession';
import type { SessionTimes } from './validateSession';

export interface Interval {
  startMs: number;
  endMs: number;
}

/** Whole seconds covered by the union of the intervals: overlaps count once, empty intervals not at all. */
export function unionSeconds(intervals: readonly Interval[]): number {
  const sorted = intervals.filter((interval) => interval.endMs > interval.startMs).sort((a, b) => a.startMs - b.startMs);
  let totalMs = 0;
  let coveredUntil = -Infinity;
  for (const { startMs, endMs } of sorted) {
    if (endMs <= coveredUntil) continue;
    totalMs += endMs - Math.max(startMs, coveredUntil);
    coveredUntil = endMs;
  }
  return Math.floor(totalMs / 1000);
}

/**
 * Credit in seconds per date: the union of all session pieces attributed to it, each session split
 * in its own zone at the user's day starts. Dates with under one second of credit are left out (absent means 0).
 * Policy: overlapping sessions (two devices) are merged, not added.
 */
export function creditByDate(
  sessions: readonly SessionTimes[],
  only?: ReadonlySet<LocalDate>,
  changes: readonly DayStartChange[] = [],
): Map<LocalDate, number> {
  const piecesByDate = new Map<LocalDate, Interval[]>();
  for (const session of sessions) {
    for (const piece of splitSession(session, changes)) {
      if (only !== undefined && !only.has(piece.date)) continue;
      const pieces = piecesByDate.get(piece.date);
      if (pieces === undefined) piecesByDate.set(piece.date, [piece]);
      else pieces.push(piece);
    }
  }
  const credits = new Map<LocalDate, number>();
  for (const date of [...piecesByDate.keys()].sort()) {
    const seconds = unionSeconds(piecesByDate.get(date) ?? []);
    if (seconds > 0) credits.set(date, seconds);
  }
  return credits;
}
