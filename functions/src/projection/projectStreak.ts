import { onMessagePublished } from 'firebase-functions/pubsub';
import { params, readConfig } from '../config';
import type { StreakStore } from './streakStore';
import { handleStreakMessage, type ProjectionResult, type StreakMessageEvent } from './handleStreakMessage';

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

/** The deployed projector's handler: the Firestore store and the real clock. */
export function handleProjectStreak(event: StreakMessageEvent): Promise<ProjectionResult> {
  return handleStreakMessage(event, { store: sharedStore });
}

/** Pub/Sub streak-updated → Firestore streaks/{userId} (DESIGN §6). Retried until written or too old. */
export const projectStreak = onMessagePublished(
  { topic: params.streakTopic, region: params.region, retry: true, timeoutSeconds: 60 },
  async (event) => {
    await handleProjectStreak(event);
  },
);
