import type { StreakEvent } from '../contract/streakEvent';

/** Publishes streak-updated events; resolves only once the broker acknowledged the message. */
export interface StreakPublisher {
  publish(event: StreakEvent): Promise<void>;
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
