import { logger } from 'firebase-functions/logger';

// Catalogue of the outbox's log lines (immediate publish and relay): one name per event, one fixed
// message starting "outbox:", structured fields. The same shape as callables/, projection/ and bridge/.
export const logs = {
  publishingDisabled(reason: string): void {
    logger.warn(`outbox: streak publishing is off: ${reason}; rows stay pending until a relay with Pub/Sub runs`, { reason });
  },
  rowPublished(outboxId: string, userId: string, version: number): void {
    logger.debug('outbox: row published', { outboxId, userId, version });
  },
  rowLeftForRelay(outboxId: string, userId: string, version: number, attempts: number, error: string): void {
    logger.warn('outbox: publish failed, row left for the relay', { outboxId, userId, version, attempts, error });
  },
  publishOutboxRowError(outboxId: string, error: unknown): void {
    logger.error('outbox: could not publish row, left for the relay', { outboxId, error: describeError(error) });
  },
  invalidOutboxPayload(outboxId: string, problems: string[]): void {
    logger.error('outbox: payload is not a StreakEvent, row will not be published', { outboxId, problems });
  },
  relayPublishFailed(userId: string, version: number, attempts: number, error: string): void {
    logger.warn('outbox: relay could not publish, backing off', { userId, version, attempts, error });
  },
  relayPassCompleted(summary: object): void {
    logger.info('outbox: relay pass completed', { ...summary });
  },
  relayPassFailed(error: unknown): void {
    logger.error('outbox: relay pass failed', { error: describeError(error) });
  },
};

export function describeError(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // last_error is for people reading a table, not a log archive.
  return message.length > 500 ? `${message.slice(0, 497)}...` : message;
}
