import functionsTest from 'firebase-functions-test';
import { sql } from 'slonik';
import { logs as accountLogs } from '../../src/account/logs';
import { acceptSession } from '../../src/accept/acceptSession';
import { handleAuthUserDeleted } from '../../src/authEvents/handleAuthUserDeleted';
import { handleLegacySession } from '../../src/bridge/handleLegacySession';
import { logs as bridgeLogs } from '../../src/bridge/logs';
import { logs } from '../../src/callables/logs';
import { readConfig } from '../../src/config';
import { isDeletedUserRefusal } from '../../src/db/deletedUsers';
import { connect, type Database } from '../../src/db/pool';
import type { UserDirectory } from '../../src/firebase/auth';
import { acceptFocusSession, addFriend, deleteMyData, getFriends, removeFriend } from '../../src/index';
import { getRuntime, setRuntime } from '../../src/runtime';
import { insertSessionBatch } from '../../src/ingest/sessionBatch';
import { useTestRuntime } from '../support/callableTestRuntime';
import { silenceLogs } from '../support/silenceLogs';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';
import { rowsAbout as countRowsAbout } from '../support/tableRows';

// An account deleted in Firebase Auth refuses every writer for its uid from the deletion on, although
// an ID token stays valid for up to an hour after it: the callables, the friend calls, the bridge and
// the backfill store nothing for it again, and the database itself refuses its rows. deleteMyData on a
// live account keeps the user's right to record again.

const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const wrapped = {
  acceptFocusSession: fft.wrap(acceptFocusSession),
  addFriend: fft.wrap(addFriend),
  removeFriend: fft.wrap(removeFriend),
  getFriends: fft.wrap(getFriends),
  deleteMyData: fft.wrap(deleteMyData),
};
type Name = keyof typeof wrapped;
const HOUR = 3_600_000;
const asUser = (uid: string) => ({ uid, token: { uid, sub: uid, firebase: { sign_in_provider: 'password' } } as never });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const call = <T = any>(name: Name, uid: string, data: unknown) => wrapped[name]({ data, auth: asUser(uid) } as never) as Promise<T>;
/** Firebase Auth still answers "exists" for every uid: the race where the lookup ran before the deletion. */
const everyoneExists: UserDirectory = { exists: async () => true };

let db: TestDatabase;
let runtime: ReturnType<typeof useTestRuntime>;
beforeAll(async () => {
  db = await createTestDatabase();
});
beforeEach(() => {
  silenceLogs(logs);
  silenceLogs(accountLogs);
  silenceLogs(bridgeLogs);
  // The database's clock dates the deletion, so the handlers run on the real clock too: "after the deletion" is real.
  runtime = useTestRuntime(db, new Date().toISOString());
  setRuntime({ ...runtime, users: everyoneExists, accountDocuments: null });
});
afterEach(() => jest.restoreAllMocks());
afterAll(async () => {
  setRuntime(undefined);
  fft.cleanup();
  await db.close();
});

let seq = 0;
const session = (date: string) => ({ sessionId: `g${++seq}`, startTime: `${date}T08:00:00Z`, endTime: `${date}T08:40:00Z`, timezone: 'UTC' });
const rowsAbout = (uid: string) => countRowsAbout(db.pool, uid);
const goneAccount = async (uid: string) => {
  await call('acceptFocusSession', uid, session('2025-03-14'));
  await handleAuthUserDeleted({ uid });
  expect(await rowsAbout(uid)).toBe(0);
};
const legacyCreated = (path: string, data: Record<string, unknown>) =>
  handleLegacySession(
    { data: { data: () => data, ref: { path } }, params: { sessionId: path.split('/').pop()! }, time: new Date(runtime.now()).toISOString() },
    { runtime: getRuntime, legacyUserTimeZone: async () => null },
  );

describe('after the Firebase Auth account is deleted, its still-valid ID token writes nothing', () => {
  it('acceptFocusSession answers permission-denied (account_deleted), even for a session that starts after the deletion, and stores nothing', async () => {
    await goneAccount('gone-a');
    await expect(call('acceptFocusSession', 'gone-a', session('2025-03-16'))).rejects.toMatchObject({ code: 'permission-denied', details: { reason: 'account_deleted' } });
    await expect(call('acceptFocusSession', 'gone-a', { ...session('2025-03-16'), sessionId: 'again' })).rejects.toMatchObject({ code: 'permission-denied' });
    expect(await rowsAbout('gone-a')).toBe(0);
  });

  it('addFriend and removeFriend answer permission-denied for it, and addFriend naming it answers not-found, even when Firebase Auth still said it exists', async () => {
    await goneAccount('gone-f');
    await call('acceptFocusSession', 'live-f', session('2025-03-14'));
    await expect(call('addFriend', 'gone-f', { friendId: 'live-f' })).rejects.toMatchObject({ code: 'permission-denied', details: { reason: 'account_deleted' } });
    await expect(call('removeFriend', 'gone-f', { friendId: 'live-f' })).rejects.toMatchObject({ code: 'permission-denied' });
    await expect(call('addFriend', 'live-f', { friendId: 'gone-f' })).rejects.toMatchObject({ code: 'not-found', details: { friendId: 'gone-f' } });
    expect(await call('getFriends', 'live-f', {})).toEqual({ friends: [], incoming: [], outgoing: [] });
    expect(await rowsAbout('gone-f')).toBe(0);
  });

  it('the bridge rejects its legacy documents as deleted_user, whenever they start, and keeps nothing of them', async () => {
    await goneAccount('gone-b');
    // Recorded after the deletion: the legacy rule alone (start before the deletion) would take it.
    const start = Date.now() + 1000;
    runtime.setNow(new Date(start + 41 * 60_000).toISOString());
    await expect(legacyCreated('sessions/gone-b-new', { userId: 'gone-b', startTime: new Date(start).toISOString(), endTime: new Date(start + 40 * 60_000).toISOString(), timezone: 'UTC' })).resolves.toEqual({ status: 'rejected', reason: 'deleted_user' });
    expect(await rowsAbout('gone-b')).toBe(0);
    expect(await db.pool.one(sql.unsafe`select reason, raw from backfill_rejects where document_path = 'sessions/gone-b-new'`)).toEqual({ reason: 'deleted_user', raw: null });
  });

  it('a backfill batch skips its sessions, whenever they start, as deleted_user', async () => {
    await goneAccount('gone-s');
    const after = Date.now() + HOUR;
    const outcome = await db.pool.transaction((tx) =>
      insertSessionBatch(tx, [{ path: 'sessions/gone-s-1', sessionId: 'gone-s-1', userId: 'gone-s', startMs: after, endMs: after + 40 * 60_000, timeZone: 'UTC' }]),
    );
    expect(outcome.inserted).toEqual([]);
    expect(outcome.conflicts.map((c) => [c.path, c.reason, c.raw])).toEqual([['sessions/gone-s-1', 'deleted_user', null]]);
    expect(await rowsAbout('gone-s')).toBe(0);
  });

  it('the database refuses its users, streak and session rows from any writer (a backfill session row is skipped)', async () => {
    await goneAccount('gone-d');
    const attempt = (statement: ReturnType<typeof sql.unsafe>) => db.pool.query(statement).then(() => 'stored', (error: unknown) => (isDeletedUserRefusal(error) ? 'refused' : String(error)));
    const sessionRow = (id: string, source: string) =>
      sql.unsafe`insert into focus_sessions (user_id, session_id, start_time, end_time, timezone, source) values ('gone-d', ${id}, now() + interval '1 hour', now() + interval '2 hours', 'UTC', ${source})`;
    expect(await attempt(sql.unsafe`insert into users (id) values ('gone-d')`)).toBe('refused');
    expect(await attempt(sql.unsafe`insert into user_streaks (user_id) values ('gone-d')`)).toBe('refused');
    expect(await attempt(sessionRow('via-callable', 'callable'))).toBe('refused');
    expect(await attempt(sessionRow('via-bridge', 'bridge'))).toBe('refused');
    await attempt(sessionRow('via-backfill', 'backfill'));
    expect(await rowsAbout('gone-d')).toBe(0);
  });

  it('deleteMyData on a live account keeps today\'s rule: the user records again, above the floor', async () => {
    await call('acceptFocusSession', 'live-d', session('2025-03-14'));
    await call('deleteMyData', 'live-d', { confirm: true });
    await expect(call('acceptFocusSession', 'live-d', session('2025-03-16'))).resolves.toMatchObject({ accepted: true, streak: { version: 2 } });
    // Deleting the account afterwards makes the refusal permanent; a later deleteMyData never lifts it.
    await handleAuthUserDeleted({ uid: 'live-d' });
    await call('deleteMyData', 'live-d', { confirm: true });
    await expect(call('acceptFocusSession', 'live-d', session('2025-03-15'))).rejects.toMatchObject({ code: 'permission-denied' });
  });
});

if (usesEmbeddedDatabase) console.info('accountGone.test.ts: the race with the Auth deletion is skipped on the embedded database (one backend, nothing races there); set DATABASE_URL to run it');

(usesEmbeddedDatabase ? describe.skip : describe)('accepts racing the Auth account deletion (real PostgreSQL)', () => {
  let instances: Database[] = [];
  beforeAll(async () => {
    const config = readConfig({ ...process.env, DB_POOL_SIZE: '6' }).database;
    instances = await Promise.all([1, 2, 3].map((i) => connect(config, db.url, `instance ${i}`)));
  });
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.close()));
  });

  it.each([0, 5, 20])('leave nothing behind: each accept committed before the deletion (and was deleted) or was refused (deletion once %i accepts committed)', async (deleteAfter) => {
    const uid = `racer-gone-${deleteAfter}`;
    const start = Date.parse('2025-01-01T08:00:00Z');
    const accept = (i: number) =>
      acceptSession(instances[i % 2]!.pool, { userId: uid, sessionId: `r${i}`, session: { startMs: start + i * 86_400_000, endMs: start + i * 86_400_000 + 40 * 60_000, timeZone: 'UTC' }, source: 'callable' }, { qualifySeconds: 1800 });
    let committed = 0;
    let go!: () => void;
    const deletion = new Promise<void>((resolve) => (go = resolve)).then(() =>
      handleAuthUserDeleted({ uid }, { runtime: async () => ({ ...(await getRuntime()), db: instances[2]! }) }),
    );
    if (deleteAfter === 0) go();
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        accept(i).then(
          () => {
            if (++committed === deleteAfter) go();
            return 'accepted';
          },
          (error: Error) => error.name,
        ),
      ),
    );
    await deletion;
    expect(await rowsAbout(uid)).toBe(0);
    // What failed was refused as a deleted account, nothing else.
    expect(new Set(outcomes.filter((o) => o !== 'accepted'))).toEqual(new Set(outcomes.some((o) => o !== 'accepted') ? ['AccountDeletedError'] : []));
    await expect(accept(99)).rejects.toMatchObject({ name: 'AccountDeletedError' });
    console.info(`accepts racing the Auth deletion (deletion once ${deleteAfter} committed): ${outcomes.filter((o) => o === 'accepted').length}/40 committed before it and were deleted, the rest refused; nothing remains`);
  });
});
