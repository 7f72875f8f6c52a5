import type { Firestore, Timestamp } from 'firebase-admin/firestore';
import type { Config } from '../config';
import type { StreakEvent } from '../contract/streakEvent';
import { toStreakDocument, type StreakDocument } from './streakDocument';
import { storedVersionOf, type StoreOutcome, type StreakStore } from './streakStore';

export const STREAKS_COLLECTION = 'streaks';

/**
 * streaks/{userId} in Firestore via firebase-admin. The version check and the write share one
 * transaction, so two deliveries racing on different instances cannot go backwards.
 */
export class FirestoreStreakStore implements StreakStore {
  constructor(
    private readonly firestore: Firestore,
    private readonly timestamp: (date: Date) => Timestamp,
  ) {}

  async writeIfNewer(event: StreakEvent): Promise<StoreOutcome> {
    const ref = this.firestore.collection(STREAKS_COLLECTION).doc(event.userId);
    return this.firestore.runTransaction(async (tx) => {
      const snapshot = await tx.get(ref);
      const storedVersion = storedVersionOf(snapshot.exists ? snapshot.data() : undefined);
      if (storedVersion !== null && storedVersion >= event.version) return { written: false, storedVersion };
      // A full set, not a merge: the document holds exactly the contract's fields.
      const document: StreakDocument<Timestamp> = toStreakDocument(event, this.timestamp);
      tx.set(ref, document);
      return { written: true, previousVersion: storedVersion };
    });
  }
}

/** The production store, loading firebase-admin only when first needed: every function's cold start loads index.js. */
export async function createFirestoreStreakStore(config: Config): Promise<StreakStore> {
  const [{ adminFirestore }, { Timestamp }] = await Promise.all([import('../firebase/firestore'), import('firebase-admin/firestore')]);
  const firestore = await adminFirestore(config);
  return new FirestoreStreakStore(firestore, (date) => Timestamp.fromDate(date));
}
