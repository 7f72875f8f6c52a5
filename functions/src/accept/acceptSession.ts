import type { DatabasePool } from 'slonik';
import { toStreakEvent } from '../contract/streakEvent';
import { readForAccept, writeAccept, type AcceptRead, type StoredStreak } from '../db/acceptQueries';
import { DatabaseUnavailableError, toDatabaseError } from '../db/errors';
import { affectedDates, applySession, EMPTY_STREAK, latestZone, overlapWindow, type SessionTimes } from '../domain';
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

// Each 'stale' answer means another accept of the same user committed, so the loop always makes
// progress; the bound only turns a pathological pile-up into a retryable error.
const MAX_ATTEMPTS = 200;

export const NEW_USER_STREAK: StoredStreak = { ...EMPTY_STREAK, timezone: null, version: 0, updatedAt: null };

/**
 * The write path of DESIGN §5: read what the session touches, compute with the domain, then write
 * everything in one transaction that holds the user's row lock and proves the read is still current.
 * Only the dates the session touches are read, so the cost does not grow with the user's history.
 */
export async function acceptSession(pool: DatabasePool, input: AcceptSessionInput, options: AcceptSessionOptions): Promise<AcceptSessionResult> {
  const { userId, sessionId, session, source } = input;
  const now = options.now ?? Date.now;
  const dates = affectedDates(session);
  const window = overlapWindow(dates);
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const read = await readForAccept(pool, { userId, sessionId, window, dates });
      const stored = read.streak ?? NEW_USER_STREAK;
      if (read.existing) {
        const e = read.existing;
        const same = e.userId === userId && e.startMs === session.startMs && e.endMs === session.endMs && e.timeZone === session.timeZone;
        if (!same) throw new SessionConflictError(sessionId);
        return { accepted: false, streak: stored, outboxId: null };
      }
      const plan = planWrite(input, read, stored, options.qualifySeconds, now());
      const written = await writeAccept(pool, plan.write);
      if (written.status === 'written') return { accepted: true, streak: plan.streak, outboxId: written.outboxId };
    }
    throw new DatabaseUnavailableError(`too much contention accepting session ${sessionId}; retry later`);
  } catch (error) {
    throw toDatabaseError(error);
  }
}

function planWrite(input: AcceptSessionInput, read: AcceptRead, stored: StoredStreak, qualifySeconds: number, nowMs: number) {
  const { userId, sessionId, session, source } = input;
  const outcome = applySession({
    session,
    others: read.others,
    storedCredits: new Map(read.credits.map((c) => [c.date, c.seconds])),
    streak: stored,
    nearbyRuns: read.runs,
    qualifySeconds,
  });
  const zone = latestZone(read.latest, { sessionId, endMs: session.endMs, timeZone: session.timeZone });
  // The zone decides "today" and streakExpiresAt, so a new zone is a change apps must see.
  const changed = outcome.streakChanged || zone !== stored.timezone;
  const streak: StoredStreak = changed
    ? { ...outcome.streak, timezone: zone, version: stored.version + 1, updatedAt: new Date(nowMs).toISOString() }
    : stored;
  const payload = toStreakEvent(userId, streak, nowMs);
  return {
    streak,
    write: {
      userId,
      sessionId,
      session,
      source,
      expectedRevision: read.revision,
      credits: outcome.credits,
      removedRuns: outcome.runs.removed,
      addedRuns: outcome.runs.added,
      zone,
      change: changed ? { ...outcome.streak, version: streak.version, payload } : null,
    },
  };
}
