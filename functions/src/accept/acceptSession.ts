import type { DatabasePool } from 'slonik';
import { toStreakEvent } from '../contract/streakEvent';
import { readForAccept, releaseAcceptLock, writeAcceptLocking, type AcceptRead, type RateLimit } from '../db/acceptQueries';
import { AccountDeletedError, isDeletedUserRefusal } from '../db/AccountDeletedError';
import { DatabaseUnavailableError, toDatabaseError } from '../db/errors';
import { RateLimitedError } from '../db/RateLimitedError';
import { timeZoneSpeller } from '../db/timeZones';
import { NEW_USER_STREAK, type StoredStreak } from '../db/userStreaks';
import { affectedDates, applySession, latestZone, overlapWindow, type SessionTimes } from '../domain';
import type { StreakPublisher } from '../outbox/publisher';
import { sameSessionContent } from './sameSessionContent';
import { SessionConflictError } from './SessionConflictError';
import { UnknownTimeZoneError } from './UnknownTimeZoneError';

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
  /**
   * Publish the new streak right after the commit, waiting at most timeoutMs. Without it the row
   * waits for the scheduled relay (benchmarks, tests of the relay).
   */
  publish?: { publisher: StreakPublisher; timeoutMs: number };
  /**
   * The caller's rate limit (callables): the first read takes a token, so a duplicate or a conflict
   * costs one too; retries within this accept do not. Refused: RateLimitedError, nothing read or written.
   */
  rateLimit?: RateLimit;
  /**
   * Longest wait, in ms, behind this instance's earlier accepts of the same user (they run one at a
   * time per pool); past it DatabaseUnavailableError. Default 3000 (DB_ACQUIRE_TIMEOUT_MS's default).
   */
  maxQueueWaitMs?: number;
  /** Aborted when the caller is gone: the accept stops before its next statement, having written nothing. */
  signal?: AbortSignal;
}

export interface AcceptSessionResult {
  /** False when the same session was already stored (an idempotent retry). */
  accepted: boolean;
  streak: StoredStreak;
  /** The outbox row written when the streak changed (already published when `publish` was given and Pub/Sub answered). */
  outboxId: string | null;
}

// A stale answer leaves the user's lock with the writer, so the next write is almost never stale
// again; the bound is for writers that skip the lock (rebuilds, backfill) piling up.
const MAX_ATTEMPTS = 20;

/**
 * Accepts one session, whoever sends it (callable, bridge). After the commit it tries to publish
 * the outbox row at once (bounded wait, never throws); whatever is not published waits for the relay.
 * A uid whose Firebase Auth account was deleted is refused (AccountDeletedError), nothing written.
 */
export async function acceptSession(pool: DatabasePool, input: AcceptSessionInput, options: AcceptSessionOptions): Promise<AcceptSessionResult> {
  const result = await oneAtATime(pool, input.userId, options.maxQueueWaitMs ?? 3000, options.signal, () => writeSession(pool, input, options));
  if (result.outboxId && options.publish) {
    // Loaded on first publish: the publish path is not needed to commit.
    const { publishOutboxRow } = await import('../outbox/publishOutboxRow');
    await publishOutboxRow(pool, options.publish.publisher, result.outboxId, options.publish.timeoutMs);
  }
  return result;
}

// One user's accepts in one instance run one at a time: concurrent ones would only contend for the
// user's lock, each holding a pooled connection while it waits, and starve other users. Across
// instances the user's lock in PostgreSQL serializes them (writeSession).
const userQueues = new WeakMap<DatabasePool, Map<string, Promise<void>>>();

async function oneAtATime<T>(pool: DatabasePool, userId: string, maxWaitMs: number, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  let queue = userQueues.get(pool);
  if (!queue) userQueues.set(pool, (queue = new Map()));
  const previous = queue.get(userId);
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  queue.set(userId, mine);
  let timer: NodeJS.Timeout | undefined;
  try {
    if (previous) {
      const gaveUp = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DatabaseUnavailableError(`waited over ${maxWaitMs} ms behind the user's other accepts`)), maxWaitMs);
        if (signal?.aborted) reject(callerGone());
        else signal?.addEventListener('abort', () => reject(callerGone()), { once: true });
      });
      await Promise.race([previous, gaveUp]);
    }
    return await work();
  } finally {
    clearTimeout(timer);
    // The next accept starts once this one and every earlier one are done (one that gave up is not).
    void (previous ?? Promise.resolve()).then(() => {
      done();
      if (queue.get(userId) === mine) queue.delete(userId);
    });
  }
}

/**
 * The write: read what the session touches, compute with the domain, then write everything in one
 * transaction that holds the user's lock and proves the read is still current. Only the dates
 * the session touches are read, so the cost does not grow with the user's history.
 * Statements: read, write (2); under contention read, stale write answering a fresh read under the
 * user's lock, write (3): N concurrent accepts of one user cost at most 3N, never retry rounds.
 */
async function writeSession(pool: DatabasePool, given: AcceptSessionInput, options: AcceptSessionOptions): Promise<AcceptSessionResult> {
  const now = options.now ?? Date.now;
  const stopIfGone = () => {
    if (options.signal?.aborted) throw callerGone();
  };
  try {
    stopIfGone();
    // Only zones PostgreSQL knows too, in their one spelling (read once per process, then a map lookup).
    const spell = await timeZoneSpeller(pool);
    const timeZone = spell(given.session.timeZone);
    if (timeZone === null) throw new UnknownTimeZoneError(given.session.timeZone);
    const input = { ...given, session: { ...given.session, timeZone } };
    const { userId, sessionId, session } = input;
    const dates = affectedDates(session);
    const window = overlapWindow(dates);
    const args = { userId, sessionId, window, dates };
    const answerStored = (read: AcceptRead): AcceptSessionResult => {
      // Rows stored before zones were spelled one way compare by their spelling now.
      const existing = { ...read.existing!, timeZone: spell(read.existing!.timeZone) ?? read.existing!.timeZone };
      if (!sameSessionContent(existing, { userId, ...session })) throw new SessionConflictError(sessionId);
      return { accepted: false, streak: read.streak ?? NEW_USER_STREAK, outboxId: null };
    };

    // The read and the writes share one connection (one acquisition per accept): a stale answer
    // leaves the user's lock with it until the next write.
    return await pool.connect(async (connection) => {
      const first = options.rateLimit ? await readForAccept(connection, args, options.rateLimit) : await readForAccept(connection, args);
      if ('accountDeleted' in first) throw new AccountDeletedError(userId);
      if ('retryAfterSeconds' in first) throw new RateLimitedError(options.rateLimit!.action, first.retryAfterSeconds);
      let read: AcceptRead = first;
      let lockHeld = false;
      try {
        for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
          if (read.existing) return answerStored(read);
          stopIfGone();
          const plan = planWrite(input, read, read.streak ?? NEW_USER_STREAK, options.qualifySeconds, now());
          const written = await writeAcceptLocking(connection, plan.write, { lockHeld, window, dates });
          if (written.status === 'written') {
            lockHeld = false;
            return { accepted: true, streak: plan.streak, outboxId: written.outboxId };
          }
          // fresh is null when the session id was taken meanwhile (no lock taken then): read again.
          if (written.fresh) lockHeld = true;
          const again = written.fresh ?? (await readForAccept(connection, args));
          if ('accountDeleted' in again) throw new AccountDeletedError(userId);
          read = again;
        }
        throw new DatabaseUnavailableError(`too much contention accepting session ${given.sessionId}; retry later`);
      } finally {
        if (lockHeld) await releaseAcceptLock(connection, userId).catch(() => undefined);
      }
    });
  } catch (error) {
    // The database refused the write itself: the account was deleted between the read and the write
    // (for a callable session nothing else raises it; a legacy one may also predate a deletion).
    if (isDeletedUserRefusal(error) && given.source === 'callable') throw new AccountDeletedError(given.userId, { cause: error });
    throw toDatabaseError(error);
  }
}

const callerGone = () => new DatabaseUnavailableError('the caller went away before the session was written; nothing was stored');

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
