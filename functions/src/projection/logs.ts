import { logger } from 'firebase-functions/logger';
import { traced } from '../observability/traceContext';

// Catalogue of the projector's log lines: one name per event, one fixed message starting
// "projection:", structured fields. The same shape as callables/, outbox/ and bridge/.
export const logs = {
  malformedMessage(messageId: string | undefined, reason: string, problems: string[]): void {
    logger.error('projection: malformed streak-updated message dropped', traced({ messageId, reason, problems }));
  },
  staleMessage(messageId: string | undefined, eventTime: string, ageMs: number, maxAgeMs: number): void {
    logger.warn('projection: message older than the maximum event age dropped', traced({ messageId, reason: 'stale', eventTime, ageMs, maxAgeMs }));
  },
  streakProjected(userId: string, version: number, previousVersion: number | null, f: { committedAt: string; lagMs: number }): void {
    // lagMs, commit to projected, is the projection-lag metric's value.
    logger.info('projection: streak written', traced({ userId, version, previousVersion, ...f }));
  },
  projectionFailed(userId: string, version: number, error: unknown): void {
    logger.error('projection: writing the streak failed, the delivery is retried', traced({ userId, version, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
  },
  streakAlreadyCurrent(userId: string, version: number, storedVersion: number): void {
    logger.debug('projection: stored streak already as new, delivery ignored', traced({ userId, version, storedVersion }));
  },
};
