import { type LocalDate, addDays } from './localDate';
import { type Run, type StreakValues, EMPTY_STREAK } from './streak';

/** Freezes granted to a user (an operator or a server integration, never the client itself). */
export interface FreezeGrant {
  effectiveFrom: LocalDate;
  count: number;
}

export interface WalkedStreak extends StreakValues {
  /** Dates of the current run a freeze covered, ascending, the newest MAX_FROZEN_DATES. */
  frozenDates: LocalDate[];
  /** Freezes held on `asOf`: grants effective by then, less what the walk consumed before it. */
  freezesAvailable: number;
  /** How many dates after the last qualified date the freezes known now would cover. */
  freezeReach: number;
}

export const DEFAULT_FREEZE_CAP = 2;
export const MAX_FROZEN_DATES = 31;

export const EMPTY_WALK: WalkedStreak = Object.freeze({ ...EMPTY_STREAK, frozenDates: [], freezesAvailable: 0, freezeReach: 0 });

/**
 * The streak with freezes, walked date by date from the user's first event. `runs` are the maximal
 * runs of qualified or repaired dates, oldest first. On every date the freezes effective that date
 * are added (the balance capped at `cap`); a missed date after a qualified date of a live run takes
 * one freeze if any is held (frozen: the run stays alive and does not grow), else the run ends. Missed
 * dates between two qualified dates always lie in the past; after the last qualified date only the
 * dates before `asOf` (today) are walked, so today is never frozen. Consumption is never stored: it
 * is this walk, so a late session, a revoked grant or a rebuild changes it the same way everywhere.
 */
export function walkStreak(runs: readonly Run[], grants: readonly FreezeGrant[], cap: number, asOf: LocalDate): WalkedStreak {
  const granted = new Map<LocalDate, number>();
  for (const grant of grants) granted.set(grant.effectiveFrom, (granted.get(grant.effectiveFrom) ?? 0) + grant.count);
  const qualified = new Set<LocalDate>();
  for (const run of runs) for (let d = run.start; d <= run.end; d = addDays(d, 1)) qualified.add(d);
  const first = [...qualified, ...granted.keys()].sort()[0];
  if (first === undefined) return { ...EMPTY_WALK, frozenDates: [] };
  const last = runs.length === 0 ? null : (runs[runs.length - 1] as Run).end;
  const add = (balance: number, date: LocalDate) => Math.min(cap, balance + (granted.get(date) ?? 0));

  let held = 0;
  let live = false;
  let chain = 0;
  let longest = 0;
  let frozen: LocalDate[] = [];
  let heldAtLast = 0;
  let currentStreak = 0;
  const end = last !== null && last > asOf ? last : asOf;
  for (let d = first; d <= end; d = addDays(d, 1)) {
    held = add(held, d);
    if (qualified.has(d)) {
      if (!live) {
        live = true;
        chain = 0;
        frozen = [];
      }
      chain += 1;
      longest = Math.max(longest, chain);
    } else if (live && ((last !== null && d < last) || d < asOf)) {
      if (held > 0) {
        held -= 1;
        frozen.push(d);
      } else {
        live = false;
      }
    }
    if (d === last) {
      heldAtLast = held;
      currentStreak = chain;
    }
  }

  // The dates after the last qualified one the freezes known now would cover, one a date.
  let freezeReach = 0;
  if (last !== null) {
    let balance = heldAtLast;
    for (let d = addDays(last, 1); ; d = addDays(d, 1)) {
      balance = add(balance, d);
      if (balance === 0) break;
      balance -= 1;
      freezeReach += 1;
    }
  }

  return {
    currentStreak,
    longestStreak: longest,
    lastQualifiedDate: last,
    qualifiedDaysCount: qualified.size,
    frozenDates: frozen.slice(-MAX_FROZEN_DATES),
    freezesAvailable: held,
    freezeReach,
  };
}
