import { creditByDate } from './credit';
import type { DayStartChange } from './dayStart';
import { type LocalDate, addDays, utcMidnightOf } from './localDate';
import { qualifies } from './qualifies';
import { splitSession } from './splitSession';
import { type Run, type StreakValues, runLength, runsOf, streakFromRuns } from './streak';
import type { SessionTimes } from './validateSession';

// Wider than any UTC offset in use (−12 h … +14 h), so every zone's instants of a date fall inside.
const ANY_ZONE_MARGIN_MS = 16 * 3_600_000;
// A day start (at most 12 h) ends the last date that much later than its midnight; starts only move later, so the start needs nothing.
const DAY_START_MARGIN_MS = 12 * 3_600_000;

/** The dates a session puts credit on, in its own zone, oldest first. */
export function affectedDates(session: SessionTimes, changes: readonly DayStartChange[] = []): LocalDate[] {
  return [...new Set(splitSession(session, changes).map((piece) => piece.date))].sort();
}

/**
 * A UTC window holding every instant of those dates in any zone; empty for no dates. Any day-start
 * change widens its end, whatever the minutes, as the SQL engine does: both must ask for the same sessions.
 */
export function overlapWindow(dates: readonly LocalDate[], changes: readonly DayStartChange[] = []): { fromMs: number; toMs: number } {
  if (dates.length === 0) return { fromMs: 0, toMs: 0 };
  const sorted = [...dates].sort();
  const first = sorted[0] as LocalDate;
  const last = sorted[sorted.length - 1] as LocalDate;
  return {
    fromMs: utcMidnightOf(first) - ANY_ZONE_MARGIN_MS,
    toMs: utcMidnightOf(addDays(last, 1)) + ANY_ZONE_MARGIN_MS + (changes.length > 0 ? DAY_START_MARGIN_MS : 0),
  };
}

export interface AcceptInput {
  /** The new session. */
  session: SessionTimes;
  /** The user's other stored sessions overlapping overlapWindow(affectedDates(session, changes), changes), in any zones. */
  others: readonly SessionTimes[];
  /** Stored credit of the affected dates (absent = 0). */
  storedCredits: ReadonlyMap<LocalDate, number>;
  /** Stored streak. */
  streak: StreakValues;
  /** Stored runs that touch [minAffected − 1, maxAffected + 1]: overlapping or adjacent. */
  nearbyRuns: readonly Run[];
  qualifySeconds: number;
  /** The user's day-start changes; none means every date begins at local midnight. */
  changes?: readonly DayStartChange[];
}

export interface AcceptOutcome {
  /** New credit of each affected date whose value changed. */
  credits: Map<LocalDate, number>;
  newlyQualified: LocalDate[];
  /** Replace the `removed` stored runs by `added`. */
  runs: { removed: Run[]; added: Run[] };
  streak: StreakValues;
  streakChanged: boolean;
}

const sameRun = (a: Run, b: Run): boolean => a.start === b.start && a.end === b.end;

/** Merges single-date runs into the stored runs around them; input runs need not be sorted. */
function mergeRuns(runs: readonly Run[]): Run[] {
  const merged: Run[] = [];
  for (const run of [...runs].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))) {
    const last = merged[merged.length - 1];
    if (last !== undefined && run.start <= addDays(last.end, 1)) {
      if (run.end > last.end) last.end = run.end;
    } else {
      merged.push({ ...run });
    }
  }
  return merged;
}

/**
 * The incremental accept step: what one new session changes, given only the stored facts near it.
 * Sessions are insert-only, so credit only grows and a date only ever becomes qualified; that makes the
 * result equal to recomputeAll over every session, which the property tests check.
 */
export function applySession(input: AcceptInput): AcceptOutcome {
  const { session, others, storedCredits, streak, nearbyRuns, qualifySeconds, changes = [] } = input;
  const dates = affectedDates(session, changes);
  const recomputed = creditByDate([session, ...others], new Set(dates), changes);

  const credits = new Map<LocalDate, number>();
  const newlyQualified: LocalDate[] = [];
  for (const date of dates) {
    const before = storedCredits.get(date) ?? 0;
    const after = recomputed.get(date) ?? 0;
    if (after !== before) credits.set(date, after);
    if (qualifies(after, qualifySeconds) && !qualifies(before, qualifySeconds)) newlyQualified.push(date);
  }
  if (newlyQualified.length === 0) {
    return { credits, newlyQualified, runs: { removed: [], added: [] }, streak, streakChanged: false };
  }

  const merged = mergeRuns([...nearbyRuns, ...runsOf(newlyQualified)]);
  const removed = nearbyRuns.filter((run) => !merged.some((other) => sameRun(run, other)));
  const added = merged.filter((run) => !nearbyRuns.some((other) => sameRun(run, other)));

  const newest = newlyQualified[newlyQualified.length - 1] as LocalDate;
  const lastQualifiedDate =
    streak.lastQualifiedDate === null || newest > streak.lastQualifiedDate ? newest : streak.lastQualifiedDate;
  // The run holding the last date is either one just merged, or untouched and so as long as before.
  const lastRun = added.find((run) => run.start <= lastQualifiedDate && lastQualifiedDate <= run.end);
  const next: StreakValues = {
    currentStreak: lastRun === undefined ? streak.currentStreak : runLength(lastRun),
    longestStreak: Math.max(streak.longestStreak, ...added.map(runLength)),
    lastQualifiedDate,
    qualifiedDaysCount: streak.qualifiedDaysCount + newlyQualified.length,
  };
  const streakChanged =
    next.currentStreak !== streak.currentStreak ||
    next.longestStreak !== streak.longestStreak ||
    next.lastQualifiedDate !== streak.lastQualifiedDate ||
    next.qualifiedDaysCount !== streak.qualifiedDaysCount;
  return { credits, newlyQualified, runs: { removed, added }, streak: next, streakChanged };
}

/** The reference: credits, runs and streak rebuilt from every session. */
export function recomputeAll(
  sessions: readonly SessionTimes[],
  qualifySeconds: number,
  changes: readonly DayStartChange[] = [],
): { credits: Map<LocalDate, number>; runs: Run[]; streak: StreakValues } {
  const credits = creditByDate(sessions, undefined, changes);
  const qualified = [...credits].filter(([, seconds]) => qualifies(seconds, qualifySeconds)).map(([date]) => date);
  const runs = runsOf(qualified);
  return { credits, runs, streak: streakFromRuns(runs) };
}
