import { Timestamp as AdminTimestamp } from 'firebase-admin/firestore';
import { doc, setDoc, setLogLevel, Timestamp } from 'firebase/firestore';
import { sql } from 'slonik';
import { z } from 'zod';
import type { AppClient } from '../../../scripts/lib/stack/appClient';
import { handleBridgeLegacySession } from '../../src/bridge/bridgeLegacySession';
import type { Database } from '../../src/db/pool';
import { readStreak } from '../../src/db/userStreaks';
import { getRuntime, setRuntime } from '../../src/runtime';
import { adminDocument, adminFirestore, appClient, eventually, eventuallyWithRelay, functionsDatabase, runtimeOnFunctionsDatabase, stack } from './support/stack';

// A legacy app build writes sessions/{id} with the client SDK, under the rules; the bridge sends it
// through the write path into SQL, and the projection brings streaks/{uid} along.
setLogLevel('silent');

const wired = stack().bridgeTriggerWired;
let legacyApp: AppClient;
let db: Database;

let restoreDatabaseUrl: (() => void) | undefined;
beforeAll(async () => {
  legacyApp = appClient('legacy');
  db = await functionsDatabase();
  // The in-process bridge uses the same database, Firestore and Pub/Sub as the emulated functions.
  restoreDatabaseUrl = runtimeOnFunctionsDatabase();
  console.log(
    wired
      ? 'bridge: the Firestore trigger is wired (firebase-tools runs Firestore); the test waits for it to fire'
      : 'bridge: the Firestore trigger is not wired in this mode (Firestore from the Cloud CLI jar); the test calls the handler with the document read back from the emulator',
  );
});
afterAll(async () => {
  await legacyApp?.close();
  await db?.close();
  const runtime = await getRuntime().catch(() => null);
  await runtime?.db.close();
  setRuntime(undefined);
  restoreDatabaseUrl?.();
});

/** What the deployed trigger would do with the created document: the real document, read back. */
async function deliver(sessionId: string): Promise<void> {
  if (wired) return;
  const snapshot = await adminFirestore().doc(`sessions/${sessionId}`).get();
  expect(snapshot.exists).toBe(true);
  await handleBridgeLegacySession({ params: { sessionId }, data: snapshot, time: new Date().toISOString() });
}

const storedSession = (userId: string, sessionId: string) =>
  db.pool.maybeOne(sql.type(z.object({ source: z.string(), time_zone: z.string() }))`
    select source, timezone as time_zone from focus_sessions where user_id = ${userId} and session_id = ${sessionId}`);

describe('the legacy bridge with a legacy client writing Firestore', () => {
  it('carries a session the owner wrote under the rules into SQL and the projection', async () => {
    const uid = await legacyApp.signIn(`legacy-${Date.now()}@example.com`);
    const sessionId = `legacy-${Date.now()}`;
    await setDoc(doc(legacyApp.firestore!, 'sessions', sessionId), {
      userId: uid,
      startTime: Timestamp.fromDate(new Date('2025-06-02T07:00:00Z')),
      endTime: Timestamp.fromDate(new Date('2025-06-02T07:45:00Z')),
      timezone: 'Europe/Berlin',
      durationMinutes: 45,
    });
    await deliver(sessionId);
    const row = await eventually(() => storedSession(uid, sessionId), (r) => r !== null, 20_000, 'the bridged session in SQL');
    expect(row).toEqual({ source: 'bridge', time_zone: 'Europe/Berlin' });
    const streak = await readStreak(db.pool, uid);
    expect(streak).toMatchObject({ currentStreak: 1, lastQualifiedDate: '2025-06-02', version: 1 });
    // Waited for through the Admin SDK, then read once by the legacy client under the rules (see eventually).
    await eventuallyWithRelay(() => adminDocument(`streaks/${uid}`), (d) => d?.version === 1, 30_000, 'the projection of the bridged session');
    expect(await legacyApp.readStreakDocument(uid)).toMatchObject({ userId: uid, version: 1, currentStreak: 1, lastQualifiedDate: '2025-06-02' });
  });

  it("takes a zone-less session's zone from the legacy users/{uid} document", async () => {
    const uid = await legacyApp.signIn(`legacy-zone-${Date.now()}@example.com`);
    await adminFirestore().doc(`users/${uid}`).set({ timezone: 'Asia/Tokyo' });
    const sessionId = `legacy-zone-${Date.now()}`;
    await setDoc(doc(legacyApp.firestore!, 'sessions', sessionId), { userId: uid, startTime: '2025-06-02T23:30:00+09:00', endTime: 1748878200000 });
    await deliver(sessionId);
    const row = await eventually(() => storedSession(uid, sessionId), (r) => r !== null, 20_000, 'the bridged session in SQL');
    expect(row?.time_zone).toBe('Asia/Tokyo');
  });

  it('records a session it cannot accept as a reject and leaves the streak alone', async () => {
    const uid = await legacyApp.signIn(`legacy-bad-${Date.now()}@example.com`);
    const sessionId = `legacy-bad-${Date.now()}`;
    // Well-formed for the rules, meaningless for the domain: 30 hours long.
    await setDoc(doc(legacyApp.firestore!, 'sessions', sessionId), {
      userId: uid,
      startTime: Timestamp.fromDate(new Date('2025-06-02T00:00:00Z')),
      endTime: Timestamp.fromDate(new Date('2025-06-03T06:00:00Z')),
      timezone: 'UTC',
    });
    await deliver(sessionId);
    const reject = await eventually(
      () => db.pool.maybeOne(sql.type(z.object({ reason: z.string() }))`select reason from backfill_rejects where run_id is null and document_path = ${`sessions/${sessionId}`}`),
      (r) => r !== null,
      20_000,
      'the reject row',
    );
    expect(reject?.reason).toBe('too_long');
    expect(await readStreak(db.pool, uid)).toBeNull();
    expect(await storedSession(uid, sessionId)).toBeNull();
  });

  it('never lets a legacy client write a session for someone else', async () => {
    await legacyApp.signIn(`legacy-mallory-${Date.now()}@example.com`);
    const write = setDoc(doc(legacyApp.firestore!, 'sessions', `forged-${Date.now()}`), {
      userId: 'someone-else',
      startTime: AdminTimestamp.now().toMillis() - 3_600_000,
      endTime: AdminTimestamp.now().toMillis(),
    });
    await expect(write).rejects.toMatchObject({ code: 'permission-denied' });
  });
});
