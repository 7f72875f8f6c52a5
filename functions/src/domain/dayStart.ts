import { type LocalDate, addDays, localDateOf, offsetMsAt, utcMidnightOf } from './localDate';

/** From `effectiveFrom` on, the user's dates begin `minutes` after local midnight. */
export interface DayStartChange {
  effectiveFrom: LocalDate;
  minutes: number;
}

export const MAX_DAY_START_MINUTES = 720;
export const DAY_START_STEP_MINUTES = 15;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
// Wider than any offset change, so the offsets either side of a date's start are found outside it.
const OFFSET_PROBE_MS = DAY_MS;
const SEARCH_MARGIN_MS = 26 * 3_600_000;

/** 0–720, a multiple of 15: so every date keeps a positive length whatever the change. */
export function isDayStartMinutes(minutes: unknown): minutes is number {
  return Number.isInteger(minutes) && (minutes as number) >= 0 && (minutes as number) <= MAX_DAY_START_MINUTES && (minutes as number) % DAY_START_STEP_MINUTES === 0;
}

/** The minutes of the latest change effective on or before `date`; 0 (midnight) before the first. */
export function dayStartMinutesOn(changes: readonly DayStartChange[], date: LocalDate): number {
  let minutes = 0;
  let from: LocalDate | null = null;
  for (const change of changes) {
    if (change.effectiveFrom <= date && (from === null || change.effectiveFrom >= from)) {
      minutes = change.minutes;
      from = change.effectiveFrom;
    }
  }
  return minutes;
}

/**
 * The first instant of `date`: the first instant whose wall clock in the zone reads the date's start
 * (local midnight + its day-start minutes) or later. Where that wall time is skipped, the end of the
 * gap; where it repeats, its first occurrence. Assumes at most one offset change within a day of it.
 */
export function startOfDay(date: LocalDate, timeZone: string, changes: readonly DayStartChange[]): number {
  const minutes = dayStartMinutesOn(changes, date);
  const key = `${timeZone} ${date} ${minutes}`;
  let start = starts.get(key);
  if (start === undefined) {
    start = firstInstantReading(utcMidnightOf(date) + minutes * MINUTE_MS, timeZone);
    if (starts.size >= MAX_STARTS) starts.clear();
    starts.set(key, start);
  }
  return start;
}

/**
 * The first instant whose local date is `date` (where midnight is skipped, the first instant that exists;
 * where it repeats, the first 00:00). For a date the zone skipped entirely, the start of the next date.
 */
export function startOfLocalDate(date: LocalDate, timeZone: string): number {
  return startOfDay(date, timeZone, []);
}

// Splitting asks for each date's start and the next one's, several times per session, and each costs
// up to six Intl calls: remember them, bounded.
const starts = new Map<string, number>();
const MAX_STARTS = 20_000;

/** The first instant whose wall clock in the zone reads `target` (ms on that wall clock) or later. */
function firstInstantReading(target: number, timeZone: string): number {
  const reaches = (instantMs: number) => instantMs + offsetMsAt(instantMs, timeZone) >= target;
  // Under the offset before the change the target is reached at `before`, under the one after at `after`.
  const before = target - offsetMsAt(target - OFFSET_PROBE_MS, timeZone);
  if (offsetMsAt(before, timeZone) === offsetMsAt(target - OFFSET_PROBE_MS, timeZone) && !reaches(before - 1)) return before;
  const after = target - offsetMsAt(target + OFFSET_PROBE_MS, timeZone);
  if (offsetMsAt(after, timeZone) === offsetMsAt(target + OFFSET_PROBE_MS, timeZone) && reaches(after) && !reaches(after - 1)) return after;
  // The target falls in a gap: the first instant past it, where the wall clock jumps over it.
  let low = target - SEARCH_MARGIN_MS;
  let high = target + SEARCH_MARGIN_MS;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (reaches(middle)) high = middle;
    else low = middle;
  }
  return high;
}

/**
 * The date an instant belongs to: the latest date whose start is at or before it. Dates start in
 * order, so a date never begins twice: where a clock falls back over a date's start, the instants of
 * the repeat stay on the new date.
 */
export function dateAt(instantMs: number, timeZone: string, changes: readonly DayStartChange[]): LocalDate {
  const wallDate = localDateOf(instantMs, timeZone);
  for (const date of [addDays(wallDate, 1), wallDate]) {
    if (startOfDay(date, timeZone, changes) <= instantMs) return date;
  }
  return addDays(wallDate, -1);
}
