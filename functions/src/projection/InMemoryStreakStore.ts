import type { StreakEvent } from '../contract/streakEvent';
import { toStreakDocument, type StreakDocument } from './streakDocument';
import { storedVersionOf, type StoreOutcome, type StreakStore } from './streakStore';

/** The projection in a Map, for tests and the local stack without the Firestore emulator. */
export class InMemoryStreakStore implements StreakStore {
  private readonly documents = new Map<string, StreakDocument<Date>>();
  /** Number of documents actually written (not no-ops). */
  writes = 0;

  async writeIfNewer(event: StreakEvent): Promise<StoreOutcome> {
    // Synchronous read-compare-write: no await in between, so it is atomic in one process.
    const storedVersion = storedVersionOf(this.documents.get(event.userId));
    if (storedVersion !== null && storedVersion >= event.version) return { written: false, storedVersion };
    this.documents.set(event.userId, toStreakDocument(event, (date) => date));
    this.writes++;
    return { written: true, previousVersion: storedVersion };
  }

  get(userId: string): StreakDocument<Date> | undefined {
    const doc = this.documents.get(userId);
    // A copy, so callers cannot change the store behind its version check.
    return doc && { ...doc, updatedAt: new Date(doc.updatedAt), streakExpiresAt: doc.streakExpiresAt && new Date(doc.streakExpiresAt) };
  }

  userIds(): string[] {
    return [...this.documents.keys()];
  }
}
