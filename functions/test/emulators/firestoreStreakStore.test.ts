import { getFirestore, Timestamp } from 'firebase-admin/firestore';
import { readConfig } from '../../src/config';
import { adminFirestore } from '../../src/firebase/firestore';
import { createFirestoreStreakStore, MAX_WRITE_ATTEMPTS } from '../../src/projection/FirestoreStreakStore';
import { WriteContendedError } from '../../src/projection/WriteContendedError';
import { streakEvent } from '../support/streakEvent';

describe('FirestoreStreakStore against the Firestore emulator', () => {
  const config = readConfig();
  const read = async (userId: string) => (await (await adminFirestore(config)).doc(`streaks/${userId}`).get()).data();

  it('writes the document with Timestamps and ignores older and equal versions', async () => {
    const store = await createFirestoreStreakStore(config);
    const userId = `ada-${Date.now()}`;
    await expect(store.writeIfNewer(streakEvent(userId, 2))).resolves.toEqual({ written: true, previousVersion: null });
    await expect(store.writeIfNewer(streakEvent(userId, 1))).resolves.toEqual({ written: false, storedVersion: 2 });
    await expect(store.writeIfNewer(streakEvent(userId, 2))).resolves.toEqual({ written: false, storedVersion: 2 });
    const data = await read(userId);
    expect(data?.version).toBe(2);
    expect(data?.updatedAt).toBeInstanceOf(Timestamp);
    expect((data?.updatedAt as Timestamp).toDate().toISOString()).toBe(streakEvent(userId, 2).updatedAt);
    expect(data?.lastQualifiedDate).toBe(streakEvent(userId, 2).lastQualifiedDate);
  });

  it('ends at the newest version when many versions race on one document', async () => {
    const store = await createFirestoreStreakStore(config);
    const userId = `race-${Date.now()}`;
    const versions = Array.from({ length: 25 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    // A delivery gives up after MAX_WRITE_ATTEMPTS raced rounds (WriteContendedError) and Pub/Sub
    // delivers the message again: 25 writers on one document can lose a delivery that way, so the
    // race is run as Pub/Sub runs it. Any other error fails the test.
    let contended = 0;
    const deliver = async (version: number): Promise<void> => {
      try {
        await store.writeIfNewer(streakEvent(userId, version));
      } catch (error) {
        if (!(error instanceof WriteContendedError)) throw error;
        contended += 1;
        await deliver(version);
      }
    };
    await Promise.all(versions.map(deliver));
    expect((await read(userId))?.version).toBe(25);
    // Far fewer redeliveries than writers: the bound ends a delivery, it does not starve the race.
    expect(contended).toBeLessThan(versions.length * MAX_WRITE_ATTEMPTS);
  });

  afterAll(async () => {
    await getFirestore().terminate();
  });
});
