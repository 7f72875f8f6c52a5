import { logger } from 'firebase-functions/logger';

/** What every callable line carries: which function, whose call, and the session when there is one. */
export interface CallContext {
  fn: string;
  uid?: string;
  sessionId?: string;
  friendId?: string;
}

const LOGGED_ISSUES = 10;

// Catalogue of the callables' log lines: one name per event, one fixed message, structured fields.
export const logs = {
  sessionRejected(context: CallContext, issues: unknown[]): void {
    // Bounded: a hostile body with thousands of bad keys logs a count and the first few, never all.
    logger.warn('callable: session rejected, invalid argument', { ...context, issueCount: issues.length, issues: issues.slice(0, LOGGED_ISSUES) });
  },
  sessionDuplicate(context: CallContext): void {
    logger.info('callable: session already stored, answered as a duplicate', context);
  },
  sessionConflict(context: CallContext, code: string): void {
    logger.warn('callable: session rejected, same sessionId with other content', { ...context, code });
  },
  uidRefused(f: { fn: string; uidLength: number }): void {
    // Never the uid itself: it is what cannot be trusted to be a plain id.
    logger.warn('callable: call refused, the uid cannot address one document', f);
  },
  accountDeleted(context: CallContext): void {
    logger.warn('callable: call refused, the Firebase Auth account was deleted', context);
  },
  appCheckMissing(context: CallContext): void {
    logger.warn('callable: request rejected, no valid App Check token', context);
  },
  databaseUnavailable(context: CallContext, error: string): void {
    logger.error('callable: database unavailable, answered unavailable', { ...context, error });
  },
  unexpectedError(context: CallContext, error: string, stack: string | undefined): void {
    logger.error('callable: unexpected error, answered internal', { ...context, error, stack });
  },
  requestRejected(context: CallContext, issues: unknown[]): void {
    logger.warn('callable: request rejected, invalid argument', { ...context, issueCount: issues.length, issues: issues.slice(0, 10) });
  },
  friendUnknown(context: CallContext, friendId: string): void {
    logger.info('callable: friend request refused, no such user', { ...context, friendId });
  },
  friendSelf(context: CallContext): void {
    logger.info('callable: friend request refused, the caller named themselves', context);
  },
  friendCapReached(context: CallContext, friendId: string, cap: string, limit: number): void {
    logger.info('callable: friend request refused, cap reached', { ...context, friendId, cap, limit });
  },
  friendAdded(context: CallContext, friendId: string, status: string): void {
    logger.info('callable: friend added', { ...context, friendId, status });
  },
  friendRemoved(context: CallContext, friendId: string, removed: string): void {
    logger.info('callable: friend removed', { ...context, friendId, removed });
  },
  rateLimited(context: CallContext, retryAfterSeconds: number): void {
    logger.warn('callable: call refused, per-user rate limit reached', { ...context, retryAfterSeconds });
  },
  firestoreUnavailable(context: CallContext, error: string): void {
    logger.error('callable: Firestore unavailable, answered unavailable', { ...context, error });
  },
  userLookupUnavailable(context: CallContext, error: string): void {
    logger.error('callable: Firebase Auth lookup unavailable, answered unavailable', { ...context, error });
  },
};
