import functionsTest from 'firebase-functions-test';
import { sql } from 'slonik';
import { z } from 'zod';
import * as limited from '../../src/callables/limitedCall';
import { logs } from '../../src/callables/logs';
import { readConfig } from '../../src/config';
import { AuthUnavailableError, type UserDirectory } from '../../src/firebase/auth';
import { addFriend, getFriends, getFriendsLeaderboard, removeFriend } from '../../src/index';
import { setRuntime } from '../../src/runtime';
import { silenceLogs } from '../support/silenceLogs';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { useTestRuntime } from '../support/callableTestRuntime';

const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const wrapped = { addFriend: fft.wrap(addFriend), removeFriend: fft.wrap(removeFriend), getFriends: fft.wrap(getFriends), getFriendsLeaderboard: fft.wrap(getFriendsLeaderboard) };
type Name = keyof typeof wrapped;
const NOW = '2025-03-16T20:00:00Z';
const asUser = (uid: string) => ({ uid, token: { uid, sub: uid, firebase: { sign_in_provider: 'password' } } as never });
const call = <T = Record<string, unknown>>(name: Name, uid: string | null, data: unknown) =>
  wrapped[name]({ data, ...(uid ? { auth: asUser(uid) } : {}) } as never) as Promise<T>;

/** Firebase Auth as the tests see it: these uids exist. */
const KNOWN = new Set(['ann', 'ben', 'cat', 'dan', 'eve', 'p1', 'p2', 'p3', 'f1', 'f2', 'no-sessions']);
const lookups: string[] = [];
const directory: UserDirectory = {
  async exists(uid) {
    lookups.push(uid);
    return KNOWN.has(uid);
  },
};

let db: TestDatabase;
let runtime: ReturnType<typeof useTestRuntime>;
const useRuntime = (env: Record<string, string> = {}, users: UserDirectory | undefined = directory) => {
  runtime = useTestRuntime(db, NOW);
  setRuntime({ ...runtime, config: readConfig({ ...process.env, ...env }), users });
};
beforeAll(async () => {
  db = await createTestDatabase();
});
beforeEach(() => {
  silenceLogs(logs);
  useRuntime();
  lookups.length = 0;
});
afterEach(() => jest.restoreAllMocks());
afterAll(async () => {
  setRuntime(undefined);
  fft.cleanup();
  await db.close();
});

const rowCounts = () =>
  db.pool.one(sql.type(z.object({ friendships: z.number(), requests: z.number() }))`
    select (select count(*)::int from friendships) as friendships, (select count(*)::int from friend_requests) as requests`);

describe('friend callables: errors', () => {
  it.each(['addFriend', 'removeFriend', 'getFriends', 'getFriendsLeaderboard'] as const)('%s refuses a caller without auth as unauthenticated', async (name) => {
    await expect(call(name, null, name.endsWith('Friend') ? { friendId: 'ben' } : {})).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it.each([
    [{}, 'friendId', 'required'],
    [{ friendId: 42 }, 'friendId', 'invalid_type'],
    [{ friendId: '' }, 'friendId', 'too_short'],
    [{ friendId: 'x'.repeat(129) }, 'friendId', 'too_long'],
    [{ friendId: 'ben', userId: 'cat' }, 'userId', 'unknown_field'],
  ])('addFriend and removeFriend refuse %j as invalid-argument (%s: %s)', async (data, field, code) => {
    for (const name of ['addFriend', 'removeFriend'] as const) {
      await expect(call(name, 'ann', data)).rejects.toMatchObject({ code: 'invalid-argument', details: { issues: [expect.objectContaining({ field, code })] } });
    }
    expect(lookups).toEqual([]);
    expect(await rowCounts()).toEqual({ friendships: 0, requests: 0 });
  });

  it('refuses adding yourself as invalid-argument, without asking Firebase Auth', async () => {
    await expect(call('addFriend', 'ann', { friendId: 'ann' })).rejects.toMatchObject({
      code: 'invalid-argument',
      details: { issues: [{ field: 'friendId', code: 'self', message: expect.any(String) }] },
    });
    expect(lookups).toEqual([]);
  });

  it('answers not-found for a uid Firebase Auth does not know, and stores nothing about it', async () => {
    await expect(call('addFriend', 'ann', { friendId: 'ghost' })).rejects.toMatchObject({ code: 'not-found', details: { friendId: 'ghost' } });
    expect(lookups).toEqual(['ghost']);
    const ghostRows = await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from users where id = 'ghost'`);
    expect(ghostRows).toBe(0);
  });

  it('answers unavailable when Firebase Auth cannot answer', async () => {
    useRuntime({}, { exists: () => Promise.reject(new AuthUnavailableError('down')) });
    await expect(call('addFriend', 'ann', { friendId: 'ben' })).rejects.toMatchObject({ code: 'unavailable' });
    expect(logs.userLookupUnavailable).toHaveBeenCalledTimes(1);
  });

  it('answers unavailable, building no client, where neither the Auth emulator nor credentials are set', async () => {
    const env = { ...process.env };
    delete env.FIREBASE_AUTH_EMULATOR_HOST;
    delete env.GOOGLE_APPLICATION_CREDENTIALS;
    runtime = useTestRuntime(db, NOW);
    setRuntime({ ...runtime, config: readConfig({ ...env, GCLOUD_PROJECT: 'demo-focus-streaks' }), users: undefined });
    await expect(call('addFriend', 'ann', { friendId: 'ben' })).rejects.toMatchObject({ code: 'unavailable' });
    expect(logs.userLookupUnavailable).toHaveBeenCalledWith(expect.objectContaining({ fn: 'addFriend' }), expect.stringContaining('FIREBASE_AUTH_EMULATOR_HOST'));
  });
});

describe('friend callables: consent, step by step', () => {
  it('asks: ann requests ben', async () => {
    expect(await call('addFriend', 'ann', { friendId: 'ben' })).toEqual({ friendId: 'ben', status: 'requested', friends: 0 });
    expect(await call('addFriend', 'ann', { friendId: 'ben' })).toEqual({ friendId: 'ben', status: 'requested', friends: 0 });
    const annSees = await call<{ outgoing: { userId: string }[]; incoming: unknown[]; friends: unknown[] }>('getFriends', 'ann', {});
    expect(annSees).toEqual({ friends: [], incoming: [], outgoing: [{ userId: 'ben', requestedAt: expect.any(String) }] });
    expect(await call('getFriends', 'ben', {})).toEqual({ friends: [], incoming: [{ userId: 'ann', requestedAt: expect.any(String) }], outgoing: [] });
  });

  it('a request shows nobody on the boards: no yes, no streak', async () => {
    const board = await call<{ entries: { userId: string }[] }>('getFriendsLeaderboard', 'ann', {});
    expect(board.entries.map((e) => e.userId)).toEqual(['ann']);
  });

  it("accepts: ben's addFriend makes them friends both ways", async () => {
    expect(await call('addFriend', 'ben', { friendId: 'ann' })).toEqual({ friendId: 'ann', status: 'friends', friends: 1 });
    expect(await call('getFriends', 'ann', {})).toEqual({ friends: [{ userId: 'ben', since: expect.any(String) }], incoming: [], outgoing: [] });
    expect(await call('getFriends', 'ben', {})).toEqual({ friends: [{ userId: 'ann', since: expect.any(String) }], incoming: [], outgoing: [] });
    expect(await call('addFriend', 'ann', { friendId: 'ben' })).toEqual({ friendId: 'ben', status: 'friends', friends: 1 });
  });

  it('declines: cat asked ann, ann removes the request', async () => {
    await call('addFriend', 'cat', { friendId: 'ann' });
    expect(await call('removeFriend', 'ann', { friendId: 'cat' })).toEqual({ friendId: 'cat', status: 'none', friends: 1 });
    expect(await call('getFriends', 'cat', {})).toEqual({ friends: [], incoming: [], outgoing: [] });
  });

  it('cancels: ann asked dan, ann removes her own request', async () => {
    await call('addFriend', 'ann', { friendId: 'dan' });
    expect(await call('removeFriend', 'ann', { friendId: 'dan' })).toEqual({ friendId: 'dan', status: 'none', friends: 1 });
    expect(await call('getFriends', 'dan', {})).toEqual({ friends: [], incoming: [], outgoing: [] });
  });

  it('removes a friendship for both, and a second remove (or one of a stranger) is no error', async () => {
    expect(await call('removeFriend', 'ben', { friendId: 'ann' })).toEqual({ friendId: 'ann', status: 'none', friends: 0 });
    expect(await call('getFriends', 'ann', {})).toEqual({ friends: [], incoming: [], outgoing: [] });
    expect(await call('removeFriend', 'ben', { friendId: 'ann' })).toEqual({ friendId: 'ann', status: 'none', friends: 0 });
    expect(await call('removeFriend', 'ben', { friendId: 'ghost' })).toEqual({ friendId: 'ghost', status: 'none', friends: 0 });
    expect(await call('removeFriend', 'ben', { friendId: 'ben' })).toEqual({ friendId: 'ben', status: 'none', friends: 0 });
    expect(await rowCounts()).toEqual({ friendships: 0, requests: 0 });
  });

  it('befriends a user who never recorded a session', async () => {
    await call('addFriend', 'eve', { friendId: 'no-sessions' });
    expect(await call('addFriend', 'no-sessions', { friendId: 'eve' })).toEqual({ friendId: 'eve', status: 'friends', friends: 1 });
  });

  it('sends every friend callable, reads included, through limitedCall, the per-user seam', async () => {
    const seam = jest.spyOn(limited, 'limitedCall');
    await call('addFriend', 'p1', { friendId: 'p2' });
    await call('removeFriend', 'p1', { friendId: 'p2' });
    await call('getFriends', 'p1', {});
    await call('getFriendsLeaderboard', 'p1', {});
    expect(seam.mock.calls.map(([, context]) => context.fn)).toEqual(['addFriend', 'removeFriend', 'getFriends', 'getFriendsLeaderboard']);
  });
});

describe('friend callables: caps', () => {
  it('answers resource-exhausted past PENDING_REQUESTS_MAX and changes nothing', async () => {
    useRuntime({ PENDING_REQUESTS_MAX: '2' });
    await call('addFriend', 'f1', { friendId: 'p1' });
    await call('addFriend', 'f1', { friendId: 'p2' });
    await expect(call('addFriend', 'f1', { friendId: 'p3' })).rejects.toMatchObject({ code: 'resource-exhausted', details: { cap: 'pending_requests', limit: 2 } });
    const outgoing = (await call<{ outgoing: { userId: string }[] }>('getFriends', 'f1', {})).outgoing.map((r) => r.userId).sort();
    expect(outgoing).toEqual(['p1', 'p2']);
    // Repeating a pending request at the cap is still fine.
    expect(await call('addFriend', 'f1', { friendId: 'p2' })).toMatchObject({ status: 'requested' });
  });

  it('answers resource-exhausted past FRIENDS_MAX: the caller full, or the other user full', async () => {
    useRuntime({ FRIENDS_MAX: '1' });
    expect(await call('addFriend', 'p1', { friendId: 'f1' })).toMatchObject({ status: 'friends', friends: 1 }); // f1 asked p1 above
    await call('addFriend', 'f2', { friendId: 'p1' });
    await expect(call('addFriend', 'p1', { friendId: 'f2' })).rejects.toMatchObject({ code: 'resource-exhausted', details: { cap: 'friends', limit: 1 } });
    // A full user may still ask; the one who accepts is refused because the asker is full.
    expect(await call('addFriend', 'p1', { friendId: 'cat' })).toMatchObject({ status: 'requested' });
    await expect(call('addFriend', 'cat', { friendId: 'p1' })).rejects.toMatchObject({ code: 'resource-exhausted', details: { cap: 'friend_friends', limit: 1 } });
    expect(await call('getFriends', 'cat', {})).toEqual({ friends: [], incoming: [{ userId: 'p1', requestedAt: expect.any(String) }], outgoing: [] });
    expect(logs.friendCapReached).toHaveBeenCalledTimes(2);
  });
});

describe('getFriendsLeaderboard: the request', () => {
  it('takes limit 50 and by "streak" by default, and answers a user with no sessions with their own entry', async () => {
    expect(await call('getFriendsLeaderboard', 'dan', {})).toEqual({
      by: 'streak',
      weekStart: '2025-03-10',
      entries: [{ userId: 'dan', rank: 1, currentStreak: 0, longestStreak: 0, active: false, weekFocusMinutes: 0 }],
    });
    expect(await call('getFriendsLeaderboard', 'dan', { limit: 1, by: 'weekFocus' })).toMatchObject({ by: 'weekFocus' });
    expect(await call('getFriendsLeaderboard', 'dan', { limit: 100 })).toMatchObject({ by: 'streak' });
  });

  it.each([
    [{ limit: 0 }, 'limit', 'out_of_range'],
    [{ limit: 101 }, 'limit', 'out_of_range'],
    [{ limit: 2.5 }, 'limit', 'invalid_type'],
    [{ limit: '10' }, 'limit', 'invalid_type'],
    [{ by: 'minutes' }, 'by', 'invalid_value'],
    [{ by: 'streak', friendId: 'ben' }, 'friendId', 'unknown_field'],
  ])('refuses %j as invalid-argument (%s: %s)', async (data, field, code) => {
    await expect(call('getFriendsLeaderboard', 'dan', data)).rejects.toMatchObject({ code: 'invalid-argument', details: { issues: [expect.objectContaining({ field, code })] } });
  });

  it('getFriends takes no fields', async () => {
    await expect(call('getFriends', 'dan', { userId: 'ann' })).rejects.toMatchObject({ code: 'invalid-argument', details: { issues: [{ field: 'userId', code: 'unknown_field', message: expect.any(String) }] } });
  });
});
