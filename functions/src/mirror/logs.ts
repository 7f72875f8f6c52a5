import { logger } from 'firebase-functions/logger';
import { traced } from '../observability/traceContext';

// Catalogue of the reverse mirror's log lines: one name per event, one fixed message starting "mirror:",
// structured fields. Counts and ids, never session data.
export const logs = {
  passCompleted(f: { claimed: number; written: number; failed: number; compensated: number; durationMs: number }): void {
    logger.info('mirror: legacy sessions written', traced(f));
  },
  writeFailed(f: { sessions: number; attempts: number; retryInMs: number; error: string }): void {
    logger.warn('mirror: writing legacy sessions failed, they are retried', traced(f));
  },
  compensated(f: { sessions: number }): void {
    logger.info('mirror: mirrors of sessions deleted meanwhile removed again', traced(f));
  },
  passSkipped(f: { reason: string }): void {
    logger.warn('mirror: legacy sessions wait, Firestore is not configured here', traced(f));
  },
};
