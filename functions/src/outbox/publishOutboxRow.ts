import type { DatabasePool } from 'slonik';
import { backoffDelayMs, defaultBackoff, type BackoffOptions } from './backoff';
import { logs } from './logs';
import { claimRow, isRowSettled, settleRows } from '../db/streakOutbox';
import { isPublishingEnabled, type StreakPublisher } from './publisher';
import { publishPayload } from './publishPayload';

export type PublishOutcome = 'published' | 'left-for-relay';

export interface PublishOutboxRowOptions {
  backoff?: BackoffOptions;
  /** How long the row is reserved for this call; must outlast the wait. */
  leaseMs?: number;
}

/**
 * Publishes one outbox row right after its transaction committed (the write path's last step), waiting at
 * most `timeoutMs` for the acknowledgement. Never throws: whatever goes wrong, the row stays
 * for the scheduled relay, with the attempt and its error recorded when Pub/Sub was tried.
 * 'published' also covers a row already settled, or superseded by a newer published version.
 */
export async function publishOutboxRow(
  pool: DatabasePool,
  publisher: StreakPublisher,
  outboxId: string,
  timeoutMs: number,
  options: PublishOutboxRowOptions = {},
): Promise<PublishOutcome> {
  // No database round trip at all when publishing is off: the relay owns these rows.
  if (!isPublishingEnabled(publisher)) return 'left-for-relay';
  try {
    const row = await claimRow(pool, outboxId, options.leaseMs ?? Math.max(30_000, timeoutMs * 4));
    if (!row) return (await isRowSettled(pool, outboxId)) ? 'published' : 'left-for-relay';
    if (row.superseded) return 'published';

    const backoff = options.backoff ?? defaultBackoff;
    const failed = async (error: string): Promise<PublishOutcome> => {
      const attempts = row.attempts + 1;
      await settleRows(pool, [{ id: row.id, outcome: 'failed', error, retryInMs: backoffDelayMs(attempts, backoff) }]);
      logs.rowLeftForRelay(row.id, row.userId, row.version, attempts, error);
      return 'left-for-relay';
    };

    const error = await publishPayload(publisher, row.id, row.payload, timeoutMs, row.trace);
    if (error !== null) return failed(error);
    await settleRows(pool, [{ id: row.id, outcome: 'published' }]);
    logs.rowPublished(row.id, row.userId, row.version, 'accept');
    return 'published';
  } catch (error) {
    // The session is committed; a database hiccup here must not fail the caller's request.
    logs.publishOutboxRowError(outboxId, error);
    return 'left-for-relay';
  }
}
