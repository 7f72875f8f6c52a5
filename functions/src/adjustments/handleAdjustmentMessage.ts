import { isTransient } from '../bridge/isTransient';
import { applyAdjustment, type AdjustmentOutcome } from '../db/streakAdjustments';
import { newTrace, traceFromKey } from '../observability/trace';
import { runWithTrace } from '../observability/traceContext';
import type { IncomingMessage } from '../contract/pubSubMessage';
import { getRuntime, type Runtime } from '../runtime';
import { logs, type AdjustmentFields } from './logs';
import { parseAdjustmentMessage, type AdjustmentMessageRefusal } from './parseAdjustmentMessage';

// Who may adjust a streak: whoever may publish to the topic. IAM on the topic is the gate (only the
// purchase backend's service account holds roles/pubsub.publisher on it); no client can reach this
// handler, and nothing in a message is trusted to say who sent it. The actor recorded with each
// adjustment is the message (topic:<message id>), by which the sender finds what it asked for.

/** The parts of the CloudEvent the handler reads. */
export interface AdjustmentMessageEvent {
  /** When Pub/Sub published the message (CloudEvent `time`). */
  time?: string;
  data?: { message?: IncomingMessage & { publishTime?: string } };
}

export interface AdjustmentDependencies {
  /** Asked for only once the message is valid, so a malformed one never opens a connection. */
  runtime(): Promise<Runtime>;
}

/**
 * Deliveries are retried while the database is unavailable (retry: true); past this age a failing
 * message is dropped with an error naming it, instead of being retried until Pub/Sub discards it.
 * A message that works is applied whatever its age: a late purchase is still a purchase.
 */
export const MAX_RETRY_AGE_MS = 24 * 60 * 60 * 1000;

export type AdjustmentStatus = AdjustmentOutcome['status'];

export type AdjustmentMessageResult =
  | { outcome: 'applied' | 'unchanged' | 'refused'; status: AdjustmentStatus; adjustmentId: string; userId: string | null }
  | { outcome: 'malformed'; reason: AdjustmentMessageRefusal }
  | { outcome: 'dropped' };

/**
 * What each status means for the message; every one is acknowledged, as a redelivery answers the same.
 * A refusal is the sender's to look at, so its warning says why.
 */
const STATUS_OUTCOMES: Record<AdjustmentStatus, { outcome: 'applied' } | { outcome: 'unchanged' } | { outcome: 'refused'; reason: string }> = {
  applied: { outcome: 'applied' },
  duplicate: { outcome: 'unchanged' },
  already_repaired: { outcome: 'unchanged' },
  already_revoked: { outcome: 'unchanged' },
  // The topic carries no day-start changes; a day start already in effect would change nothing either.
  already_set: { outcome: 'unchanged' },
  conflict: { outcome: 'refused', reason: 'this adjustmentId is already recorded with other content; a different adjustment needs a new id' },
  unknown_target: { outcome: 'refused', reason: "the adjustment to revoke is not one of this user's" },
  not_revocable: { outcome: 'refused', reason: 'a revoke cannot itself be revoked' },
  account_deleted: { outcome: 'refused', reason: 'the user deleted their account' },
};

/**
 * Applies one streak-adjustments message: records the adjustment once per adjustmentId and rebuilds
 * the user's streak (apply_streak_adjustment), which queues its projection for the outbox relay.
 * Returns (acks) for whatever a redelivery cannot change: applied, already in effect, refused,
 * malformed. Throws only while the database is unavailable (or the deployment misconfigured), so
 * Pub/Sub delivers the message again.
 */
export function handleAdjustmentMessage(event: AdjustmentMessageEvent, deps: AdjustmentDependencies = defaultDependencies): Promise<AdjustmentMessageResult> {
  // A trace of the message's own, the same for each of its redeliveries.
  const messageId = event.data?.message?.messageId;
  const trace = typeof messageId === 'string' && messageId ? traceFromKey(`pubsub:${messageId}`) : newTrace();
  return runWithTrace(trace, () => handle(event, deps));
}

async function handle(event: AdjustmentMessageEvent, deps: AdjustmentDependencies): Promise<AdjustmentMessageResult> {
  const message = event.data?.message ?? {};
  const parsed = parseAdjustmentMessage(message);
  if (!parsed.ok) {
    // The id as sent, cut short: a hostile envelope may carry a megabyte there.
    logs.malformedMessage(typeof message.messageId === 'string' ? message.messageId.slice(0, 128) : undefined, parsed.reason, parsed.problems);
    return { outcome: 'malformed', reason: parsed.reason };
  }
  const { adjustment, messageId } = parsed;
  const fields: AdjustmentFields = { messageId, adjustmentId: adjustment.id, userId: adjustment.userId ?? null, kind: adjustment.kind };

  let nowMs = Date.now();
  let result: AdjustmentOutcome;
  try {
    const runtime = await deps.runtime();
    nowMs = runtime.now();
    result = await applyAdjustment(runtime.db.pool, adjustment, { qualifySeconds: runtime.config.qualifySeconds, freezeCap: runtime.config.freezeCap });
  } catch (error) {
    const eventTime = event.time ?? message.publishTime;
    const ageMs = eventTime ? nowMs - Date.parse(eventTime) : 0;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (isTransient(error) && !(ageMs > MAX_RETRY_AGE_MS)) {
      logs.retrying({ ...fields, error: text });
      throw error;
    }
    // A bug, or a database down for a day: retrying forever helps nobody; the log names the message.
    logs.dropped({ ...fields, error: text, ageMs });
    return { outcome: 'dropped' };
  }

  const { status } = result;
  // The database's answer names the user (a revoke's is its target's).
  const userId = result.userId ?? fields.userId;
  const answer = { status, adjustmentId: adjustment.id, userId };
  const meaning = STATUS_OUTCOMES[status];
  if (meaning.outcome === 'refused') {
    logs.refused({ ...fields, userId, status, reason: meaning.reason });
  } else if (meaning.outcome === 'unchanged') {
    logs.alreadyInEffect({ ...fields, userId, status, ...(result.existingId ? { existingId: result.existingId } : {}) });
  } else {
    logs.applied({
      ...fields,
      userId,
      previousVersion: result.before?.version ?? null,
      version: result.after?.version ?? null,
      currentStreak: result.after?.currentStreak ?? null,
      freezesAvailable: result.after?.freezesAvailable ?? null,
    });
  }
  return { outcome: meaning.outcome, ...answer };
}

const defaultDependencies: AdjustmentDependencies = { runtime: getRuntime };
