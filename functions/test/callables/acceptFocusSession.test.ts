import functionsTest from 'firebase-functions-test';
import { HttpsError } from 'firebase-functions/https';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptFocusSession, getMyStreak } from '../../src/index';
import { setRuntime } from '../../src/runtime';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { useTestRuntime } from './callableTestRuntime';

const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const accept = fft.wrap(acceptFocusSession);
const myStreak = fft.wrap(getMyStreak);
const NOW = '2025-03-10T12:00:00Z';
const asUser = (uid: string) => ({ uid, token: { uid, sub: uid, firebase: { sign_in_provider: 'password' } } as never });
const call = (uid: string | null, data: unknown) =>
  accept({ data, ...(uid ? { auth: asUser(uid) } : {}) } as never) as Promise<{ accepted: boolean; streak: Record<string, unknown> }>;

let db: TestDatabase;
let runtime: ReturnType<typeof useTestRuntime>;
beforeAll(async () => {
  db = await createTestDatabase();
  runtime = useTestRuntime(db, NOW);
});
afterAll(async () => {
  setRuntime(undefined);
  fft.cleanup();
  await db.close();
});

const counts = () =>
  db.pool.one(sql.type(z.object({ users: z.number(), sessions: z.number(), outbox: z.number(), days: z.number() }))`
    select (select count(*)::int from users) as users, (select count(*)::int from focus_sessions) as sessions,
           (select count(*)::int from streak_outbox) as outbox, (select count(*)::int from daily_focus) as days`);

const valid = { sessionId: 'sess-1', startTime: '2025-03-09T09:00:00-04:00', endTime: '2025-03-09T09:45:00-04:00', timezone: 'America/New_York' };

describe('acceptFocusSession (wrapped v2 callable)', () => {
  it('rejects a caller without auth as unauthenticated', async () => {
    await expect(call(null, valid)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('stores the session for the uid from the token and publishes the new streak at once', async () => {
    const result = await call('alice', valid);
    expect(result).toEqual({
      accepted: true,
      streak: {
        userId: 'alice', currentStreak: 1, longestStreak: 1, lastQualifiedDate: '2025-03-09', qualifiedDaysCount: 1,
        timezone: 'America/New_York', streakExpiresAt: '2025-03-11T04:00:00.000Z', version: 1,
      },
    });
    expect(runtime.publisher.publishedFor('alice').map((e) => e.version)).toEqual([1]);
    const published = await db.pool.oneFirst(sql.type(z.object({ p: z.boolean() }))`
      select published_at is not null as p from streak_outbox where user_id = 'alice'`);
    expect(published).toBe(true);
  });

  it('answers a retry of the same session with accepted false and the same streak', async () => {
    const again = await call('alice', valid);
    expect(again.accepted).toBe(false);
    expect(again.streak).toMatchObject({ currentStreak: 1, version: 1 });
  });

  it('answers already-exists for the same sessionId with other times', async () => {
    await expect(call('alice', { ...valid, endTime: '2025-03-09T09:50:00-04:00' })).rejects.toMatchObject({ code: 'already-exists' });
  });

  it('never takes the user from the input', async () => {
    await expect(call('bob', { ...valid, sessionId: 'sess-bob', userId: 'alice' })).rejects.toMatchObject({
      code: 'invalid-argument',
      details: { issues: [{ field: 'userId', code: 'unknown_field', message: expect.any(String) }] },
    });
  });

  it('leaves the outbox row for the relay when Pub/Sub fails, and still answers', async () => {
    runtime.publisher.failNext(1);
    const result = await call('carol', { ...valid, sessionId: 'sess-carol' });
    expect(result.accepted).toBe(true);
    const pending = await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      select count(*)::int as n from streak_outbox where user_id = 'carol' and published_at is null`);
    expect(pending).toBe(1);
  });

  it('getMyStreak returns zeros, nulls and version 0 for a new user', async () => {
    await expect(myStreak({ data: {}, auth: asUser('nobody') } as never)).resolves.toEqual({
      userId: 'nobody', currentStreak: 0, longestStreak: 0, lastQualifiedDate: null, qualifiedDaysCount: 0,
      timezone: null, streakExpiresAt: null, version: 0, active: false,
    });
  });

  it('getMyStreak says whether the streak is alive in the user\'s zone now', async () => {
    runtime.setNow('2025-03-11T03:59:59Z');
    await expect(myStreak({ data: {}, auth: asUser('alice') } as never)).resolves.toMatchObject({ active: true, currentStreak: 1 });
    runtime.setNow('2025-03-11T04:00:00Z');
    await expect(myStreak({ data: {}, auth: asUser('alice') } as never)).resolves.toMatchObject({ active: false, currentStreak: 1 });
    runtime.setNow(NOW);
    await expect(myStreak({ data: {}, auth: null } as never)).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(myStreak({ data: { userId: 'alice' }, auth: asUser('bob') } as never)).rejects.toMatchObject({ code: 'invalid-argument' });
  });
});

describe('acceptFocusSession bad input corpus', () => {
  const long = 'x'.repeat(129);
  const corpus: Array<[string, unknown, string[]]> = [
    ['null data', null, ['(request)']],
    ['a string instead of an object', 'hello', ['(request)']],
    ['an array', [valid], ['(request)']],
    ['a number', 42, ['(request)']],
    ['an empty object', {}, ['sessionId', 'startTime', 'endTime', 'timezone']],
    ['missing sessionId', { ...valid, sessionId: undefined }, ['sessionId']],
    ['missing startTime', { ...valid, startTime: undefined }, ['startTime']],
    ['missing endTime', { ...valid, endTime: undefined }, ['endTime']],
    ['missing timezone', { ...valid, timezone: undefined }, ['timezone']],
    ['numeric sessionId', { ...valid, sessionId: 12345 }, ['sessionId']],
    ['empty sessionId', { ...valid, sessionId: '' }, ['sessionId']],
    ['sessionId with a slash', { ...valid, sessionId: 'a/b' }, ['sessionId']],
    ['sessionId with spaces', { ...valid, sessionId: 'a b' }, ['sessionId']],
    ['sessionId with unicode', { ...valid, sessionId: 'séance' }, ['sessionId']],
    ['sessionId of 129 characters', { ...valid, sessionId: long }, ['sessionId']],
    ['sessionId of a megabyte', { ...valid, sessionId: 'y'.repeat(1_000_000) }, ['sessionId']],
    ['boolean startTime', { ...valid, startTime: true }, ['startTime']],
    ['object startTime', { ...valid, startTime: { seconds: 1 } }, ['startTime']],
    ['array endTime', { ...valid, endTime: [1, 2] }, ['endTime']],
    ['null timezone', { ...valid, timezone: null }, ['timezone']],
    ['numeric timezone', { ...valid, timezone: 5 }, ['timezone']],
    ['unparsable startTime', { ...valid, startTime: 'yesterday' }, ['startTime']],
    ['ISO time without offset', { ...valid, startTime: '2025-03-09T09:00:00' }, ['startTime']],
    ['impossible date', { ...valid, startTime: '2025-02-30T09:00:00Z' }, ['startTime']],
    ['date only', { ...valid, endTime: '2025-03-09' }, ['endTime']],
    ['fractional epoch millis', { ...valid, startTime: 1741525200000.5 }, ['startTime']],
    ['NaN-like string epoch', { ...valid, startTime: 'NaN' }, ['startTime']],
    ['epoch seconds string', { ...valid, endTime: '1741527000' }, ['endTime']],
    ['end before start', { ...valid, endTime: '2025-03-09T08:00:00-04:00' }, ['endTime']],
    ['end equal to start', { ...valid, endTime: valid.startTime }, ['endTime']],
    ['25-hour session', { ...valid, startTime: '2025-03-08T08:00:00-05:00', endTime: '2025-03-09T10:00:00-04:00' }, ['endTime']],
    ['24 hours and a millisecond', { ...valid, startTime: 1741424400000, endTime: 1741424400000 + 86_400_001 }, ['endTime']],
    ['ends 6 minutes in the future', { ...valid, startTime: '2025-03-10T11:30:00Z', endTime: '2025-03-10T12:06:00Z' }, ['endTime']],
    ['far future session', { ...valid, startTime: '2030-01-01T00:00:00Z', endTime: '2030-01-01T01:00:00Z' }, ['endTime']],
    ['unknown zone', { ...valid, timezone: 'Mars/Olympus_Mons' }, ['timezone']],
    ['offset instead of a zone', { ...valid, timezone: '+05:00' }, ['timezone']],
    ['empty zone', { ...valid, timezone: '' }, ['timezone']],
    ['overlong zone', { ...valid, timezone: 'Europe/' + 'x'.repeat(100) }, ['timezone']],
    ['an extra field', { ...valid, durationMinutes: 45 }, ['durationMinutes']],
    ['a userId field', { ...valid, userId: 'mallory' }, ['userId']],
    ['several extra fields', { ...valid, a: 1, b: 2 }, ['a', 'b']],
    ['a huge extra payload', { ...valid, blob: 'z'.repeat(2_000_000) }, ['blob']],
    ['everything wrong at once', { sessionId: '', startTime: 'x', endTime: false, timezone: 'Nowhere' }, ['sessionId', 'startTime', 'endTime', 'timezone']],
  ];

  it('has at least 40 cases', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
  });

  it.each(corpus)('rejects %s with invalid-argument naming each bad field, writing nothing', async (_name, data, fields) => {
    const before = await counts();
    const error: HttpsError = await call('eve', data).then(
      () => {
        throw new Error('expected a rejection');
      },
      (e: HttpsError) => e,
    );
    expect(error).toBeInstanceOf(HttpsError);
    expect(error.code).toBe('invalid-argument');
    const issues = (error.details as { issues: Array<{ field: string; code: string; message: string }> }).issues;
    expect([...new Set(issues.map((i) => i.field))].sort()).toEqual([...fields].sort());
    for (const issue of issues) {
      expect(issue.code).toMatch(/^[a-z_]+$/);
      expect(issue.message.length).toBeGreaterThan(0);
    }
    expect(error.message).not.toMatch(/select|insert|stack|at .*\.ts/i);
    expect(await counts()).toEqual(before);
  });
});
