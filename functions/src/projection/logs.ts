import { logger } from 'firebase-functions/logger';

// Catalogue of the projector's log lines: one name per event, one fixed message starting
// "projection:", structured fields. The same shape as callables/, outbox/ and bridge/.
export const logs = {
  malformedMessage(messageId: string | undefined, reason: string, problems: string[]): void {
    logger.error('projection: malformed streak-updated message dropped', { messageId, reason, problems });
  },
  staleMessage(messageId: string | undefined, eventTime: string, ageMs: number, maxAgeMs: number): void {
    logger.warn('projection: message older than the maximum event age dropped', { messageId, eventTime, ageMs, maxAgeMs });
  },
  streakProjected(userId: string, version: number, previousVersion: number | null): void {
    logger.debug('projection: streak written', { userId, version, previousVersion });
  },
  streakAlreadyCurrent(userId: string, version: number, storedVersion: number): void {
    logger.debug('projection: stored streak already as new, delivery ignored', { userId, version, storedVersion });
  },
};
