import { logger } from 'firebase-functions/logger';

/** What every callable line carries: which function, whose call, and the session when there is one. */
export interface CallContext {
  fn: string;
  uid?: string;
  sessionId?: string;
}

// Catalogue of the callables' log lines: one name per event, one fixed message, structured fields.
export const logs = {
  sessionRejected(context: CallContext, issues: unknown[]): void {
    logger.warn('callable: session rejected, invalid argument', { ...context, issues });
  },
  sessionDuplicate(context: CallContext): void {
    logger.info('callable: session already stored, answered as a duplicate', context);
  },
  sessionConflict(context: CallContext, code: string): void {
    logger.warn('callable: session rejected, same sessionId with other content', { ...context, code });
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
};
