import { type LocalDate, localDateOf, offsetMsAt, utcMidnightOf, addDays } from './localDate';
import type { SessionTimes } from './validateSession';

/** The part of a session that a wall clock in the session's zone shows on one date: [startMs, endMs). */
export interface Piece {
  date: LocalDate;
  startMs: number;
  endMs: number;
}

/** The first instant in (fromMs, toMs) whose offset differs from offset; offset(fromMs) is offset, offset(toMs − 1) is not. */
function nextTransition(fromMs: number, toMs: number, offset: number, timeZone: string): number {
  let low = fromMs;
  let high = toMs - 1;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (offsetMsAt(middle, timeZone) === offset) low = middle;
    else high = middle;
  }
  return high;
}

/**
 * Cuts a session at every change of local date in its own zone: each instant goes to the date a wall clock
 * there shows at that instant. Pieces come in time order, are contiguous and cover [startMs, endMs) exactly;
 * where a clock falls back across midnight (St. John's before 2011) a date can own two pieces.
 * Assumes a zone never changes its offset twice within one local day and back again.
 */
export function splitSession(session: SessionTimes): Piece[] {
  const { startMs, endMs, timeZone } = session;
  const pieces: Piece[] = [];
  let cursor = startMs;
  while (cursor < endMs) {
    const offset = offsetMsAt(cursor, timeZone);
    const date = localDateOf(cursor, timeZone);
    // Where the next midnight falls if the offset holds; an offset change before it is found exactly.
    const midnight = utcMidnightOf(addDays(date, 1)) - offset;
    const limit = Math.min(midnight, endMs);
    const next = offsetMsAt(limit - 1, timeZone) === offset ? limit : nextTransition(cursor, limit, offset, timeZone);
    const last = pieces[pieces.length - 1];
    if (last !== undefined && last.date === date && last.endMs === cursor) last.endMs = next;
    else pieces.push({ date, startMs: cursor, endMs: next });
    cursor = next;
  }
  return pieces;
}
