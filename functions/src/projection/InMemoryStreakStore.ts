import type { StreakEvent } from '../contract/streakEvent';
import { toStreakDocument, type StreakDocument } from './streakDocument';
import { storedVersionOf, type StoreOutcome, type StreakStore } from './streakStore';
import type { StreakTombstone, StreakTombstoneStore, TombstoneOutcome } from './streakTombstone';

/** The projection in a Map, for tests and the local stack without the Firestore emulator. */
export class InMemoryStreakStore implements StreakStore, StreakTombstoneStore {
  private readonly documents = new Map<string, StreakDocument<Date>>();
  private readonly tombstones = new Map<string, StreakTombstone>();
  /** Number of documents actually written (not no-ops). */
  writes = 0;

  async writeIfNewer(event: StreakEvent): Promise<StoreOutcome> {
    // Synchronous read-compare-write: no await in between, so it is atomic in one process.
    const storedVersion = storedVersionOf(this.documents.get(event.userId) ?? this.tombstones.get(event.userId));
    if (storedVersion !== null && storedVersion >= event.version) return { written: false, storedVersion };
    this.tombstones.delete(event.userId);
    this.documents.set(event.userId, toStreakDocument(event, (date) => date));
    this.writes++;
    return { written: true, previousVersion: storedVersion };
  }

  async writeTombstone(userId: string, versionFloor: number): Promise<TombstoneOutcome> {
    const document = this.documents.get(userId);
    const storedVersion = storedVersionOf(document ?? this.tombstones.get(userId));
    if (document && storedVersion !== null && storedVersion > versionFloor) return { written: false, storedVersion };
    this.documents.delete(userId);
    this.tombstones.set(userId, { userId, version: versionFloor, deleted: true });
    return { written: true, previousVersion: storedVersion };
  }

  /** The tombstone streaks/{userId} holds after a deletion, if that is what it holds. */
  tombstone(userId: string): StreakTombstone | undefined {
    const t = this.tombstones.get(userId);
    return t && { ...t };
  }

  /** The streak document; undefined when there is none or it is a tombstone (apps read that as "no streak"). */
  get(userId: string): StreakDocument<Date> | undefined {
    const doc = this.documents.get(userId);
    // A copy, so callers cannot change the store behind its version check.
    return doc && { ...doc, updatedAt: new Date(doc.updatedAt), streakExpiresAt: doc.streakExpiresAt && new Date(doc.streakExpiresAt) };
  }

  userIds(): string[] {
    return [...this.documents.keys()];
  }
}
