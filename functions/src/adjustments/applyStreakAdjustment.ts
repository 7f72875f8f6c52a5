import { handleAdjustmentMessage, type AdjustmentMessageEvent } from './handleAdjustmentMessage';

/**
 * applyStreakAdjustment: Pub/Sub streak-adjustments (ADJUSTMENTS_TOPIC) → streak_adjustments and the
 * user's rebuilt streak in PostgreSQL, with the instance's runtime. Only the purchase backend may
 * publish to the topic (IAM); no client reaches this. Throws only while the database is unavailable,
 * so the delivery is retried.
 */
export async function handleApplyStreakAdjustment(event: AdjustmentMessageEvent): Promise<void> {
  await handleAdjustmentMessage(event);
}
