import functionsTest from 'firebase-functions-test';
import { sql } from 'slonik';
import { z } from 'zod';
import { logs } from '../../src/callables/logs';
import { readConfig } from '../../src/config';
import { connect } from '../../src/db/pool';
import { takeRateToken } from '../../src/db/rateLimits';
import { RateLimitedError } from '../../src/db/RateLimitedError';
import type { UserDirectory } from '../../src/firebase/auth';
import { acceptFocusSession, addFriend, removeFriend } from '../../src/index';
import { setRuntime } from '../../src/runtime';
import { useTestRuntime } from '../support/callableTestRuntime';
import { silenceLogs } from '../support/silenceLogs';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const wrapped = { acceptFocusSession: fft.wrap(acceptFocusSession), addFriend: fft.wrap(addFriend), removeFriend: fft.wrap(removeFriend) };
const NOW = '2025-03-10T12:00:00Z';
const asUser = (uid: string) => ({ uid, token: { uid, sub: uid, firebase: { sign_in_provider: 'password' } } as never });
const call = (name: keyof typeof wrapped, uid: string, data: unknown) =>
  wrapped[name]({ data, auth: asUser(uid) } as never) as Promise<Record<string, unknown>>;
const session = (id: string, day = 9) => ({
  sessionId: id,
  startTime: `2025-03-0${day}T09:00:00-04:00`,
  endTime: `2025-03-0${day}T09:45:00-04:00`,
  timezone: 'America/New_York',
});
const directory: UserDirectory = { exists: async () => true };

let db: TestDatabase;
let seq = 0;
const uniqueUser = () => `rl-${process.pid}-${++seq}`;
/** Handlers read these limits: a burst of 3, then one call a minute (friends: burst 2). */
const useLimits = (env: Record<string, string> = {}) => {
  const runtime = useTestRuntime(db, NOW);
  setRuntime({
    ...runtime,
    users: directory,
    config: readConfig({
      ...process.env, PUBLISH_TIMEOUT_MS: '200',
      ACCEPT_RATE_PER_MINUTE: '1', ACCEPT_RATE_BURST: '3', FRIENDS_RATE_PER_MINUTE: '1', FRIENDS_RATE_BURST: '2', ...env,
    }),
  });
};
const sessionCount = (uid: string) =>
  db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from focus_sessions where user_id = ${uid}`);

beforeAll(async () => {
  db = await createTestDatabase();
});
beforeEach(() => {
  silenceLogs(logs);
  useLimits();
});
afterEach(() => jest.restoreAllMocks());
afterAll(async () => {
  setRuntime(undefined);
  fft.cleanup();
  await db.close();
});

describe('per-user rate limit of acceptFocusSession', () => {
  it('answers resource-exhausted with an integer details.retryAfterSeconds past the burst, and stores nothing', async () => {
    const uid = uniqueUser();
    for (let i = 0; i < 3; i++) await expect(call('acceptFocusSession', uid, session(`s${i}`))).resolves.toMatchObject({ accepted: true });
    const refused = await call('acceptFocusSession', uid, session('s3')).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'resource-exhausted' });
    const { retryAfterSeconds } = (refused as { details: { retryAfterSeconds: number } }).details;
    expect(Number.isInteger(retryAfterSeconds)).toBe(true);
    // One call a minute: the next token is about a minute away.
    expect(retryAfterSeconds).toBeGreaterThanOrEqual(55);
    expect(retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(await sessionCount(uid)).toBe(3);
  });

  it('never affects another user: one user hammering is refused while another user\'s calls succeed', async () => {
    const hammer = uniqueUser();
    const other = uniqueUser();
    const hammered = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => call('acceptFocusSession', hammer, session(`h${i}`))));
    const meanwhile = await Promise.all([1, 2, 3].map((i) => call('acceptFocusSession', other, session(`o${i}`, i + 1))));
    expect(hammered.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(hammered.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(17).fill('resource-exhausted'));
    expect(meanwhile.every((r) => r.accepted === true)).toBe(true);
    expect(await sessionCount(hammer)).toBe(3);
    expect(await sessionCount(other)).toBe(3);
  });

  it('charges a duplicate retry and a conflicting sessionId a token, and an invalid session none (it never reaches SQL)', async () => {
    const uid = uniqueUser();
    await call('acceptFocusSession', uid, session('a'));
    for (let i = 0; i < 5; i++) await expect(call('acceptFocusSession', uid, { ...session('bad'), timezone: 'Mars/Olympus' })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(call('acceptFocusSession', uid, session('a'))).resolves.toMatchObject({ accepted: false });
    await expect(call('acceptFocusSession', uid, session('a', 8))).rejects.toMatchObject({ code: 'already-exists' });
    await expect(call('acceptFocusSession', uid, session('b'))).rejects.toMatchObject({ code: 'resource-exhausted' });
  });

  it('refills at the sustained rate', async () => {
    useLimits({ ACCEPT_RATE_PER_MINUTE: '60', ACCEPT_RATE_BURST: '1' });
    const uid = uniqueUser();
    await call('acceptFocusSession', uid, session('r1'));
    await expect(call('acceptFocusSession', uid, session('r2'))).rejects.toMatchObject({ code: 'resource-exhausted', details: { retryAfterSeconds: 1 } });
    await new Promise((r) => setTimeout(r, 1100));
    await expect(call('acceptFocusSession', uid, session('r2'))).resolves.toMatchObject({ accepted: true });
  });
});

describe('per-user rate limit of the friend callables', () => {
  it('limits addFriend and removeFriend each in its own bucket, before any lookup or write', async () => {
    const uid = uniqueUser();
    const lookups = jest.spyOn(directory, 'exists');
    await call('addFriend', uid, { friendId: 'f-1' });
    await call('addFriend', uid, { friendId: 'f-2' });
    await expect(call('addFriend', uid, { friendId: 'f-3' })).rejects.toMatchObject({ code: 'resource-exhausted', details: { retryAfterSeconds: expect.any(Number) } });
    expect(lookups).toHaveBeenCalledTimes(2);
    await expect(call('removeFriend', uid, { friendId: 'f-1' })).resolves.toMatchObject({ status: 'none' });
    const outgoing = await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      select count(*)::int as n from friend_requests where requester_id = ${uid}`);
    expect(outgoing).toBe(1);
    // Another user's bucket is full.
    await expect(call('addFriend', uniqueUser(), { friendId: uid })).resolves.toMatchObject({ status: 'requested' });
  });
});

describe('the bucket lives in PostgreSQL', () => {
  it('is shared by every instance: tokens taken through one pool are gone for another', async () => {
    const config = readConfig({ ...process.env, DB_POOL_SIZE: '2' }).database;
    const second = await connect(config, db.url, 'second instance');
    try {
      const uid = uniqueUser();
      const limit = { action: 'acceptFocusSession', perMinute: 1, burst: 2 };
      await takeRateToken(db.pool, uid, limit);
      await takeRateToken(second.pool, uid, limit);
      await expect(takeRateToken(db.pool, uid, limit)).rejects.toBeInstanceOf(RateLimitedError);
      await expect(takeRateToken(second.pool, uid, limit)).rejects.toMatchObject({ retryAfterSeconds: expect.any(Number) });
    } finally {
      await second.close();
    }
  });
});
