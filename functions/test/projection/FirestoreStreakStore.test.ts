import { Timestamp } from 'firebase-admin/firestore';
import type { Firestore } from 'firebase-admin/firestore';
import { FirestoreStreakStore } from '../../src/projection/FirestoreStreakStore';
import { streakEvent } from '../support/streakEvent';

/**
 * Just enough of Firestore's document API (get, create, update with a precondition, transactions),
 * backed by a Map; the emulator suite runs the real one.
 */
function fakeFirestore(initial: Record<string, Record<string, unknown>> = {}) {
  const docs = new Map(Object.entries(initial));
  const times = new Map([...docs.keys()].map((path) => [path, 0]));
  const writes: Array<{ path: string; data: Record<string, unknown> }> = [];
  let clock = 0;
  const write = (path: string, data: Record<string, unknown>) => {
    writes.push({ path, data });
    docs.set(path, data);
    times.set(path, ++clock);
  };
  const snapshot = (path: string) => ({ exists: docs.has(path), data: () => docs.get(path), updateTime: times.get(path) });
  const firestore = {
    collection: (name: string) => ({
      doc: (id: string) => {
        const path = `${name}/${id}`;
        return {
          path,
          get: async () => snapshot(path),
          create: async (data: Record<string, unknown>) => {
            if (docs.has(path)) throw Object.assign(new Error('already exists'), { code: 6 });
            write(path, data);
          },
          update: async (data: Record<string, unknown>, precondition: { lastUpdateTime: number }) => {
            if (times.get(path) !== precondition.lastUpdateTime) throw Object.assign(new Error('failed precondition'), { code: 9 });
            write(path, { ...docs.get(path), ...data });
          },
        };
      },
    }),
    runTransaction: async <T>(fn: (tx: unknown) => Promise<T>) =>
      fn({
        get: async (ref: { path: string }) => snapshot(ref.path),
        set: (ref: { path: string }, data: Record<string, unknown>) => write(ref.path, data),
      }),
  };
  return { firestore: firestore as unknown as Firestore, writes, docs };
}

describe('FirestoreStreakStore', () => {
  const timestamp = (date: Date) => Timestamp.fromDate(date);

  it('sets the whole document with Firestore Timestamps for the instants', async () => {
    const { firestore, writes } = fakeFirestore();
    await expect(new FirestoreStreakStore(firestore, timestamp).writeIfNewer(streakEvent('ada', 2))).resolves.toEqual({ written: true, previousVersion: null });
    expect(writes).toHaveLength(1);
    const { path, data } = writes[0];
    expect(path).toBe('streaks/ada');
    expect(Object.keys(data).sort()).toEqual(Object.keys(streakEvent('ada', 2)).sort());
    expect(data.updatedAt).toBeInstanceOf(Timestamp);
    expect((data.updatedAt as Timestamp).toDate().toISOString()).toBe(streakEvent('ada', 2).updatedAt);
    expect((data.streakExpiresAt as Timestamp).toDate().toISOString()).toBe(streakEvent('ada', 2).streakExpiresAt);
    expect(data.lastQualifiedDate).toBe(streakEvent('ada', 2).lastQualifiedDate);
  });

  it('does not write when the stored version is the same or newer', async () => {
    const { firestore, writes } = fakeFirestore({ 'streaks/ada': { version: 5 } });
    const store = new FirestoreStreakStore(firestore, timestamp);
    await expect(store.writeIfNewer(streakEvent('ada', 5))).resolves.toEqual({ written: false, storedVersion: 5 });
    await expect(store.writeIfNewer(streakEvent('ada', 4))).resolves.toEqual({ written: false, storedVersion: 5 });
    expect(writes).toHaveLength(0);
  });

  it('replaces a legacy document that has no version', async () => {
    const { firestore, docs } = fakeFirestore({ 'streaks/ada': { currentStreak: 9, legacyField: true } });
    await new FirestoreStreakStore(firestore, timestamp).writeIfNewer(streakEvent('ada', 1));
    expect(docs.get('streaks/ada')).not.toHaveProperty('legacyField');
    expect(docs.get('streaks/ada')).toMatchObject({ version: 1 });
  });
});
