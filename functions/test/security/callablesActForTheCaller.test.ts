import { capturedLogs } from '../support/captureLogs';
import functionsTest from 'firebase-functions-test';
import * as deployed from '../../src/index';
import { setRuntime } from '../../src/runtime';
import { useTestRuntime } from '../support/callableTestRuntime';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { rowsAbout as countRowsAbout } from '../support/tableRows';

// No callable acts for anyone but the signed-in caller: the user is the token's uid, and a field that
// names another user is refused before anything is written. Also: what the logs never hold.
const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const NOW = '2025-03-10T12:00:00Z';
const VICTIM = 'victim-uid';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.SECRET-ID-TOKEN.signature';
const EMAIL = 'mallory@example.com';
const BODY_MARKER = 'BODY-MARKER-7f3a';

/** A valid request of every deployed callable; a callable missing here fails the first spec. */
const validRequests: Record<string, Record<string, unknown>> = {
  acceptFocusSession: { sessionId: 's-1', startTime: '2025-03-09T09:00:00Z', endTime: '2025-03-09T09:45:00Z', timezone: 'UTC' },
  getMyStreak: {},
  addFriend: { friendId: 'a-friend' },
  removeFriend: { friendId: 'a-friend' },
  setDayStart: { minutes: 240 },
  getFriends: {},
  getFriendsLeaderboard: { limit: 10, by: 'streak' },
  exportMyData: {},
  deleteMyData: { confirm: true },
};
const OTHER_USER_FIELDS = ['userId', 'uid', 'user_id', 'owner', 'auth'];

const callableNames = Object.entries(deployed)
  .filter(([, fn]) => (fn as { __endpoint?: { callableTrigger?: unknown } }).__endpoint?.callableTrigger !== undefined)
  .map(([name]) => name)
  .sort();

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  useTestRuntime(db, NOW);
});
afterAll(async () => {
  setRuntime(undefined);
  fft.cleanup();
  await db.close();
});

const asMallory = () => ({
  auth: { uid: 'mallory', token: { uid: 'mallory', sub: 'mallory', email: EMAIL, firebase: { sign_in_provider: 'password' } } },
  rawRequest: { headers: { authorization: `Bearer ${TOKEN}` }, body: { data: {} } },
});
const call = (name: string, data: unknown) => fft.wrap((deployed as unknown as Record<string, never>)[name])({ data, ...asMallory() } as never) as Promise<unknown>;

const rowsAbout = (uid: string) => countRowsAbout(db.pool, uid);

describe('callables act only for the caller', () => {
  it('knows a valid request for every deployed callable', () => {
    expect(callableNames).toEqual(Object.keys(validRequests).sort());
  });

  it.each(callableNames.flatMap((name) => OTHER_USER_FIELDS.map((field) => [name, field] as const)))(
    '%s refuses a request naming another user in %s, and writes nothing about them',
    async (name, field) => {
      await expect(call(name, { ...validRequests[name], [field]: VICTIM })).rejects.toMatchObject({ code: 'invalid-argument' });
      expect(await rowsAbout(VICTIM)).toBe(0);
    },
  );

  it('writes a valid request under the caller\'s uid only', async () => {
    await call('acceptFocusSession', validRequests.acceptFocusSession);
    expect(await rowsAbout('mallory')).toBeGreaterThan(0);
    expect(await rowsAbout(VICTIM)).toBe(0);
  });
});

describe('what the logs never hold', () => {
  beforeEach(() => capturedLogs.start());
  afterEach(() => void capturedLogs.stop());

  const expectClean = () => {
    const text = capturedLogs.stop().join('\n');
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(BODY_MARKER);
  };

  it('logs a rejected request without the ID token, the email or the body', async () => {
    await expect(call('acceptFocusSession', { ...validRequests.acceptFocusSession, startTime: BODY_MARKER, note: BODY_MARKER })).rejects.toMatchObject({ code: 'invalid-argument' });
    expectClean();
  });

  it('logs a conflicting duplicate without them', async () => {
    await call('acceptFocusSession', { ...validRequests.acceptFocusSession, sessionId: 'dup-1' });
    capturedLogs.start();
    await expect(call('acceptFocusSession', { ...validRequests.acceptFocusSession, sessionId: 'dup-1', endTime: '2025-03-09T09:50:00Z' })).rejects.toMatchObject({ code: 'already-exists' });
    expectClean();
  });

  it('logs an unexpected failure without them', async () => {
    const runtime = useTestRuntime(db, NOW);
    setRuntime({ ...runtime, db: { ...db, pool: new Proxy(db.pool, { get: () => () => Promise.reject(new Error("boom")) }) } } as never);
    try {
      await expect(call('getMyStreak', {})).rejects.toMatchObject({ code: 'internal' });
      expectClean();
    } finally {
      useTestRuntime(db, NOW);
    }
  });
});
