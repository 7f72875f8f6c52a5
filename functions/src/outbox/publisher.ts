import type { StreakEvent } from '../contract/streakEvent';

/** What travels with an event besides its data. */
export interface PublishContext {
  /** The W3C traceparent of the change (message attribute `traceparent`), when it has one. */
  traceparent?: string;
}

/** Publishes streak-updated events; resolves only once the broker acknowledged the message. */
export interface StreakPublisher {
  publish(event: StreakEvent, context?: PublishContext): Promise<void>;
  /**
   * False when publishing is switched off here (no Pub/Sub emulator, no credentials: a client would probe the metadata server).
   * Callers then leave rows in the outbox untouched instead of counting failed attempts.
   * Absent means enabled.
   */
  readonly enabled?: boolean;
}

/** Whether calling `publish` can succeed at all; a disabled publisher always rejects. */
export function isPublishingEnabled(publisher: StreakPublisher): boolean {
  return publisher.enabled !== false;
}
