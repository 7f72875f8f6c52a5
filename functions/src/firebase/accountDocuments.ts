import type { Firestore } from 'firebase-admin/firestore';
import type { Config } from '../config';
import type { StreakTombstoneStore } from '../projection/streakTombstone';

/** The user's documents in Firestore that a deletion removes, besides SQL. */
export interface AccountDocuments extends StreakTombstoneStore {
  /** Deletes legacy sessions/* whose userId is theirs, and users/{uid} with its subcollections (users/{uid}/sessions). */
  deleteLegacy(userId: string): Promise<LegacyDocumentCounts>;
  /** What deleteLegacy would delete, counted. */
  countLegacy(userId: string): Promise<LegacyDocumentCounts>;
}

export interface LegacyDocumentCounts {
  sessions: number;
  /** Whether users/{uid} existed. */
  user: boolean;
}

/** Documents per delete batch (a Firestore batch takes 500 writes). */
const BATCH = 400;

/** AccountDocuments over firebase-admin. Legacy sessions are found by field (userId), page by page, never all in memory. */
export function firestoreAccountDocuments(firestore: Firestore, tombstones: StreakTombstoneStore): AccountDocuments {
  const legacy = (userId: string) => firestore.collection('sessions').where('userId', '==', userId);
  return {
    writeTombstone: (userId, floor) => tombstones.writeTombstone(userId, floor),
    async deleteLegacy(userId) {
      let sessions = 0;
      for (;;) {
        const page = await legacy(userId).select().limit(BATCH).get();
        if (page.empty) break;
        const batch = firestore.batch();
        for (const doc of page.docs) batch.delete(doc.ref);
        await batch.commit();
        sessions += page.size;
        if (page.size < BATCH) break;
      }
      const userDoc = firestore.collection('users').doc(userId);
      const user = (await userDoc.get()).exists;
      // Deletes the document and everything under it (users/{uid}/sessions of the collection-group shape).
      await firestore.recursiveDelete(userDoc);
      return { sessions, user };
    },
    async countLegacy(userId) {
      const [count, user] = await Promise.all([legacy(userId).count().get(), firestore.collection('users').doc(userId).get()]);
      return { sessions: count.data().count, user: user.exists };
    },
  };
}

/** The production AccountDocuments, built only where Firestore may be reached (else FirestoreNotConfiguredError). */
export async function createAccountDocuments(config: Config): Promise<AccountDocuments> {
  const [{ adminFirestore }, { FirestoreStreakStore }, { Timestamp }] = await Promise.all([
    import('./firestore'),
    import('../projection/FirestoreStreakStore'),
    import('firebase-admin/firestore'),
  ]);
  const firestore = await adminFirestore(config);
  return firestoreAccountDocuments(firestore, new FirestoreStreakStore(firestore, (date) => Timestamp.fromDate(date)));
}
