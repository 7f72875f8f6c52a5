import functionsTest from 'firebase-functions-test';
import { HttpsError } from 'firebase-functions/https';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptFocusSession, getMyStreak } from '../../src/index';
import { setRuntime } from '../../src/runtime';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { useTestRuntime } from '../support/callableTestRuntime';

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
      timezone: null, streakExpiresAt: null, version: 0, active: false, freezesAvailable: 0, frozenDates: [], dayStartMinutes: 0,
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

describe('acceptFocusSession: identity and hostile input', () => {
  const callRaw = (uid: string, body: string) => {
    // As the HTTP layer parses the body, and as the callable SDK then copies it into request.data.
    const rawData = (JSON.parse(body) as { data: Record<string, unknown> }).data;
    const data: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rawData)) data[k] = v;
    return accept({ data, rawRequest: { body: { data: rawData } }, auth: asUser(uid) } as never) as Promise<{ accepted: boolean }>;
  };

  it('accepts another user\'s session under a sessionId already used, without telling either user anything', async () => {
    const first = await call('ida', { ...valid, sessionId: 'shared-id' });
    expect(first.accepted).toBe(true);
    const other = await call('mallory', { ...valid, sessionId: 'shared-id', endTime: '2025-03-09T09:10:00-04:00' });
    expect(other).toMatchObject({ accepted: true, streak: { userId: 'mallory', qualifiedDaysCount: 0 } });
    expect((await call('ida', { ...valid, sessionId: 'shared-id' })).accepted).toBe(false);
  });

  it.each([
    ['epoch seconds sent as milliseconds', { startTime: 1741510800, endTime: 1741513500 }],
    ['1999', { startTime: '1999-12-31T23:00:00Z', endTime: '1999-12-31T23:45:00Z' }],
    ['year 1', { startTime: '0001-01-01T00:00:00Z', endTime: '0001-01-01T00:45:00Z' }],
    ['the local-mean-time era', { startTime: '1890-06-01T10:00:00+00:09', endTime: '1890-06-01T10:45:00+00:09', timezone: 'Europe/Paris' }],
  ])('answers invalid-argument (before_2000), never internal, for a start in %s', async (_name, times) => {
    const before = await counts();
    await expect(call('flo', { ...valid, sessionId: 'old-1', ...times })).rejects.toMatchObject({
      code: 'invalid-argument',
      details: { issues: [expect.objectContaining({ field: 'startTime', code: 'before_2000' })] },
    });
    expect(await counts()).toEqual(before);
  });

  it.each(['US/Pacific-New', 'SystemV/AST4'])('answers invalid-argument (invalid_timezone) for %s, a zone the runtime knows and PostgreSQL does not', async (zone) => {
    expect(() => new Intl.DateTimeFormat('en-US', { timeZone: zone })).not.toThrow();
    const before = await counts();
    await expect(call('zed', { ...valid, sessionId: 'zone-1', timezone: zone })).rejects.toMatchObject({
      code: 'invalid-argument',
      details: { issues: [{ field: 'timezone', code: 'invalid_timezone', message: expect.any(String) }] },
    });
    expect(await counts()).toEqual(before);
  });

  it('stores a zone in one spelling, so a case change is neither a conflict nor a new version', async () => {
    const first = await call('yan', { ...valid, sessionId: 'case-1', timezone: 'america/new_york' });
    expect(first.streak).toMatchObject({ timezone: 'America/New_York', version: 1 });
    const retry = await call('yan', { ...valid, sessionId: 'case-1', timezone: 'AMERICA/NEW_YORK' });
    expect(retry).toMatchObject({ accepted: false, streak: { version: 1 } });
    const next = await call('yan', { ...valid, sessionId: 'case-2', startTime: '2025-03-09T10:00:00-04:00', endTime: '2025-03-09T10:05:00-04:00', timezone: 'America/New_York' });
    expect(next.streak).toMatchObject({ timezone: 'America/New_York', version: 1 });
    const zones = await db.pool.anyFirst(sql.type(z.object({ timezone: z.string() }))`select timezone from focus_sessions where user_id = 'yan'`);
    expect(new Set(zones)).toEqual(new Set(['America/New_York']));
  });

  it('rejects an own __proto__ key as an unknown field, whatever its value, and stores nothing', async () => {
    const before = await counts();
    for (const value of ['{}', 'null', '"x"', '1', '{"userId":"alice"}']) {
      const body = `{"data":{"sessionId":"proto-1","startTime":"${valid.startTime}","endTime":"${valid.endTime}","timezone":"${valid.timezone}","__proto__":${value}}}`;
      await expect(callRaw('pat', body)).rejects.toMatchObject({
        code: 'invalid-argument',
        details: { issues: expect.arrayContaining([{ field: '__proto__', code: 'unknown_field', message: expect.any(String) }]) },
      });
    }
    await expect(myStreak({ data: {}, rawRequest: { body: JSON.parse('{"data":{"__proto__":{}}}') }, auth: asUser('pat') } as never)).rejects.toMatchObject({
      code: 'invalid-argument',
      details: { issues: [{ field: '__proto__', code: 'unknown_field' }] },
    });
    expect(await counts()).toEqual(before);
  });

  it('lists at most 100 issues and says how many were left out', async () => {
    const data: Record<string, unknown> = { ...valid, sessionId: 'many-keys' };
    for (let i = 0; i < 10_000; i++) data[`k${i}`] = i;
    const error = (await call('kim', data).catch((e: unknown) => e)) as HttpsError;
    expect(error).toBeInstanceOf(HttpsError);
    expect(error.code).toBe('invalid-argument');
    const details = error.details as { issues: unknown[]; omittedIssues: number };
    expect(details.issues).toHaveLength(100);
    expect(details.omittedIssues).toBe(9_900);
    expect(JSON.stringify(details).length).toBeLessThan(20_000);
  });
});
