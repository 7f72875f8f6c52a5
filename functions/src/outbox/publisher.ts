import type { StreakEvent } from '../contract/streakEvent';

/** Publishes streak-updated events; resolves only once the broker acknowledged the message. */
export interface StreakPublisher {
  publish(event: StreakEvent): Promise<void>;
}
