import { parseInstant } from './instant';
import { isValidTimeZone } from './timeZone';

export const DEFAULT_MAX_SESSION_HOURS = 24;
export const FUTURE_TOLERANCE_MS = 5 * 60_000;
/**
 * No session starts before 2000-01-01T00:00:00Z, at any door: earlier values are encoding bugs
 * (epoch seconds read as milliseconds land in 1970), and local-mean-time eras break per-date bounds.
 */
export const EARLIEST_START_MS = Date.UTC(2000, 0, 1);

export type SessionRejectCode = 'invalid_time' | 'before_2000' | 'end_not_after_start' | 'too_long' | 'in_future' | 'invalid_timezone';

export interface SessionIssue {
  field: 'startTime' | 'endTime' | 'timezone';
  code: SessionRejectCode;
  message: string;
}

/** A valid session: [startMs, endMs) in epoch ms, plus the IANA zone it was recorded in. */
export interface SessionTimes {
  startMs: number;
  endMs: number;
  timeZone: string;
}

export interface ValidationPolicy {
  nowMs: number;
  /** Default DEFAULT_MAX_SESSION_HOURS. */
  maxSessionHours?: number;
  /** How far endTime may lie beyond nowMs; default FUTURE_TOLERANCE_MS, Infinity turns the check off. */
  futureToleranceMs?: number;
}

export interface SessionInput {
  startTime: unknown;
  endTime: unknown;
  timezone: unknown;
}

export type SessionValidation = { ok: true; session: SessionTimes } | { ok: false; issues: SessionIssue[] };

const TIME_FORMAT = 'an ISO-8601 string with an offset (e.g. 2025-03-09T06:30:00Z) or integer epoch milliseconds';

/** Checks a raw session and reports every problem at once, so a client can fix them in one go. */
export function validateSession(input: SessionInput, policy: ValidationPolicy): SessionValidation {
  const maxSessionHours = policy.maxSessionHours ?? DEFAULT_MAX_SESSION_HOURS;
  const futureToleranceMs = policy.futureToleranceMs ?? FUTURE_TOLERANCE_MS;
  const issues: SessionIssue[] = [];
  const startMs = parseInstant(input.startTime);
  const endMs = parseInstant(input.endTime);
  if (startMs === null) issues.push({ field: 'startTime', code: 'invalid_time', message: `startTime must be ${TIME_FORMAT}` });
  if (endMs === null) issues.push({ field: 'endTime', code: 'invalid_time', message: `endTime must be ${TIME_FORMAT}` });
  if (startMs !== null && startMs < EARLIEST_START_MS) {
    issues.push({ field: 'startTime', code: 'before_2000', message: 'startTime must not be before 2000-01-01T00:00:00Z (epoch seconds sent as milliseconds land in 1970)' });
  }
  // Policy: sessions over maxSessionHours (24 h) are rejected, not clipped; exactly 24 h is fine.
  if (startMs !== null && endMs !== null) {
    if (endMs <= startMs) {
      issues.push({ field: 'endTime', code: 'end_not_after_start', message: 'endTime must be later than startTime' });
    } else if (endMs - startMs > maxSessionHours * 3_600_000) {
      issues.push({ field: 'endTime', code: 'too_long', message: `a session may last at most ${maxSessionHours} hours` });
    }
  }
  if (endMs !== null && endMs > policy.nowMs + futureToleranceMs) {
    issues.push({
      field: 'endTime',
      code: 'in_future',
      message: `endTime may be at most ${futureToleranceMs / 60_000} minutes in the future`,
    });
  }
  if (!isValidTimeZone(input.timezone)) {
    issues.push({ field: 'timezone', code: 'invalid_timezone', message: 'timezone must be an IANA time zone name such as Europe/Paris' });
  }
  if (issues.length > 0 || startMs === null || endMs === null || typeof input.timezone !== 'string') return { ok: false, issues };
  return { ok: true, session: { startMs, endMs, timeZone: input.timezone } };
}
