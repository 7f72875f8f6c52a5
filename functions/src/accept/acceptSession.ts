import type { DatabasePool } from 'slonik';
import type { StreakEvent } from '../contract/streakEvent';
import { beginAccept, commitAccept, type StoredStreak } from '../db/acceptQueries';
import { toDatabaseError } from '../db/errors';
import { affectedDates, applySession, overlapWindow, streakStatus, type SessionTimes } from '../domain';
import { SessionConflictError } from './SessionConflictError';

export type SessionSource = 'callable' | 'bridge' | 'backfill';

export interface AcceptSessionInput {
  userId: string;
  sessionId: string;
  session: SessionTimes;
  source: SessionSource;
}

export interface AcceptSessionOptions {
  qualifySeconds: number;
  now?: () => number;
}

export interface AcceptSessionResult {
  /** False when the same session was already stored (an idempotent retry). */
  accepted: boolean;
  streak: StoredStreak;
  /** The outbox row to publish at once, when the streak changed. */
  outboxId: string | null;
}

/**
 * The write path of DESIGN §5: one transaction, serialized per user by the streak row lock,
 * reading only the dates the session touches so its cost does not grow with the user's history.
 */
export async function acceptSession(
  pool: DatabasePool,
  input: AcceptSessionInput,
  options: AcceptSessionOptions,
): Promise<AcceptSessionResult> {
  const { userId, sessionId, session, source } = input;
  const now = options.now ?? Date.now;
  const dates = affectedDates(session);
  try {
    return await pool.transaction(async (tx) => {
      const begun = await beginAccept(tx, { userId, sessionId, session, source, window: overlapWindow(dates), dates });
      if (!begun.inserted) {
        const e = begun.existing;
        const same = e.userId === userId && e.startMs === session.startMs && e.endMs === session.endMs && e.timeZone === session.timeZone;
        if (!same) throw new SessionConflictError(sessionId);
        return { accepted: false, streak: begun.streak, outboxId: null };
      }

      const stored = begun.streak;
      const outcome = applySession({
        session,
        others: begun.others,
        storedCredits: new Map(begun.credits.map((c) => [c.date, c.seconds])),
        streak: stored,
        nearbyRuns: begun.runs,
        qualifySeconds: options.qualifySeconds,
      });
      // The zone decides "today" and streakExpiresAt, so a new zone is a change apps must see.
      const changed = outcome.streakChanged || begun.zone !== stored.timezone;
      if (!changed && outcome.credits.size === 0) return { accepted: true, streak: stored, outboxId: null };

      const nowMs = now();
      const next: StoredStreak = changed
        ? { ...outcome.streak, timezone: begun.zone, version: stored.version + 1, updatedAt: new Date(nowMs).toISOString() }
        : stored;
      const payload: StreakEvent = {
        userId,
        version: next.version,
        currentStreak: next.currentStreak,
        longestStreak: next.longestStreak,
        lastQualifiedDate: next.lastQualifiedDate,
        qualifiedDaysCount: next.qualifiedDaysCount,
        timezone: next.timezone,
        streakExpiresAt: isoOrNull(streakStatus(next.lastQualifiedDate, next.timezone, nowMs).streakExpiresAt),
        updatedAt: next.updatedAt,
      };
      const outboxId = await commitAccept(tx, {
        userId,
        credits: outcome.credits,
        removedRuns: outcome.runs.removed,
        addedRuns: outcome.runs.added,
        zone: begun.zone,
        change: changed ? { ...outcome.streak, version: next.version, payload } : null,
      });
      return { accepted: true, streak: next, outboxId };
    });
  } catch (error) {
    throw toDatabaseError(error);
  }
}

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
