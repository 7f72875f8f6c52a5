import { z } from 'zod';
import { userIdSchema } from '../contract/userId';
import { EARLIEST_START_MS, FUTURE_TOLERANCE_MS, validateSession, type SessionRejectCode } from '../domain';
import { legacyInstant } from './legacyInstant';
import { isSessionId, type LegacyPath } from './legacyPath';
import type { Reject, RejectReason } from './rejectReason';

/** Earliest plausible instant: the domain's floor for every door (earlier values are encoding bugs, seconds read as ms). */
export const PLAUSIBLE_FROM_MS = EARLIEST_START_MS;

const zoneFieldSchema = z.union([z.string(), z.null(), z.undefined()]);

export interface LegacySession {
  path: string;
  sessionId: string;
  userId: string;
  startMs: number;
  endMs: number;
  timeZone: string;
}

export interface LegacySessionContext {
  nowMs: number;
  maxSessionHours: number;
  /** How far in the future an end time may lie (clock skew); default 5 minutes. */
  futureToleranceMs?: number;
  /** users/{uid}.timezone (or the SQL users row) for documents without their own zone. */
  userTimeZone?: (userId: string) => string | null | undefined;
  /** Last resort zone (--default-timezone); without it such a document is rejected. */
  defaultTimeZone?: string;
}

export type LegacySessionResult = { ok: true; session: LegacySession } | { ok: false; reject: Reject };

/**
 * A legacy `sessions/{id}` (or `users/{uid}/sessions/{id}`) document as a session the write path
 * accepts, or one reject with a stable reason. `durationMinutes` is ignored: the times win.
 */
export function parseLegacySession(location: LegacyPath, data: unknown, context: LegacySessionContext): LegacySessionResult {
  const reject = (reason: RejectReason, detail: string): LegacySessionResult => ({ ok: false, reject: { path: location.path, reason, detail, raw: data } });
  if (!isSessionId(location.id)) return reject('invalid_session_id', 'document id must be 1-128 characters of A-Z a-z 0-9 _ -');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return reject('malformed_json', 'document data must be an object');
  const doc = data as Record<string, unknown>;

  // A collection-group document may leave userId implicit in its path (users/{uid}/sessions/{id}).
  const rawUser = doc.userId ?? location.parentId ?? undefined;
  if (rawUser === undefined || rawUser === null || rawUser === '') return reject('missing_user', 'userId is missing');
  const user = userIdSchema.safeParse(rawUser);
  if (!user.success) return reject('invalid_user', `userId ${user.error.issues[0]?.message ?? 'is invalid'}`);
  const userId = user.data;
  if (location.parentId !== null && doc.userId !== undefined && doc.userId !== location.parentId) {
    return reject('user_mismatch', `userId ${JSON.stringify(doc.userId)} differs from the owner in the path (${location.parentId})`);
  }

  const startMs = legacyInstant(doc.startTime);
  const endMs = legacyInstant(doc.endTime);
  if (startMs === null || endMs === null) {
    const bad = [startMs === null ? 'startTime' : null, endMs === null ? 'endTime' : null].filter(Boolean).join(' and ');
    return reject('invalid_time', `${bad}: not a Timestamp, {seconds,nanoseconds}, ISO-8601 with offset or epoch ms`);
  }
  const futureToleranceMs = context.futureToleranceMs ?? FUTURE_TOLERANCE_MS;
  if (Math.min(startMs, endMs) < PLAUSIBLE_FROM_MS || Math.max(startMs, endMs) > context.nowMs + futureToleranceMs) {
    return reject('implausible_time', `times must lie between 2000-01-01 and now (${new Date(startMs).toISOString()} – ${new Date(endMs).toISOString()})`);
  }

  const zoneField = zoneFieldSchema.safeParse(doc.timezone);
  if (!zoneField.success) return reject('invalid_timezone', 'timezone must be a string');
  const own = zoneField.data === '' ? null : zoneField.data;
  const timeZone = own ?? context.userTimeZone?.(userId) ?? context.defaultTimeZone ?? null;
  if (timeZone === null) return reject('missing_timezone', 'no timezone on the session, its user, or --default-timezone');

  const checked = validateSession({ startTime: startMs, endTime: endMs, timezone: timeZone }, {
    nowMs: context.nowMs,
    maxSessionHours: context.maxSessionHours,
    futureToleranceMs: Number.POSITIVE_INFINITY,
  });
  if (!checked.ok) {
    const issue = checked.issues[0];
    return reject(REASON_OF[issue?.code ?? 'invalid_time'], issue?.message ?? 'invalid session');
  }
  return { ok: true, session: { path: location.path, sessionId: location.id, userId, startMs, endMs, timeZone } };
}

const REASON_OF: Record<SessionRejectCode, RejectReason> = {
  invalid_time: 'invalid_time',
  before_2000: 'implausible_time',
  end_not_after_start: 'end_not_after_start',
  too_long: 'too_long',
  in_future: 'implausible_time',
  invalid_timezone: 'invalid_timezone',
};
