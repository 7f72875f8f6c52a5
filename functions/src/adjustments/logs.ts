import { logger } from 'firebase-functions/logger';
import type { AdjustmentKind } from '../db/streakAdjustments';
import { traced } from '../observability/traceContext';

const fn = 'applyStreakAdjustment';

/** What every line about one adjustment says: which message asked for what, for whom. */
export interface AdjustmentFields {
  messageId: string;
  adjustmentId: string;
  userId: string | null;
  kind: AdjustmentKind;
}

// Catalogue of the adjustments topic's log lines: one name per event, one fixed message starting
// "adjustments:", structured fields. The same shape as projection/, bridge/ and callables/.
export const logs = {
  malformedMessage(messageId: string | undefined, reason: string, problems: string[]): void {
    // The sender's bug: the purchase it stands for is not applied until it publishes a valid message.
    logger.error('adjustments: malformed streak-adjustments message dropped', traced({ fn, messageId, reason, problems }));
  },
  applied(f: AdjustmentFields & { previousVersion: number | null; version: number | null; currentStreak: number | null; freezesAvailable: number | null }): void {
    logger.info('adjustments: adjustment applied', traced({ fn, ...f }));
  },
  alreadyInEffect(f: AdjustmentFields & { status: string; existingId?: string }): void {
    logger.info('adjustments: adjustment already in effect, nothing changed', traced({ fn, ...f }));
  },
  refused(f: AdjustmentFields & { status: string; reason: string }): void {
    logger.warn('adjustments: adjustment refused, message acknowledged', traced({ fn, ...f }));
  },
  retrying(f: AdjustmentFields & { error: string }): void {
    logger.warn('adjustments: database unavailable, the message will be delivered again', traced({ fn, ...f }));
  },
  dropped(f: AdjustmentFields & { error: string; ageMs: number }): void {
    // Re-publishing the same message is safe: an adjustment is applied once per adjustmentId.
    logger.error('adjustments: message dropped; publish it again (same adjustmentId) once the cause is fixed', traced({ fn, ...f }));
  },
};
