import functionsTest from 'firebase-functions-test';
import { sql } from 'slonik';
import { z } from 'zod';
import { DOCUMENTS_BACKOFF } from '../../src/account/deleteAccount';
import { finishAccountDeletions } from '../../src/account/finishAccountDeletions';
import { logs as accountLogs } from '../../src/account/logs';
import { handleLegacySession } from '../../src/bridge/handleLegacySession';
import { logs as bridgeLogs } from '../../src/bridge/logs';
import { logs } from '../../src/callables/logs';
import { deleteUserData } from '../../src/db/accountData';
import type { AccountDocuments } from '../../src/firebase/accountDocuments';
import { acceptFocusSession, deleteMyData } from '../../src/index';
import { InMemoryStreakStore } from '../../src/projection/InMemoryStreakStore';
import { getRuntime, setRuntime } from '../../src/runtime';
import { useTestRuntime } from '../support/callableTestRuntime';
import { silenceLogs } from '../support/silenceLogs';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// The Firestore half of a deletion happens whatever the client does: the deletion records it in its own
// SQL transaction, the caller tries it at once, and the scheduled finishAccountDeletions finishes what
// is left, with attempts and backoff. A legacy document the bridge refuses as deleted_user is deleted too.

const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const wrapped = { acceptFocusSession: fft.wrap(acceptFocusSession), deleteMyData: fft.wrap(deleteMyData) };
const asUser = (uid: string) => ({ uid, token: { uid, sub: uid, firebase: { sign_in_provider: 'password' } } as never });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const call = <T = any>(name: keyof typeof wrapped, uid: string, data: unknown) => wrapped[name]({ data, auth: asUser(uid) } as never) as Promise<T>;

/** Firestore's side of a deletion, in memory, that fails while `down`. */
class FlakyAccountDocuments implements AccountDocuments {
  readonly streaks = new InMemoryStreakStore();
  readonly legacySessions = new Map<string, number>();
  down = false;
  private check() {
    if (this.down) throw Object.assign(new Error('14 UNAVAILABLE: Firestore is down'), { code: 14 });
  }
  async deleteLegacy(userId: string) {
    this.check();
    const sessions = this.legacySessions.get(userId) ?? 0;
    this.legacySessions.delete(userId);
    return { sessions, user: false };
  }
  async countLegacy(userId: string) {
    return { sessions: this.legacySessions.get(userId) ?? 0, user: false };
  }
  async writeTombstone(userId: string, floor: number) {
    this.check();
    return this.streaks.writeTombstone(userId, floor);
  }
}

const pendingRow = z.object({ attempts: z.number(), lastError: z.string().nullable(), dueInMs: z.number(), requestedAt: z.string() });
let db: TestDatabase;
let documents: FlakyAccountDocuments;
beforeAll(async () => {
  db = await createTestDatabase();
});
beforeEach(() => {
  silenceLogs(logs);
  silenceLogs(accountLogs);
  silenceLogs(bridgeLogs);
  documents = new FlakyAccountDocuments();
  setRuntime({ ...useTestRuntime(db, new Date().toISOString()), accountDocuments: documents });
});
afterEach(() => jest.restoreAllMocks());
afterAll(async () => {
  setRuntime(undefined);
  fft.cleanup();
  await db.close();
});

const pending = (uid: string) =>
  db.pool.maybeOne(sql.type(pendingRow)`
    select attempts, last_error as "lastError", (extract(epoch from next_attempt_at - now()) * 1000)::float8 as "dueInMs", requested_at::text as "requestedAt"
    from pending_document_deletions where user_id = ${uid}`);
const makeDue = (uid: string) => db.pool.query(sql.unsafe`update pending_document_deletions set next_attempt_at = now() where user_id = ${uid}`);
const record = (uid: string, id: string) => call('acceptFocusSession', uid, { sessionId: id, startTime: '2025-03-10T08:00:00Z', endTime: '2025-03-10T08:40:00Z', timezone: 'UTC' });

describe('the Firestore half of a deletion is durable', () => {
  it('a Firestore failure after SQL leaves the work recorded (an attempt, the error, a backoff), and finishAccountDeletions finishes it without the client', async () => {
    await record('flaky', 'f1');
    documents.legacySessions.set('flaky', 2);
    documents.down = true;
    await expect(call('deleteMyData', 'flaky', { confirm: true })).rejects.toMatchObject({ code: 'unavailable' });
    const failed = await pending('flaky');
    expect(failed).toMatchObject({ attempts: 1, lastError: expect.stringContaining('UNAVAILABLE') });
    // Backed off by DOCUMENTS_BACKOFF's first step, not retried at once.
    expect(failed!.dueInMs).toBeGreaterThan(DOCUMENTS_BACKOFF.baseMs - 10_000);
    expect(failed!.dueInMs).toBeLessThanOrEqual(DOCUMENTS_BACKOFF.baseMs);
    await expect(finishAccountDeletions(db.pool, documents)).resolves.toMatchObject({ claimed: 0 });

    // The app never calls again; the job runs once the row is due.
    documents.down = false;
    await makeDue('flaky');
    await expect(finishAccountDeletions(db.pool, documents)).resolves.toMatchObject({ enabled: true, claimed: 1, done: 1, failed: 0 });
    expect(documents.legacySessions.has('flaky')).toBe(false);
    expect(documents.streaks.tombstone('flaky')).toEqual({ userId: 'flaky', version: 1, deleted: true });
    expect(await pending('flaky')).toBeNull();
  });

  it('records the work in the deletion transaction itself: a caller that dies right after SQL still gets it done', async () => {
    await record('vanished', 'v1');
    documents.legacySessions.set('vanished', 1);
    // Only the SQL step ran (the instance died before Firestore): the work is there, reserved for the caller a while.
    const sqlOnly = await deleteUserData(db.pool, 'vanished', { accountDeleted: false });
    expect(await pending('vanished')).toMatchObject({ attempts: 0, lastError: null, requestedAt: expect.any(String) });
    expect((await pending('vanished'))!.dueInMs).toBeGreaterThan(60_000);
    await makeDue('vanished');
    await expect(finishAccountDeletions(db.pool, documents)).resolves.toMatchObject({ done: 1 });
    expect(documents.streaks.tombstone('vanished')).toEqual({ userId: 'vanished', version: sqlOnly.versionFloor, deleted: true });
    expect(documents.legacySessions.has('vanished')).toBe(false);
  });

  it('each failed job attempt counts, keeps its error and waits twice as long; an older attempt never settles a later deletion of the same user', async () => {
    await record('stubborn', 's1');
    documents.down = true;
    await deleteUserData(db.pool, 'stubborn', { accountDeleted: false });
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await makeDue('stubborn');
      await expect(finishAccountDeletions(db.pool, documents)).resolves.toMatchObject({ claimed: 1, failed: 1 });
      const row = await pending('stubborn');
      expect(row).toMatchObject({ attempts: attempt, lastError: expect.stringContaining('UNAVAILABLE') });
      waits.push(Math.round(row!.dueInMs / 60_000));
    }
    expect(waits).toEqual([1, 2, 4]);

    // A later deletion asks again: the count starts over, and settling the earlier request changes nothing.
    const earlier = (await pending('stubborn'))!.requestedAt;
    await deleteUserData(db.pool, 'stubborn', { accountDeleted: false });
    const { settleDocumentDeletionDone } = await import('../../src/db/pendingDocumentDeletions');
    await settleDocumentDeletionDone(db.pool, 'stubborn', earlier);
    expect(await pending('stubborn')).toMatchObject({ attempts: 0 });
  });

  it('where Firestore is not configured the job claims nothing: the rows wait for a deployment that has it', async () => {
    await deleteUserData(db.pool, 'waiting', { accountDeleted: false });
    await makeDue('waiting');
    await expect(finishAccountDeletions(db.pool, null)).resolves.toMatchObject({ enabled: false, claimed: 0 });
    expect(await pending('waiting')).toMatchObject({ attempts: 0 });
  });
});

describe('a legacy document the bridge refuses as deleted_user', () => {
  it('is deleted from Firestore too, not only kept out of SQL', async () => {
    await record('legacy-gone', 'l1');
    await call('deleteMyData', 'legacy-gone', { confirm: true });
    const deleteDocument = jest.fn(async () => undefined);
    const start = Date.parse('2025-03-09T08:00:00Z');
    const data = { userId: 'legacy-gone', startTime: new Date(start).toISOString(), endTime: new Date(start + 40 * 60_000).toISOString(), timezone: 'UTC' };
    const outcome = await handleLegacySession(
      { data: { data: () => data, ref: { path: 'sessions/old-copy', delete: deleteDocument } }, params: { sessionId: 'old-copy' }, time: new Date().toISOString() },
      { runtime: getRuntime, legacyUserTimeZone: async () => null },
    );
    expect(outcome).toEqual({ status: 'rejected', reason: 'deleted_user' });
    expect(deleteDocument).toHaveBeenCalledTimes(1);
  });
});
