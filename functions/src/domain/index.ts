export { type LocalDate, localDateOf, addDays, daysBetween, isLocalDate, offsetMsAt, utcMidnightOf } from './localDate';
export { isValidTimeZone, runtimeCanonicalTimeZone } from './timeZone';
export { parseInstant } from './instant';
export {
  type SessionRejectCode,
  type SessionIssue,
  type SessionTimes,
  type ValidationPolicy,
  type SessionInput,
  type SessionValidation,
  validateSession,
  DEFAULT_MAX_SESSION_HOURS,
  FUTURE_TOLERANCE_MS,
  EARLIEST_START_MS,
} from './validateSession';
export { type Piece, splitSession } from './splitSession';
export { type Interval, unionSeconds, creditByDate } from './credit';
export { DEFAULT_QUALIFY_MINUTES, qualifies } from './qualifies';
export { type StreakValues, type Run, EMPTY_STREAK, runsOf, runLength, streakFromRuns, streakFromQualifiedDates } from './streak';
export { type StreakStatus, streakStatus } from './streakStatus';
export { type SessionEnd, latestSession, latestZone } from './latestZone';
export { type AcceptInput, type AcceptOutcome, affectedDates, overlapWindow, applySession, recomputeAll } from './applySession';
export { type FreezeGrant, type WalkedStreak, DEFAULT_FREEZE_CAP, EMPTY_WALK, MAX_FROZEN_DATES, walkStreak } from './freezeWalk';
export {
  type DayStartChange,
  DAY_START_STEP_MINUTES,
  MAX_DAY_START_MINUTES,
  isDayStartMinutes,
  dayStartMinutesOn,
  startOfDay,
  startOfLocalDate,
  dateAt,
} from './dayStart';
