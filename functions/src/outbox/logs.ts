import { logger } from 'firebase-functions/logger';
import { traced } from '../observability/traceContext';

// Catalogue of the outbox's log lines (immediate publish and relay): one name per event, one fixed
// message starting "outbox:", structured fields. The same shape as callables/, projection/ and bridge/.
export const logs = {
  publishingDisabled(reason: string): void {
    logger.warn(`outbox: streak publishing is off: ${reason}; rows stay pending until a relay with Pub/Sub runs`, traced({ reason }));
  },
  rowPublished(outboxId: string, userId: string, version: number, by: 'accept' | 'relay'): void {
    // Under the row's trace: the step between the accept's commit and the projector's write.
    logger.info('outbox: row published', traced({ outboxId, userId, version, by }));
  },
  rowLeftForRelay(outboxId: string, userId: string, version: number, attempts: number, error: string): void {
    logger.warn('outbox: publish failed, row left for the relay', traced({ outboxId, userId, version, attempts, error }));
  },
  publishOutboxRowError(outboxId: string, error: unknown): void {
    logger.error('outbox: could not publish row, left for the relay', traced({ outboxId, error: describeError(error) }));
  },
  invalidOutboxPayload(outboxId: string, problems: string[]): void {
    logger.error('outbox: payload is not a StreakEvent, row will not be published', traced({ outboxId, problems }));
  },
  relayPublishFailed(userId: string, version: number, attempts: number, error: string): void {
    logger.warn('outbox: relay could not publish, backing off', traced({ userId, version, attempts, error }));
  },
  backlogMeasured(f: { pending: number; oldestPendingSeconds: number }): void {
    // Every relay pass, rows or not: the oldest pending row's age is what the outbox alert watches.
    logger.info('outbox: backlog measured', traced(f));
  },
  relayPassCompleted(summary: object): void {
    logger.info('outbox: relay pass completed', traced({ ...summary }));
  },
  relayPassFailed(error: unknown): void {
    logger.error('outbox: relay pass failed', traced({ error: describeError(error) }));
  },
};

export function describeError(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // last_error is for people reading a table, not a log archive.
  return message.length > 500 ? `${message.slice(0, 497)}...` : message;
}
