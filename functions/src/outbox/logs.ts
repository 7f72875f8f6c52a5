import * as logger from 'firebase-functions/logger';

// Catalogue of the outbox's log lines: one name per event, structured fields, easy to grep.
export const logs = {
  publishingDisabled(reason: string): void {
    logger.warn(`streak publishing is off: ${reason}; outbox rows stay pending until a relay with Pub/Sub runs`, { reason });
  },
  rowPublished(outboxId: string, userId: string, version: number): void {
    logger.debug('streak outbox row published', { outboxId, userId, version });
  },
  rowLeftForRelay(outboxId: string, userId: string, version: number, attempts: number, error: string): void {
    logger.warn('streak publish failed; row left for the relay', { outboxId, userId, version, attempts, error });
  },
  publishOutboxRowError(outboxId: string, error: unknown): void {
    logger.error('could not publish streak outbox row; left for the relay', { outboxId, error: describeError(error) });
  },
  invalidOutboxPayload(outboxId: string, problems: string[]): void {
    logger.error('streak outbox row has a payload that is not a StreakEvent; it will not be published', { outboxId, problems });
  },
  relayPublishFailed(userId: string, version: number, attempts: number, error: string): void {
    logger.warn('relay could not publish a streak event; backing off', { userId, version, attempts, error });
  },
  relayPassCompleted(summary: object): void {
    logger.info('streak outbox relay pass completed', summary);
  },
  relayPassFailed(error: unknown): void {
    logger.error('streak outbox relay pass failed', { error: describeError(error) });
  },
};

export function describeError(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // last_error is for people reading a table, not a log archive.
  return message.length > 500 ? `${message.slice(0, 497)}...` : message;
}
