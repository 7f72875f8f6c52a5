import * as logger from 'firebase-functions/logger';

// Catalogue of the projector's log lines: one name per event, structured fields, easy to grep.
export const logs = {
  malformedMessage(messageId: string | undefined, reason: string, problems: string[]): void {
    logger.error('dropped a malformed streak-updated message', { messageId, reason, problems });
  },
  staleMessage(messageId: string | undefined, eventTime: string, ageMs: number, maxAgeMs: number): void {
    logger.warn('dropped a streak-updated message older than the maximum event age', { messageId, eventTime, ageMs, maxAgeMs });
  },
  streakProjected(userId: string, version: number, previousVersion: number | null): void {
    logger.debug('projected streak', { userId, version, previousVersion });
  },
  streakAlreadyCurrent(userId: string, version: number, storedVersion: number): void {
    logger.debug('streak projection already as new; delivery ignored', { userId, version, storedVersion });
  },
};
