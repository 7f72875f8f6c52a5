import { streakAdjustmentMessageSchema, type StreakAdjustmentMessage } from '../contract/streakAdjustmentMessage';
import type { Adjustment } from '../db/streakAdjustments';
import { decodeMessageData, type IncomingMessage } from '../contract/pubSubMessage';

export type AdjustmentMessageRefusal = 'not-json' | 'invalid-adjustment' | 'no-message-id';

export type ParsedAdjustmentMessage = { ok: true; adjustment: Adjustment; messageId: string } | { ok: false; reason: AdjustmentMessageRefusal; problems: string[] };

// Pub/Sub message ids are short decimal strings; the actor column holds at most 200 characters.
const MESSAGE_ID = /^[\x21-\x7e]{1,100}$/;

/**
 * Decodes and validates a streak-adjustments message into the adjustment to record, its actor
 * `topic:<message id>` (who asked, kept with the row). Never throws, so a bad message cannot loop in retries.
 */
export function parseAdjustmentMessage(message: IncomingMessage): ParsedAdjustmentMessage {
  const parsed = decodeMessageData(message, streakAdjustmentMessageSchema);
  if (!parsed.ok) return { ok: false, reason: parsed.stage === 'json' ? 'not-json' : 'invalid-adjustment', problems: parsed.problems };
  const messageId: unknown = message.messageId;
  if (typeof messageId !== 'string' || !MESSAGE_ID.test(messageId)) {
    return { ok: false, reason: 'no-message-id', problems: ['messageId: must be the Pub/Sub message id (1–100 printable ASCII characters)'] };
  }
  return { ok: true, adjustment: toAdjustment(parsed.data, `topic:${messageId}`), messageId };
}

function toAdjustment(m: StreakAdjustmentMessage, actor: string): Adjustment {
  const { adjustmentId: id, userId, reason } = m;
  switch (m.kind) {
    case 'grant-freezes':
      return { id, kind: m.kind, userId, count: m.count, effectiveFrom: m.effectiveFrom, reason, actor };
    case 'repair':
      return { id, kind: m.kind, userId, date: m.date, reason, actor };
    case 'revoke':
      return { id, kind: m.kind, userId, revokes: m.revokes, reason, actor };
  }
}
