import { readConfig } from '../config';
import type { StreakStore } from './streakStore';
import { handleStreakMessage, type StreakMessageEvent } from './handleStreakMessage';

let store: Promise<StreakStore> | undefined;

/** One Firestore store per instance, built on the first message that needs it. */
function sharedStore(): Promise<StreakStore> {
  store ??= (async () => {
    const { createFirestoreStreakStore } = await import('./FirestoreStreakStore');
    return createFirestoreStreakStore(readConfig());
  })().catch((error: unknown) => {
    store = undefined;
    throw error;
  });
  return store;
}

/**
 * projectStreak: Pub/Sub streak-updated → Firestore streaks/{userId}, with the Firestore store and
 * the real clock. Throws only when the store failed, so the delivery is retried.
 */
export async function handleProjectStreak(event: StreakMessageEvent): Promise<void> {
  await handleStreakMessage(event, { store: sharedStore });
}
