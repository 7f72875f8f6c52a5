import { readFileSync } from 'node:fs';
import path from 'node:path';
import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { collection, deleteDoc, doc, getDoc, getDocs, query, serverTimestamp, setDoc, setLogLevel, Timestamp, updateDoc, where } from 'firebase/firestore';

// Denied writes are the point of most tests here; the SDK would warn about each one.
setLogLevel('silent');

const [host, port] = process.env.FIRESTORE_EMULATOR_HOST!.split(':');

describe('firestore.rules', () => {
  let env: RulesTestEnvironment;
  beforeAll(async () => {
    env = await initializeTestEnvironment({
      // The project emulators:exec runs (singleProjectMode refuses any other).
      projectId: process.env.GCLOUD_PROJECT!,
      firestore: { rules: readFileSync(path.resolve(__dirname, '../../../firestore.rules'), 'utf8'), host, port: Number(port) },
    });
  });
  afterAll(async () => {
    await env?.cleanup();
  });
  beforeEach(async () => {
    await env.clearFirestore();
    await env.withSecurityRulesDisabled(async (ctx) => {
      await setDoc(doc(ctx.firestore(), 'streaks/ada'), { userId: 'ada', version: 3, currentStreak: 2 });
      await setDoc(doc(ctx.firestore(), 'sessions/existing'), { userId: 'ada', startTime: Timestamp.fromMillis(0), endTime: Timestamp.fromMillis(60_000) });
      await setDoc(doc(ctx.firestore(), 'users/ada'), { timezone: 'Europe/Berlin' });
    });
  });

  const as = (uid: string | null) => (uid === null ? env.unauthenticatedContext() : env.authenticatedContext(uid)).firestore();

  describe('streaks/{userId}', () => {
    it('lets a signed-in user read their own streak', async () => {
      await assertSucceeds(getDoc(doc(as('ada'), 'streaks/ada')));
    });
    it('lets a user query the collection for their own document only', async () => {
      await assertSucceeds(getDocs(query(collection(as('ada'), 'streaks'), where('userId', '==', 'ada'))));
      await assertFails(getDocs(collection(as('ada'), 'streaks')));
    });
    it("hides a user's streak from other users and from signed-out clients", async () => {
      await assertFails(getDoc(doc(as('bob'), 'streaks/ada')));
      await assertFails(getDoc(doc(as(null), 'streaks/ada')));
    });
    it('accepts no client writes, not even from the owner', async () => {
      await assertFails(setDoc(doc(as('ada'), 'streaks/ada'), { userId: 'ada', version: 99 }));
      await assertFails(updateDoc(doc(as('ada'), 'streaks/ada'), { currentStreak: 100 }));
      await assertFails(deleteDoc(doc(as('ada'), 'streaks/ada')));
      await assertFails(setDoc(doc(as('bob'), 'streaks/bob'), { userId: 'bob', version: 1 }));
    });
  });

  describe('sessions/{sessionId}', () => {
    const start = Timestamp.fromDate(new Date('2025-03-01T08:00:00Z'));
    const end = Timestamp.fromDate(new Date('2025-03-01T08:45:00Z'));
    const valid = { userId: 'ada', startTime: start, endTime: end, timezone: 'Europe/Berlin', durationMinutes: 45 };

    it.each([
      ['Timestamps with a zone and a duration', valid],
      ['Timestamps only', { userId: 'ada', startTime: start, endTime: end }],
      ['ISO-8601 strings', { userId: 'ada', startTime: '2025-03-01T09:00:00+01:00', endTime: '2025-03-01T09:45:00+01:00' }],
      ['epoch milliseconds', { userId: 'ada', startTime: 1740816000000, endTime: 1740818700000, timezone: 'Asia/Tokyo' }],
      ['the creation time the reconcile pass reads by, set by the server', { ...valid, createdAt: serverTimestamp() }],
    ])('lets the signed-in owner create a session with %s', async (_, body) => {
      await assertSucceeds(setDoc(doc(as('ada'), 'sessions/s-1'), body));
    });

    it.each([
      ['for another user', { ...valid, userId: 'bob' }],
      ['with an unknown key', { ...valid, streak: 100 }],
      ['without an end', { userId: 'ada', startTime: start }],
      ['ending before it starts', { ...valid, startTime: end, endTime: start }],
      ['ending when it starts', { ...valid, endTime: start }],
      ['ending before it starts, in epoch milliseconds', { userId: 'ada', startTime: 2000, endTime: 1000 }],
      ['with a boolean time', { ...valid, startTime: true }],
      ['with a time zone that is not a string', { ...valid, timezone: 1 }],
      ['with a duration that is not a number', { ...valid, durationMinutes: '45' }],
      // Only the server's reverse mirror writes it: a client claiming it would hide its session from the bridge.
      ['carrying the mirror marker', { ...valid, mirroredFromSql: true }],
      ['with a creation time the device chose', { ...valid, createdAt: Timestamp.fromDate(new Date('2025-03-01T08:00:00Z')) }],
    ])('refuses a session %s', async (_, body) => {
      await assertFails(setDoc(doc(as('ada'), 'sessions/s-2'), body));
    });

    it('refuses a session without an owner, and any write over an existing session', async () => {
      const { userId: _owner, ...ownerless } = valid;
      await assertFails(setDoc(doc(as('ada'), 'sessions/s-4'), ownerless));
      // A create on an existing id is an update: the bridge would never see it, so it is refused.
      await assertFails(setDoc(doc(as('ada'), 'sessions/existing'), valid));
    });
    it('refuses a document id longer than a session id may be', async () => {
      await assertSucceeds(setDoc(doc(as('ada'), `sessions/${'a'.repeat(128)}`), valid));
      await assertFails(setDoc(doc(as('ada'), `sessions/${'a'.repeat(129)}`), valid));
    });
    it('refuses a session from a signed-out client', async () => {
      await assertFails(setDoc(doc(as(null), 'sessions/s-3'), valid));
    });
    it('refuses a document id the bridge could not use as a session id', async () => {
      await assertFails(setDoc(doc(as('ada'), 'sessions/has space'), valid));
    });
    it('never lets a session be read, updated or deleted by a client', async () => {
      await assertFails(getDoc(doc(as('ada'), 'sessions/existing')));
      await assertFails(updateDoc(doc(as('ada'), 'sessions/existing'), { durationMinutes: 1 }));
      await assertFails(deleteDoc(doc(as('ada'), 'sessions/existing')));
    });
  });

  it('denies everything else, including users/{userId}', async () => {
    await assertFails(getDoc(doc(as('ada'), 'users/ada')));
    await assertFails(setDoc(doc(as('ada'), 'users/ada'), { timezone: 'UTC' }));
    await assertFails(setDoc(doc(as('ada'), 'friends/x'), { a: 1 }));
  });
});
