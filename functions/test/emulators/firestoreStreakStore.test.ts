import { getFirestore, Timestamp } from 'firebase-admin/firestore';
import { readConfig } from '../../src/config';
import { adminFirestore } from '../../src/firebase/firestore';
import { createFirestoreStreakStore } from '../../src/projection/FirestoreStreakStore';
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
    await Promise.all(versions.map((v) => store.writeIfNewer(streakEvent(userId, v))));
    expect((await read(userId))?.version).toBe(25);
  });

  afterAll(async () => {
    await getFirestore().terminate();
  });
});
