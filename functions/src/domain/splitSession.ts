import { type DayStartChange, dateAt, startOfDay } from './dayStart';
import { type LocalDate, addDays } from './localDate';
import type { SessionTimes } from './validateSession';

/** The part of a session that belongs to one of the user's dates: [startMs, endMs). */
export interface Piece {
  date: LocalDate;
  startMs: number;
  endMs: number;
}

/**
 * Cuts a session at the starts of the user's dates in its own zone (startOfDay): one piece per date, in
 * time order, contiguous, covering [startMs, endMs) exactly. Dates begin in order and never twice, so
 * where a clock falls back across a date's start (St. John's midnight before 2011) the repeated wall
 * time stays on the date already begun instead of handing time back to the one before.
 */
export function splitSession(session: SessionTimes, changes: readonly DayStartChange[] = []): Piece[] {
  const { startMs, endMs, timeZone } = session;
  const pieces: Piece[] = [];
  let date = dateAt(startMs, timeZone, changes);
  for (let from = startMs; from < endMs; date = addDays(date, 1)) {
    const to = Math.min(endMs, startOfDay(addDays(date, 1), timeZone, changes));
    // A date the zone skipped (Apia 2011-12-30) begins where the next one does: it gets no piece.
    if (to > from) pieces.push({ date, startMs: from, endMs: to });
    from = Math.max(from, to);
  }
  return pieces;
}
