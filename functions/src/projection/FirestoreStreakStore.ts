import type { DocumentReference, Firestore, Timestamp } from 'firebase-admin/firestore';
import type { Config } from '../config';
import type { StreakEvent } from '../contract/streakEvent';
import { toStreakDocument, type StreakDocument } from './streakDocument';
import { storedVersionOf, type StoreOutcome, type StreakStore } from './streakStore';
import { isStreakTombstone, type StreakTombstone, type StreakTombstoneStore, type TombstoneOutcome } from './streakTombstone';
import { WriteContendedError } from './WriteContendedError';

export const STREAKS_COLLECTION = 'streaks';

// gRPC status codes Firestore answers when a precondition lost a race.
const ALREADY_EXISTS = 6;
const FAILED_PRECONDITION = 9;

/** Conditional writes per delivery: past them the delivery fails and Pub/Sub's retry (with its backoff) carries it. */
export const MAX_WRITE_ATTEMPTS = 5;

/**
 * streaks/{userId} in Firestore via firebase-admin. Each write is conditional on what was read (create
 * if absent, update only if unchanged since the read), so two deliveries racing on different instances
 * can never go backwards. Optimistic rather than a transaction: a burst of one user's versions would
 * otherwise queue on the document's lock and time out, while here the loser re-reads, sees a newer
 * version and stops. At most MAX_WRITE_ATTEMPTS rounds per delivery: what does not settle is retried by Pub/Sub.
 */
export class FirestoreStreakStore implements StreakStore, StreakTombstoneStore {
  constructor(
    private readonly firestore: Firestore,
    private readonly timestamp: (date: Date) => Timestamp,
  ) {}

  async writeIfNewer(event: StreakEvent): Promise<StoreOutcome> {
    const ref = this.firestore.collection(STREAKS_COLLECTION).doc(event.userId);
    const document: StreakDocument<Timestamp> = toStreakDocument(event, this.timestamp);
    for (let attempt = 1; ; attempt++) {
      const snapshot = await ref.get();
      const data = snapshot.exists ? snapshot.data() : undefined;
      const storedVersion = storedVersionOf(data);
      if (storedVersion !== null && storedVersion >= event.version) return { written: false, storedVersion };
      try {
        if (!snapshot.exists) await ref.create(document);
        // A tombstone is replaced whole too: its deleted must not survive into the new streak.
        else if (typeof data?.version !== 'number' || isStreakTombstone(data)) await this.replaceLegacy(ref, document, event.version);
        // Every field of the contract is written, so the update leaves exactly the contract's fields.
        else await ref.update(document, { lastUpdateTime: snapshot.updateTime! });
        return { written: true, previousVersion: storedVersion };
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code !== ALREADY_EXISTS && code !== FAILED_PRECONDITION) throw error;
        if (attempt >= MAX_WRITE_ATTEMPTS) throw new WriteContendedError(event.userId, event.version, attempt);
        // Someone wrote in between: read again and decide again.
      }
    }
  }

  /** The deleted user's document becomes an id-only tombstone, in a transaction; a newer streak (recorded since) stays. */
  async writeTombstone(userId: string, versionFloor: number): Promise<TombstoneOutcome> {
    const ref = this.firestore.collection(STREAKS_COLLECTION).doc(userId);
    const tombstone: StreakTombstone = { userId, version: versionFloor, deleted: true };
    return this.firestore.runTransaction(async (tx) => {
      const current = await tx.get(ref);
      const data = current.exists ? current.data() : undefined;
      const storedVersion = storedVersionOf(data);
      if (storedVersion !== null && storedVersion > versionFloor && !isStreakTombstone(data)) return { written: false, storedVersion };
      tx.set(ref, tombstone);
      return { written: true, previousVersion: storedVersion };
    });
  }

  /** A legacy document (written before the projection existed) is replaced whole, once, in a transaction. */
  private async replaceLegacy(ref: DocumentReference, document: StreakDocument<Timestamp>, version: number): Promise<void> {
    await this.firestore.runTransaction(async (tx) => {
      const current = await tx.get(ref);
      const storedVersion = storedVersionOf(current.exists ? current.data() : undefined);
      if (storedVersion !== null && storedVersion >= version) return;
      tx.set(ref, document);
    });
  }
}

/** The production store, loading firebase-admin only when first needed: every function's cold start loads index.js. */
export async function createFirestoreStreakStore(config: Config): Promise<StreakStore> {
  const [{ adminFirestore }, { Timestamp }] = await Promise.all([import('../firebase/firestore'), import('firebase-admin/firestore')]);
  const firestore = await adminFirestore(config);
  return new FirestoreStreakStore(firestore, (date) => Timestamp.fromDate(date));
}
