import { z } from 'zod';
import { newTrace, parseTraceparent, traceFromKey, type TraceContext } from '../observability/trace';
import { runWithTrace } from '../observability/traceContext';
import { logs } from './logs';
import type { IncomingMessage } from '../contract/pubSubMessage';
import { parseStreakMessage } from './parseStreakMessage';
import type { StreakStore } from './streakStore';

/** Deliveries are retried (retry: true); past this age a message is dropped, not retried forever. */
export const MAX_EVENT_AGE_MS = 24 * 60 * 60 * 1000;

/** The parts of the CloudEvent the projector reads. */
export interface StreakMessageEvent {
  /** When Pub/Sub published the message (CloudEvent `time`). */
  time?: string;
  data?: { message?: IncomingMessage & { publishTime?: string } };
}

export interface ProjectorDeps {
  /** Built on first need, so malformed and stale messages never load firebase-admin. */
  store: () => Promise<StreakStore>;
  now?: () => number;
  maxEventAgeMs?: number;
}

export type ProjectionResult =
  | { outcome: 'written'; userId: string; version: number }
  | { outcome: 'unchanged'; userId: string; version: number; storedVersion: number }
  | { outcome: 'malformed' }
  | { outcome: 'stale' };

/**
 * Projects one streak-updated message into streaks/{userId}. Returns (acks) for anything that
 * retrying cannot fix; throws only when the store failed, so Pub/Sub delivers the message again.
 */
export function handleStreakMessage(event: StreakMessageEvent, deps: ProjectorDeps): Promise<ProjectionResult> {
  return runWithTrace(messageTrace(event.data?.message), () => project(event, deps));
}

// Only the attribute the trace needs; the rest of the message is parseStreakMessage's.
const traceAttributes = z.object({ traceparent: z.string().max(512).optional() }).passthrough();

/**
 * The trace the message carries (attribute traceparent, written by the relay from the outbox row), so
 * the write logs under the accept's trace. Without one (an older publisher, a rebuild, a hand-published
 * message) or with a malformed one: a trace of its own, the same for every redelivery of the message.
 */
function messageTrace(message: { messageId?: string; attributes?: unknown } | undefined): TraceContext {
  const attributes = traceAttributes.safeParse(message?.attributes ?? {});
  const carried = attributes.success ? parseTraceparent(attributes.data.traceparent) : null;
  if (carried) return carried;
  return message?.messageId ? traceFromKey(`pubsub:${message.messageId}`) : newTrace();
}

async function project(event: StreakMessageEvent, deps: ProjectorDeps): Promise<ProjectionResult> {
  const message = event.data?.message ?? {};
  const maxAgeMs = deps.maxEventAgeMs ?? MAX_EVENT_AGE_MS;
  const eventTime = event.time ?? message.publishTime;
  const publishedAt = eventTime === undefined ? Number.NaN : Date.parse(eventTime);
  if (eventTime !== undefined && Number.isFinite(publishedAt)) {
    const ageMs = (deps.now ?? Date.now)() - publishedAt;
    if (ageMs > maxAgeMs) {
      logs.staleMessage(message.messageId, eventTime, ageMs, maxAgeMs);
      return { outcome: 'stale' };
    }
  }

  const parsed = parseStreakMessage(message);
  if (!parsed.ok) {
    logs.malformedMessage(message.messageId, parsed.reason, parsed.problems);
    return { outcome: 'malformed' };
  }
  const { userId, version } = parsed.event;
  let result: Awaited<ReturnType<StreakStore['writeIfNewer']>>;
  try {
    const store = await deps.store();
    result = await store.writeIfNewer(parsed.event);
  } catch (error) {
    logs.projectionFailed(userId, version, error);
    throw error;
  }
  if (!result.written) {
    logs.streakAlreadyCurrent(userId, version, result.storedVersion);
    return { outcome: 'unchanged', userId, version, storedVersion: result.storedVersion };
  }
  // The event's updatedAt is the commit's instant (the accept's transaction): the lag is commit to projected.
  const committedAt = parsed.event.updatedAt;
  logs.streakProjected(userId, version, result.previousVersion, { committedAt, lagMs: Math.max(0, (deps.now ?? Date.now)() - Date.parse(committedAt)) });
  return { outcome: 'written', userId, version };
}
