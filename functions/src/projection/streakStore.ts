import type { StreakEvent } from '../contract/streakEvent';

export type StoreOutcome =
  | { written: true; previousVersion: number | null }
  /** The stored document is as new or newer: duplicates and late deliveries change nothing. */
  | { written: false; storedVersion: number };

/** Where the projection lives: streaks/{userId}. Implementations must compare and write atomically. */
export interface StreakStore {
  /** Writes the event's document only if the stored version is lower (or there is none). */
  writeIfNewer(event: StreakEvent): Promise<StoreOutcome>;
}

/** The version of a stored document; legacy documents written before the bridge have none and lose to any event. */
export function storedVersionOf(data: { version?: unknown } | undefined): number | null {
  if (data === undefined) return null;
  return typeof data.version === 'number' && Number.isFinite(data.version) ? data.version : 0;
}
