import type { DatabasePool } from 'slonik';
import { acceptInSql, type RateLimit } from '../db/acceptStatement';
import { AccountDeletedError, isDeletedUserRefusal } from '../db/AccountDeletedError';
import { DatabaseUnavailableError, toDatabaseError } from '../db/errors';
import { RateLimitedError } from '../db/RateLimitedError';
import { timeZoneSpeller } from '../db/timeZones';
import type { StoredStreak } from '../db/userStreaks';
import type { SessionTimes } from '../domain';
import { currentTraceparent } from '../observability/traceContext';
import type { StreakPublisher } from '../outbox/publisher';
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
  /** Most freezes held at once (FREEZE_CAP). */
  freezeCap?: number;
  /**
   * Publish the new streak right after the commit, waiting at most timeoutMs. Without it the row
   * waits for the scheduled relay (benchmarks, tests of the relay).
   */
  publish?: { publisher: StreakPublisher; timeoutMs: number };
  /**
   * The caller's rate limit (callables): the statement takes a token first, so a duplicate or a conflict
   * costs one too. Refused: RateLimitedError, nothing read or written.
   */
  rateLimit?: RateLimit;
  /**
   * Longest wait, in ms, behind this instance's earlier accepts of the same user (they run one at a
   * time per pool); past it DatabaseUnavailableError. Default 3000 (DB_ACQUIRE_TIMEOUT_MS's default).
   */
  maxQueueWaitMs?: number;
  /** Aborted when the caller is gone: the accept stops before its next statement, having written nothing. */
  signal?: AbortSignal;
  /** Queue the session for the legacy Firestore mirror in the same transaction (callables with MIRROR_TO_LEGACY). */
  mirror?: boolean;
}

export interface AcceptSessionResult {
  /** False when the same session was already stored (an idempotent retry). */
  accepted: boolean;
  streak: StoredStreak;
  /** The outbox row written when the streak changed (already published when `publish` was given and Pub/Sub answered). */
  outboxId: string | null;
}

/**
 * Accepts one session, whoever sends it (callable, bridge). After the commit it tries to publish
 * the outbox row at once (bounded wait, never throws); whatever is not published waits for the relay.
 * A uid whose Firebase Auth account was deleted is refused (AccountDeletedError), nothing written.
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
// instances the user's row lock in PostgreSQL serializes them (accept_session).
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
 * The write, in one statement: accept_session stores the session or classifies it (duplicate,
 * conflict), splits it at its zone's local midnights by PostgreSQL's zone rules, and writes the
 * credits, runs, streak and outbox row under the user's lock; the rate-limit token is taken first.
 */
async function writeSession(pool: DatabasePool, given: AcceptSessionInput, options: AcceptSessionOptions): Promise<AcceptSessionResult> {
  try {
    if (options.signal?.aborted) throw callerGone();
    // Only zones PostgreSQL knows too, in their one spelling (read once per process, then a map lookup).
    const spell = await timeZoneSpeller(pool);
    const timeZone = spell(given.session.timeZone);
    if (timeZone === null) throw new UnknownTimeZoneError(given.session.timeZone);
    if (options.signal?.aborted) throw callerGone();
    const answer = await acceptInSql(pool, {
      userId: given.userId,
      sessionId: given.sessionId,
      session: { ...given.session, timeZone },
      source: given.source,
      qualifySeconds: options.qualifySeconds,
      freezeCap: options.freezeCap,
      rateLimit: options.rateLimit,
      mirror: options.mirror,
      // The outbox row carries the trace of the work under way (the callable's request, the bridge's event).
      trace: currentTraceparent(),
    });
    switch (answer.status) {
      case 'account_deleted':
        throw new AccountDeletedError(given.userId);
      case 'rate_limited':
        throw new RateLimitedError(options.rateLimit!.action, answer.retryAfterSeconds);
      case 'conflict':
        throw new SessionConflictError(given.sessionId);
      case 'duplicate':
        return { accepted: false, streak: answer.streak, outboxId: null };
      case 'accepted':
        return { accepted: true, streak: answer.streak, outboxId: answer.outboxId };
    }
  } catch (error) {
    // The database refused the write itself: the account was deleted between the read and the write
    // (for a callable session nothing else raises it; a legacy one may also predate a deletion).
    if (isDeletedUserRefusal(error) && given.source === 'callable') throw new AccountDeletedError(given.userId, { cause: error });
    throw toDatabaseError(error);
  }
}

const callerGone = () => new DatabaseUnavailableError('the caller went away before the session was written; nothing was stored');
