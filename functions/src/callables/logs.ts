import { logger } from 'firebase-functions/logger';
import { traced } from '../observability/traceContext';

/** What every callable line carries: which function, whose call, and the session when there is one. */
export interface CallContext {
  fn: string;
  uid?: string;
  sessionId?: string;
  friendId?: string;
}

const LOGGED_ISSUES = 10;

// Catalogue of the callables' log lines: one name per event, one fixed message, structured fields.
// A refusal's `reason` uses the bridge's reject reasons (conflict, rate_limited, deleted_user, …), so one
// log-based metric (.monitoring/) counts both sources' refusals by reason.
export const logs = {
  sessionRejected(context: CallContext, issues: unknown[]): void {
    // Bounded: a hostile body with thousands of bad keys logs a count and the first few, never all.
    logger.warn('callable: session rejected, invalid argument', traced({ ...context, reason: 'invalid_argument', issueCount: issues.length, issues: issues.slice(0, LOGGED_ISSUES) }));
  },
  sessionAccepted(context: CallContext, f: { version: number; outboxId: string | null; committedAt: string | null }): void {
    // committedAt: the streak's updatedAt, the instant the projector's lagMs counts from.
    logger.info('callable: session accepted', traced({ ...context, ...f }));
  },
  sessionDuplicate(context: CallContext): void {
    logger.info('callable: session already stored, answered as a duplicate', traced(context));
  },
  sessionConflict(context: CallContext, code: string): void {
    logger.warn('callable: session rejected, same sessionId with other content', traced({ ...context, reason: 'conflict', code }));
  },
  uidRefused(f: { fn: string; uidLength: number }): void {
    // Never the uid itself: it is what cannot be trusted to be a plain id.
    logger.warn('callable: call refused, the uid cannot address one document', traced(f));
  },
  accountDeleted(context: CallContext): void {
    logger.warn('callable: call refused, the Firebase Auth account was deleted', traced({ ...context, reason: 'deleted_user' }));
  },
  appCheckMissing(context: CallContext): void {
    logger.warn('callable: request rejected, no valid App Check token', traced(context));
  },
  databaseUnavailable(context: CallContext, error: string): void {
    logger.error('callable: database unavailable, answered unavailable', traced({ ...context, error }));
  },
  unexpectedError(context: CallContext, error: string, stack: string | undefined): void {
    logger.error('callable: unexpected error, answered internal', traced({ ...context, error, stack }));
  },
  requestRejected(context: CallContext, issues: unknown[]): void {
    logger.warn('callable: request rejected, invalid argument', traced({ ...context, issueCount: issues.length, issues: issues.slice(0, 10) }));
  },
  friendUnknown(context: CallContext, friendId: string): void {
    logger.info('callable: friend request refused, no such user', traced({ ...context, friendId }));
  },
  friendSelf(context: CallContext): void {
    logger.info('callable: friend request refused, the caller named themselves', traced(context));
  },
  friendCapReached(context: CallContext, friendId: string, cap: string, limit: number): void {
    logger.info('callable: friend request refused, cap reached', traced({ ...context, friendId, cap, limit }));
  },
  friendAdded(context: CallContext, friendId: string, status: string): void {
    logger.info('callable: friend added', traced({ ...context, friendId, status }));
  },
  friendRemoved(context: CallContext, friendId: string, removed: string): void {
    logger.info('callable: friend removed', traced({ ...context, friendId, removed }));
  },
  dayStartSet(context: CallContext, f: { minutes: number; effectiveFrom: string; status: 'applied' | 'already_set'; adjustmentId: string; version: number | null }): void {
    // already_set recorded nothing: adjustmentId is then the id this call would have used.
    logger.info('callable: day start set', traced({ ...context, ...f }));
  },
  rateLimited(context: CallContext, retryAfterSeconds: number): void {
    logger.warn('callable: call refused, per-user rate limit reached', traced({ ...context, reason: 'rate_limited', retryAfterSeconds }));
  },
  firestoreUnavailable(context: CallContext, error: string): void {
    logger.error('callable: Firestore unavailable, answered unavailable', traced({ ...context, error }));
  },
  userLookupUnavailable(context: CallContext, error: string): void {
    logger.error('callable: Firebase Auth lookup unavailable, answered unavailable', traced({ ...context, error }));
  },
};
