import { FirebaseError } from 'firebase/app';
import { deleteUser } from 'firebase/auth';
import { doc, setDoc, setLogLevel } from 'firebase/firestore';
import { sql } from 'slonik';
import { z } from 'zod';
import type { AppClient } from '../../../scripts/lib/stack/appClient';
import { handleAuthUserDeleted } from '../../src/authEvents/handleAuthUserDeleted';
import { handleBridgeLegacySession } from '../../src/bridge/bridgeLegacySession';
import type { Database } from '../../src/db/pool';
import { getRuntime, setRuntime } from '../../src/runtime';
import { adminAuth, adminFirestore, appClient, eventually, functionsDatabase, runtimeOnFunctionsDatabase, stack } from './support/stack';
import { rowsAbout as countRowsAbout } from '../support/tableRows';

// An account deleted in Firebase Auth, end to end: the app deletes its account with the client SDK
// while a second device of the same user still holds a valid ID token. From the deletion on, that
// token stores nothing: the callables answer permission-denied, a legacy document is refused and
// deleted, SQL stays empty, and streaks/{uid} stays the id-only tombstone.
setLogLevel('silent');

let db: Database;
const apps: AppClient[] = [];
let restoreDatabaseUrl: (() => void) | undefined;
beforeAll(async () => {
  db = await functionsDatabase();
  restoreDatabaseUrl = runtimeOnFunctionsDatabase();
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
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
const rowsAbout = (uid: string) => countRowsAbout(db.pool, uid);
const streakDoc = async (uid: string) => (await adminFirestore().doc(`streaks/${uid}`).get()).data();
const refusedCode = (promise: Promise<unknown>) => promise.then(() => 'accepted', (error: unknown) => (error instanceof FirebaseError ? error.code : String(error)));

describe('an ID token that outlives its Firebase Auth account', () => {
  it('stores nothing from the deletion on: callables answer permission-denied, a legacy document is refused and deleted, SQL stays empty, the tombstone stays', async () => {
    const email = `gone-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
    const phone = newApp('gone-phone');
    const tablet = newApp('gone-tablet');
    const uid = await phone.signIn(email);
    expect(await tablet.signIn(email)).toBe(uid);
    await phone.acceptFocusSession({ sessionId: 'before', startTime: '2025-06-02T07:00:00Z', endTime: '2025-06-02T07:40:00Z', timezone: 'UTC' });
    await eventually(() => streakDoc(uid), (d) => d?.version === 1, 20_000, `streaks/${uid} at version 1 (Admin SDK)`);

    await deleteUser(phone.auth.currentUser!);
    await expect(adminAuth().getUser(uid)).rejects.toMatchObject({ code: 'auth/user-not-found' });
    const fired = await eventually(() => db.pool.maybeOneFirst(sql.type(z.object({ gone: z.boolean() }))`select account_deleted_at is not null as gone from deleted_users where user_id = ${uid}`), (gone) => gone === true, 15_000, 'the Auth trigger').then(
      () => true,
      () => false,
    );
    if (!fired) {
      console.log('deletedAccount: the Auth emulator did NOT fire deleteDataOnAccountDeletion in this mode; the test calls its handler with the deleted user record');
      await handleAuthUserDeleted({ uid });
    }
    await eventually(() => streakDoc(uid), (d) => d?.deleted === true, 15_000, `streaks/${uid} tombstoned (Admin SDK)`);

    // The tablet still holds an ID token the Functions emulator accepts as the user's.
    expect(tablet.auth.currentUser?.uid).toBe(uid);
    expect(await refusedCode(tablet.acceptFocusSession({ sessionId: 'after', startTime: new Date(Date.now() - 50 * 60_000).toISOString(), endTime: new Date(Date.now() - 10 * 60_000).toISOString(), timezone: 'UTC' }))).toBe('functions/permission-denied');
    const friend = await newApp('gone-friend').signIn(`friend-${Date.now()}@example.com`);
    expect(await refusedCode(tablet.call('addFriend', { friendId: friend }))).toBe('functions/permission-denied');

    // A legacy build on the tablet writes sessions/{id} under the rules: the bridge refuses it and deletes it.
    const legacyId = `gone-legacy-${Date.now()}`;
    await setDoc(doc(tablet.firestore!, 'sessions', legacyId), { userId: uid, startTime: new Date(Date.now() - 40 * 60_000).toISOString(), endTime: new Date(Date.now() - 5 * 60_000).toISOString(), timezone: 'UTC' });
    if (!stack().bridgeTriggerWired) {
      const snapshot = await adminFirestore().doc(`sessions/${legacyId}`).get();
      await handleBridgeLegacySession({ params: { sessionId: legacyId }, data: snapshot, time: new Date().toISOString() });
    }
    await eventually(async () => (await adminFirestore().doc(`sessions/${legacyId}`).get()).exists, (exists) => !exists, 15_000, `sessions/${legacyId} deleted (Admin SDK)`);
    expect(await db.pool.maybeOneFirst(sql.type(z.object({ reason: z.string() }))`select reason from backfill_rejects where document_path = ${`sessions/${legacyId}`}`)).toBe('deleted_user');

    expect(await rowsAbout(uid)).toBe(0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await streakDoc(uid)).toEqual({ userId: uid, version: 1, deleted: true });
  });
});
