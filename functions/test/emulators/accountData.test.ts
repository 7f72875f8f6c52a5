import { FirebaseError } from 'firebase/app';
import { deleteUser } from 'firebase/auth';
import { setLogLevel } from 'firebase/firestore';
import { sql } from 'slonik';
import type { AppClient } from '../../../scripts/lib/stack/appClient';
import { handleAuthUserDeleted } from '../../src/authEvents/handleAuthUserDeleted';
import { streakEventAttributes, type StreakEvent } from '../../src/contract/streakEvent';
import type { Database } from '../../src/db/pool';
import { getRuntime, setRuntime } from '../../src/runtime';
import { adminAuth, adminDocument, adminFirestore, appClient, eventually, functionsDatabase, pubSub, runtimeOnFunctionsDatabase } from './support/stack';
import { rowsAbout as countRowsAbout } from '../support/tableRows';

// A user's own data as an app sees it: export (small and paged) and delete through the client SDK,
// the tombstone against a late message, recording again, and deleting the Auth account itself.
setLogLevel('silent');

let db: Database;
let client: ReturnType<typeof pubSub>;
const apps: AppClient[] = [];
let restoreDatabaseUrl: (() => void) | undefined;
beforeAll(async () => {
  db = await functionsDatabase();
  client = pubSub();
  // An in-process handler (the deletion trigger's fallback) uses the emulated functions' database.
  restoreDatabaseUrl = runtimeOnFunctionsDatabase();
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await client?.close();
  await db?.close();
  const runtime = await getRuntime().catch(() => null);
  await runtime?.db.close();
  setRuntime(undefined);
  restoreDatabaseUrl?.();
});

const newApp = (name: string) => {
  const app = appClient(`${name}-${Date.now()}`);
  apps.push(app);
  return app;
};
const signedIn = async (name: string) => {
  const app = newApp(name);
  const uid = await app.signIn(`${name}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`);
  return { app, uid };
};
const paris = (id: string, day: string) => ({ sessionId: id, startTime: `${day}T09:00:00+02:00`, endTime: `${day}T09:40:00+02:00`, timezone: 'Europe/Paris' });
const rowsAbout = (uid: string) => countRowsAbout(db.pool, uid);
const streakDoc = (uid: string) => adminDocument(`streaks/${uid}`);
const legacySessions = async (uid: string) => (await adminFirestore().collection('sessions').where('userId', '==', uid).get()).size;
const publish = (event: StreakEvent) => client.topic('streak-updated').publishMessage({ data: Buffer.from(JSON.stringify(event)), attributes: streakEventAttributes(event) });

describe('exportMyData through the emulators', () => {
  it('exports a small account in one page, and 2,100 sessions in three pages with nextCursor', async () => {
    const { app, uid } = await signedIn('exporter');
    await app.acceptFocusSession(paris('e1', '2025-06-02'));
    await app.acceptFocusSession(paris('e2', '2025-06-03'));
    const small = await app.call<{ userId: string; streak: { version: number }; sessions: unknown[]; nextCursor: string | null }>('exportMyData', {});
    expect(small).toMatchObject({ userId: uid, streak: { currentStreak: 2, version: 2 }, friends: { friends: [], incoming: [], outgoing: [] }, nextCursor: null });
    expect(small.sessions).toEqual([
      { sessionId: 'e1', startTime: '2025-06-02T07:00:00.000Z', endTime: '2025-06-02T07:40:00.000Z', timezone: 'Europe/Paris', source: 'callable', createdAt: expect.any(String) },
      { sessionId: 'e2', startTime: '2025-06-03T07:00:00.000Z', endTime: '2025-06-03T07:40:00.000Z', timezone: 'Europe/Paris', source: 'callable', createdAt: expect.any(String) },
    ]);

    await db.pool.query(sql.unsafe`
      insert into focus_sessions (user_id, session_id, start_time, end_time, timezone, source)
      select ${uid}, 'bulk' || i, timestamptz '2024-01-01 08:00Z' + i * interval '1 hour', timestamptz '2024-01-01 08:30Z' + i * interval '1 hour', 'UTC', 'backfill'
      from generate_series(1, 2098) as i`);
    const sizes: number[] = [];
    const ids = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { sessions: Array<{ sessionId: string }>; nextCursor: string | null } = await app.call('exportMyData', cursor ? { cursor } : {});
      sizes.push(page.sessions.length);
      for (const s of page.sessions) ids.add(s.sessionId);
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([1000, 1000, 100]);
    expect(ids.size).toBe(2100);
    await expect(app.call('exportMyData', { cursor: 'tampered' })).rejects.toMatchObject({ code: 'functions/invalid-argument' });
  });

  it('refuses signed-out calls to both', async () => {
    const app = newApp('nobody');
    for (const [name, data] of [['exportMyData', {}], ['deleteMyData', { confirm: true }]] as const) {
      const error = await app.call(name, data).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FirebaseError);
      expect((error as FirebaseError).code).toBe('functions/unauthenticated');
    }
  });
});

describe('deleteMyData through the emulators', () => {
  it('deletes SQL, the legacy documents and the streak; friends no longer see them; a late message brings nothing back; recording again projects above the floor', async () => {
    const { app, uid } = await signedIn('deleter');
    const { app: friendApp, uid: friendUid } = await signedIn('friend');
    await app.acceptFocusSession(paris('d1', '2025-06-02'));
    await app.acceptFocusSession(paris('d2', '2025-06-03'));
    await friendApp.acceptFocusSession(paris('f1', '2025-06-02'));
    await app.call('addFriend', { friendId: friendUid });
    await friendApp.call('addFriend', { friendId: uid });
    await eventually(() => streakDoc(uid), (d) => d?.version === 2, 20_000, `streaks/${uid} at version 2`);
    const legacy = adminFirestore().collection('sessions');
    await legacy.doc(`legacy-${uid}-1`).set({ userId: uid, startTime: '2024-05-01T08:00:00Z', endTime: '2024-05-01T08:40:00Z', timezone: 'UTC' });
    await legacy.doc(`legacy-${uid}-2`).set({ userId: uid, startTime: '2024-05-02T08:00:00Z', endTime: '2024-05-02T08:40:00Z', timezone: 'UTC' });
    await legacy.doc(`legacy-${friendUid}`).set({ userId: friendUid, startTime: '2024-05-01T08:00:00Z', endTime: '2024-05-01T08:40:00Z', timezone: 'UTC' });
    await adminFirestore().doc(`users/${uid}`).set({ timezone: 'Europe/Paris' });

    await expect(app.call('deleteMyData', {})).rejects.toMatchObject({ code: 'functions/invalid-argument' });
    const started = performance.now();
    const answer = await app.call('deleteMyData', { confirm: true });
    console.log(`deleteMyData through the emulators (2 sessions, 2 legacy documents): ${(performance.now() - started).toFixed(0)} ms`);
    expect(answer).toEqual({ deleted: { sessions: 2, days: 2, friendships: 1, requests: 0 } });

    expect(await rowsAbout(uid)).toBe(0);
    expect(await legacySessions(uid)).toBe(0);
    expect(await legacySessions(friendUid)).toBe(1);
    expect((await adminFirestore().doc(`users/${uid}`).get()).exists).toBe(false);
    expect(await streakDoc(uid)).toEqual({ userId: uid, version: 2, deleted: true });
    expect(await friendApp.call('getFriends', {})).toMatchObject({ friends: [], incoming: [], outgoing: [] });
    // The app reads its own tombstone under the rules, once, after the Admin SDK saw it: and shows "no streak".
    expect(await app.readStreakDocument(uid)).toMatchObject({ deleted: true, version: 2 });
    await expect(app.call('deleteMyData', { confirm: true })).resolves.toEqual({ deleted: { sessions: 0, days: 0, friendships: 0, requests: 0 } });

    // A message published before the deletion and delivered after it: dropped by the version guard.
    await publish({ userId: uid, version: 2, currentStreak: 2, longestStreak: 2, lastQualifiedDate: '2025-06-03', qualifiedDaysCount: 2, timezone: 'Europe/Paris', streakExpiresAt: '2025-06-04T22:00:00.000Z', updatedAt: new Date().toISOString(), freezesAvailable: 0, frozenDates: [], dayStartMinutes: 0 });
    await publish({ userId: uid, version: 1, currentStreak: 1, longestStreak: 1, lastQualifiedDate: '2025-06-02', qualifiedDaysCount: 1, timezone: 'Europe/Paris', streakExpiresAt: '2025-06-03T22:00:00.000Z', updatedAt: new Date().toISOString(), freezesAvailable: 0, frozenDates: [], dayStartMinutes: 0 });
    await new Promise((r) => setTimeout(r, 2000));
    expect(await streakDoc(uid)).toEqual({ userId: uid, version: 2, deleted: true });

    // Recording again: a new life above the floor, projected whole (no deleted left).
    const again = await app.acceptFocusSession(paris('n1', '2025-06-10'));
    expect(again).toMatchObject({ accepted: true, streak: { version: 3, currentStreak: 1 } });
    const doc = await eventually(() => streakDoc(uid), (d) => d?.version === 3, 20_000, `streaks/${uid} at version 3`);
    expect(doc).toMatchObject({ userId: uid, version: 3, currentStreak: 1, qualifiedDaysCount: 1 });
    expect(doc).not.toHaveProperty('deleted');
    expect((await app.getMyStreak()).version).toBe(3);
  });

  it('deleting the Firebase Auth account through the client SDK deletes the data (the v1 trigger, or its handler where the emulator does not fire it)', async () => {
    const { app, uid } = await signedIn('leaver');
    await app.acceptFocusSession(paris('l1', '2025-06-02'));
    await eventually(() => streakDoc(uid), (d) => d?.version === 1, 20_000, `streaks/${uid} at version 1`);
    await adminFirestore().collection('sessions').doc(`legacy-${uid}`).set({ userId: uid, startTime: '2024-05-01T08:00:00Z', endTime: '2024-05-01T08:40:00Z', timezone: 'UTC' });
    const user = app.auth.currentUser!;
    await deleteUser(user);
    await expect(adminAuth().getUser(uid)).rejects.toMatchObject({ code: 'auth/user-not-found' });

    const fired = await eventually(() => rowsAbout(uid), (n) => n === 0, 15_000, 'the Auth trigger').then(
      () => true,
      () => false,
    );
    if (fired) {
      console.log('accountData: the Auth emulator fired deleteDataOnAccountDeletion (v1 auth.user().onDelete) on deleteUser');
    } else {
      console.log('accountData: the Auth emulator did NOT fire deleteDataOnAccountDeletion in this mode; the test calls its handler with the deleted user record');
      await handleAuthUserDeleted({ uid });
    }
    expect(await rowsAbout(uid)).toBe(0);
    await eventually(() => legacySessions(uid), (n) => n === 0, 10_000, 'legacy sessions deleted');
    // The documents step runs after SQL: the trigger may still be writing the tombstone.
    const tombstone = await eventually(() => streakDoc(uid), (d) => d?.deleted === true, 10_000, `streaks/${uid} tombstoned`);
    expect(tombstone).toEqual({ userId: uid, version: 1, deleted: true });
  });
});
