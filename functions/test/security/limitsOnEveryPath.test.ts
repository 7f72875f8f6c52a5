import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import functionsTest from 'firebase-functions-test';
import { sql } from 'slonik';
import { z } from 'zod';
import { logs as accountLogs } from '../../src/account/logs';
import { handleLegacySession, type LegacySessionEvent } from '../../src/bridge/handleLegacySession';
import { logs as bridgeLogs } from '../../src/bridge/logs';
import { logs } from '../../src/callables/logs';
import { readConfig } from '../../src/config';
import { acceptFocusSession, deleteMyData, exportMyData, getFriends, getFriendsLeaderboard, getMyStreak } from '../../src/index';
import { pruneTables } from '../../src/maintenance/pruneTables';
import { FirestoreStreakStore } from '../../src/projection/FirestoreStreakStore';
import { handleStreakMessage } from '../../src/projection/handleStreakMessage';
import { getRuntime, setRuntime } from '../../src/runtime';
import { useTestRuntime } from '../support/callableTestRuntime';
import { messageEvent } from '../support/messageEvent';
import { silenceLogs } from '../support/silenceLogs';
import { streakEvent } from '../support/streakEvent';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// Every path into the database is bounded per user: deleteMyData no longer refills the caller's
// buckets (limit state is pruned by age instead), the legacy bridge takes a `bridge` token per user
// and names the document's writer where the event says who wrote it, the read callables have a
// (larger) limit each, and the projector's conditional-write loop gives up after a few rounds.

const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const wrapped = {
  acceptFocusSession: fft.wrap(acceptFocusSession),
  deleteMyData: fft.wrap(deleteMyData),
  getMyStreak: fft.wrap(getMyStreak),
  getFriends: fft.wrap(getFriends),
  getFriendsLeaderboard: fft.wrap(getFriendsLeaderboard),
  exportMyData: fft.wrap(exportMyData),
};
type Name = keyof typeof wrapped;
const NOW = '2025-03-10T12:00:00Z';
const asUser = (uid: string) => ({ uid, token: { uid, sub: uid, firebase: { sign_in_provider: 'password' } } as never });
const call = (name: Name, uid: string, data: unknown) => wrapped[name]({ data, auth: asUser(uid) } as never) as Promise<Record<string, unknown>>;
const session = (id: string, day: number) => ({ sessionId: id, startTime: `2025-03-0${day}T09:00:00Z`, endTime: `2025-03-0${day}T09:45:00Z`, timezone: 'UTC' });

let db: TestDatabase;
let seq = 0;
const uniqueUser = () => `lim-${++seq}`;
const useLimits = (env: Record<string, string>) => {
  setRuntime({ ...useTestRuntime(db, NOW), accountDocuments: null, config: readConfig({ ...process.env, PUBLISH_TIMEOUT_MS: '200', ...env }) });
};
beforeAll(async () => {
  db = await createTestDatabase();
});
beforeEach(() => {
  silenceLogs(logs);
  silenceLogs(accountLogs);
  silenceLogs(bridgeLogs);
});
afterEach(() => jest.restoreAllMocks());
afterAll(async () => {
  setRuntime(undefined);
  fft.cleanup();
  await db.close();
});

describe('deleteMyData keeps the caller within their limits', () => {
  it('does not refill the acceptFocusSession bucket it found empty', async () => {
    useLimits({ ACCEPT_RATE_PER_MINUTE: '1', ACCEPT_RATE_BURST: '2' });
    const uid = uniqueUser();
    await call('acceptFocusSession', uid, session('a1', 1));
    await call('acceptFocusSession', uid, session('a2', 2));
    await expect(call('acceptFocusSession', uid, session('a3', 3))).rejects.toMatchObject({ code: 'resource-exhausted' });
    await call('deleteMyData', uid, { confirm: true });
    await expect(call('acceptFocusSession', uid, session('a4', 4))).rejects.toMatchObject({ code: 'resource-exhausted', details: { retryAfterSeconds: expect.any(Number) } });
  });

  it('is itself limited: its own bucket survives its deletion', async () => {
    useLimits({ MUTATION_RATE_PER_MINUTE: '1', MUTATION_RATE_BURST: '2' });
    const uid = uniqueUser();
    await call('deleteMyData', uid, { confirm: true });
    await call('deleteMyData', uid, { confirm: true });
    await expect(call('deleteMyData', uid, { confirm: true })).rejects.toMatchObject({ code: 'resource-exhausted' });
  });

  it('pruneTables deletes buckets idle for a day and keeps the others', async () => {
    await db.pool.query(sql.unsafe`
      insert into rate_limits (user_id, action, tokens, refilled_at) values
        ('idle-user', 'acceptFocusSession', 120, now() - interval '25 hours'),
        ('busy-user', 'acceptFocusSession', 3, now() - interval '1 minute')`);
    await pruneTables(db.pool, { retentionDays: 30 });
    const left = await db.pool.anyFirst(sql.type(z.object({ u: z.string() }))`select user_id as u from rate_limits where user_id in ('idle-user', 'busy-user') order by 1`);
    expect(left).toEqual(['busy-user']);
  });
});

describe('the legacy bridge is limited per user and binds the document to its writer', () => {
  const legacy = (uid: string, id: string, auth: Pick<LegacySessionEvent, 'authType' | 'authId'> = {}) => {
    const start = Date.parse('2025-03-09T08:00:00Z') + seq * 60_000;
    const data = { userId: uid, startTime: new Date(start).toISOString(), endTime: new Date(start + 30 * 60_000).toISOString(), timezone: 'UTC' };
    return handleLegacySession({ data: { data: () => data, ref: { path: `sessions/${id}` } }, params: { sessionId: id }, time: NOW, ...auth }, { runtime: getRuntime, legacyUserTimeZone: async () => null });
  };
  const rejectOf = (id: string) => db.pool.maybeOne(sql.type(z.object({ reason: z.string() }))`select reason from backfill_rejects where document_path = ${`sessions/${id}`}`);

  it('takes a bridge token per user: past the burst a document is rejected as rate_limited, and other users are not affected', async () => {
    useLimits({ BRIDGE_RATE_PER_MINUTE: '1', BRIDGE_RATE_BURST: '2' });
    const flooder = uniqueUser();
    const other = uniqueUser();
    await expect(legacy(flooder, `${flooder}-1`)).resolves.toMatchObject({ status: 'accepted' });
    await expect(legacy(flooder, `${flooder}-2`)).resolves.toMatchObject({ status: 'accepted' });
    await expect(legacy(flooder, `${flooder}-3`)).resolves.toEqual({ status: 'rejected', reason: 'rate_limited' });
    expect(await rejectOf(`${flooder}-3`)).toEqual({ reason: 'rate_limited' });
    await expect(legacy(other, `${other}-1`)).resolves.toMatchObject({ status: 'accepted' });
  });

  it('rejects a document whose writer, as the event names it, is not its userId (user_mismatch), and an unauthenticated one; a server writer or no auth context is left to the rules', async () => {
    useLimits({});
    const victim = uniqueUser();
    await expect(legacy(victim, `${victim}-forged`, { authType: 'unknown', authId: 'mallory' })).resolves.toEqual({ status: 'rejected', reason: 'user_mismatch' });
    await expect(legacy(victim, `${victim}-anon`, { authType: 'unauthenticated' })).resolves.toEqual({ status: 'rejected', reason: 'user_mismatch' });
    await expect(legacy(victim, `${victim}-own`, { authType: 'unknown', authId: victim })).resolves.toMatchObject({ status: 'accepted' });
    await expect(legacy(victim, `${victim}-tool`, { authType: 'service_account', authId: 'migrator@example.iam.gserviceaccount.com' })).resolves.toMatchObject({ status: 'accepted' });
    await expect(legacy(victim, `${victim}-plain`)).resolves.toMatchObject({ status: 'accepted' });
    const stored = await db.pool.anyFirst(sql.type(z.object({ id: z.string() }))`select session_id as id from focus_sessions where user_id = ${victim} order by 1`);
    expect(stored).toEqual([`${victim}-own`, `${victim}-plain`, `${victim}-tool`]);
  });
});

describe('the read callables are limited per user too', () => {
  it.each([
    ['getMyStreak', {}],
    ['getFriends', {}],
    ['getFriendsLeaderboard', {}],
    ['exportMyData', {}],
  ] as const)('%s answers resource-exhausted past READ_RATE_BURST, in a bucket of its own', async (name, data) => {
    useLimits({ READ_RATE_PER_MINUTE: '1', READ_RATE_BURST: '2' });
    const uid = uniqueUser();
    await call(name, uid, data);
    await call(name, uid, data);
    await expect(call(name, uid, data)).rejects.toMatchObject({ code: 'resource-exhausted', details: { retryAfterSeconds: expect.any(Number) } });
    // Each read callable has its own bucket, and the caller's writes are not affected.
    await call(name === 'getMyStreak' ? 'getFriends' : 'getMyStreak', uid, {});
    await expect(call('acceptFocusSession', uid, session('r1', 1))).resolves.toMatchObject({ accepted: true });
  });

  it('a read bucket is larger than a mutation bucket by default', () => {
    const config = readConfig({});
    expect(config.rateLimits.read.burst).toBeGreaterThan(config.rateLimits.accept.burst);
    expect(config.rateLimits.read.perMinute).toBeGreaterThan(config.rateLimits.accept.perMinute);
  });
});

describe("the projector's conditional write is bounded", () => {
  /** A streaks/{uid} that another writer changes between every read and write: no precondition ever holds. */
  function everRacedFirestore() {
    const attempts = { update: 0 };
    let version = 1;
    const ref = {
      get: async () => ({ exists: true, data: () => ({ userId: 'hot', version }), updateTime: Timestamp.fromMillis(version) }),
      create: async () => {
        throw Object.assign(new Error('already exists'), { code: 6 });
      },
      update: async () => {
        attempts.update++;
        // Today's loop never ends; stop it here so the spec fails instead of hanging.
        if (attempts.update > 100) throw new Error('still racing after 100 conditional writes');
        throw Object.assign(new Error('failed precondition'), { code: 9 });
      },
    };
    const firestore = { collection: () => ({ doc: () => ref }) } as unknown as Firestore;
    return { firestore, attempts };
  }

  it('gives up after a few rounds with a retryable error, so Pub/Sub delivers the message again later', async () => {
    const { firestore, attempts } = everRacedFirestore();
    const store = new FirestoreStreakStore(firestore, (d) => Timestamp.fromDate(d));
    await expect(store.writeIfNewer(streakEvent('hot', 2))).rejects.toMatchObject({ code: 'projection/contended', userId: 'hot', version: 2 });
    expect(attempts.update).toBeLessThanOrEqual(5);
    // The handler lets it through: the delivery is not acknowledged.
    await expect(handleStreakMessage(messageEvent(streakEvent('hot', 2)), { store: async () => store })).rejects.toMatchObject({ code: 'projection/contended' });
  });
});
