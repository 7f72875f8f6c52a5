import { logs } from './logs';
import { parseStreakMessage, type IncomingMessage } from './parseStreakMessage';
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
export async function handleStreakMessage(event: StreakMessageEvent, deps: ProjectorDeps): Promise<ProjectionResult> {
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
  const store = await deps.store();
  const result = await store.writeIfNewer(parsed.event);
  if (!result.written) {
    logs.streakAlreadyCurrent(userId, version, result.storedVersion);
    return { outcome: 'unchanged', userId, version, storedVersion: result.storedVersion };
  }
  logs.streakProjected(userId, version, result.previousVersion);
  return { outcome: 'written', userId, version };
}
