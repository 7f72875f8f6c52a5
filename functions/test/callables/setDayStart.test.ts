import functionsTest from 'firebase-functions-test';
import { sql } from 'slonik';
import { z } from 'zod';
import { logs as accountLogs } from '../../src/account/logs';
import { logs } from '../../src/callables/logs';
import { readConfig } from '../../src/config';
import { exportMyDataResponseSchema, setDayStartRequestSchema, setDayStartResponseSchema } from '../../src/contract/callables';
import { deleteUserData } from '../../src/db/accountData';
import { listAdjustments } from '../../src/db/streakAdjustments';
import { readStreak } from '../../src/db/userStreaks';
import { isDayStartMinutes } from '../../src/domain/dayStart';
import { acceptFocusSession, exportMyData, getMyStreak, setDayStart } from '../../src/index';
import { logs as outboxLogs } from '../../src/outbox/logs';
import { setRuntime } from '../../src/runtime';
import { useTestRuntime } from '../support/callableTestRuntime';
import { silenceLogs } from '../support/silenceLogs';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// setDayStart against a real PostgreSQL: the next date the database computes, the adjustment it records
// (once), the streak it rebuilds and queues, and dates already begun left where they were. The clock is
// the real one: PostgreSQL decides "today" by its own now(), so the expected dates are read from it too.

const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const wrapped = { setDayStart: fft.wrap(setDayStart), acceptFocusSession: fft.wrap(acceptFocusSession), getMyStreak: fft.wrap(getMyStreak), exportMyData: fft.wrap(exportMyData) };
type Name = keyof typeof wrapped;
const asUser = (uid: string) => ({ uid, token: { uid, sub: uid, firebase: { sign_in_provider: 'password' } } as never });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const call = <T = any>(name: Name, uid: string | null, data: unknown) => wrapped[name]({ data, ...(uid ? { auth: asUser(uid) } : {}) } as never) as Promise<T>;

const DAY_MS = 86_400_000;
const TOKYO = 'Asia/Tokyo';
// The zone furthest ahead (UTC+14, POSIX signs): a user with no zone yet starts the new day start there.
const FURTHEST_AHEAD = 'Etc/GMT-14';

/** The calendar date at `ms` in `zone`, by the runtime's ICU: not the code under test. */
const dateIn = (zone: string, ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

let db: TestDatabase;
let seq = 0;
const uniqueUser = (name: string) => `${name}-${process.pid}-${++seq}`;
const useConfig = (env: Record<string, string> = {}) => {
  const runtime = useTestRuntime(db, new Date().toISOString());
  setRuntime({ ...runtime, config: readConfig({ ...process.env, PUBLISH_TIMEOUT_MS: '200', ...env }) });
};

beforeAll(async () => {
  db = await createTestDatabase();
});
beforeEach(() => {
  silenceLogs(logs);
  silenceLogs(accountLogs);
  silenceLogs(outboxLogs);
  useConfig();
});
afterEach(() => jest.restoreAllMocks());
afterAll(async () => {
  setRuntime(undefined);
  fft.cleanup();
  await db.close();
});

/**
 * setDayStart, with the date the database should answer read from the clock just before and just after
 * (they differ only when a midnight of the zone falls within the call; then either is right).
 */
async function setExpectingNextDate(uid: string, minutes: number, zone: string) {
  const before = dateIn(zone, Date.now() + DAY_MS);
  const answer = await call<{ dayStartMinutes: number; effectiveFrom: string }>('setDayStart', uid, { minutes });
  const after = dateIn(zone, Date.now() + DAY_MS);
  expect([before, after]).toContain(answer.effectiveFrom);
  expect(setDayStartResponseSchema.strict().parse(answer)).toEqual({ dayStartMinutes: minutes, effectiveFrom: answer.effectiveFrom });
  return answer;
}

/** A 40-minute session (it qualifies) from 02:00 on `date` in Tokyo: inside a 04:00 day start's night. */
const seedTokyoNight = (uid: string, date: string, id = `night-${++seq}`) =>
  call('acceptFocusSession', uid, { sessionId: id, startTime: `${date}T02:00:00+09:00`, endTime: `${date}T02:40:00+09:00`, timezone: TOKYO });

const counts = (uid: string) =>
  db.pool.one(sql.type(z.object({ adjustments: z.number(), streaks: z.number(), rateTokens: z.number() }))`
    select (select count(*)::int from streak_adjustments where user_id = ${uid}) as adjustments,
           (select count(*)::int from user_streaks where user_id = ${uid}) as streaks,
           (select count(*)::int from rate_limits where user_id = ${uid}) as "rateTokens"`);

const days = (uid: string) =>
  db.pool.any(sql.type(z.object({ date: z.string(), seconds: z.number() }))`
    select to_char(local_date, 'YYYY-MM-DD') as date, focus_seconds as seconds from daily_focus where user_id = ${uid} order by local_date`);

const latestOutbox = (uid: string) =>
  db.pool.maybeOne(sql.type(z.object({ version: z.coerce.number(), dayStartMinutes: z.number().nullable() }))`
    select version, (payload ->> 'dayStartMinutes')::int as "dayStartMinutes" from streak_outbox where user_id = ${uid} order by version desc limit 1`);

describe('setDayStart: refusals', () => {
  it('refuses a caller without auth as unauthenticated', async () => {
    await expect(call('setDayStart', null, { minutes: 240 })).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it.each([
    [{ minutes: -15 }, 'minutes', 'out_of_range'],
    [{ minutes: 721 }, 'minutes', 'out_of_range'],
    [{ minutes: 735 }, 'minutes', 'out_of_range'],
    [{ minutes: 10 }, 'minutes', 'not_multiple_of'],
    [{ minutes: 7.5 }, 'minutes', 'invalid_type'],
    [{ minutes: '60' }, 'minutes', 'invalid_type'],
    [{ minutes: null }, 'minutes', 'invalid_type'],
    [{}, 'minutes', 'required'],
    [{ minutes: 60, effectiveFrom: '2025-01-01' }, 'effectiveFrom', 'unknown_field'],
    [{ minutes: 60, userId: 'someone-else' }, 'userId', 'unknown_field'],
  ])('refuses %j as invalid-argument (%s: %s), recording nothing and taking no token', async (data, field, code) => {
    const uid = uniqueUser('bad');
    await expect(call('setDayStart', uid, data)).rejects.toMatchObject({
      code: 'invalid-argument',
      details: { issues: expect.arrayContaining([expect.objectContaining({ field, code })]) },
    });
    expect(await counts(uid)).toEqual({ adjustments: 0, streaks: 0, rateTokens: 0 });
    expect(logs.requestRejected).toHaveBeenCalledWith(expect.objectContaining({ fn: 'setDayStart', uid }), expect.any(Array));
  });

  it('accepts exactly the minutes the domain calls a day start', () => {
    const candidates = [...Array.from({ length: 831 }, (_, i) => i - 30), 7.5, 0.5, Number.NaN, Infinity, -Infinity, -0];
    const disagreements = candidates.filter((minutes) => setDayStartRequestSchema.safeParse({ minutes }).success !== isDayStartMinutes(minutes));
    expect(disagreements).toEqual([]);
  });

  it('answers permission-denied for a deleted account, and stores nothing for it', async () => {
    const uid = uniqueUser('gone');
    await seedTokyoNight(uid, dateIn(TOKYO, Date.now() - DAY_MS));
    await deleteUserData(db.pool, uid, { accountDeleted: true });
    await expect(call('setDayStart', uid, { minutes: 240 })).rejects.toMatchObject({ code: 'permission-denied', details: { reason: 'account_deleted' } });
    expect(await counts(uid)).toMatchObject({ adjustments: 0, streaks: 0 });
    expect(logs.accountDeleted).toHaveBeenCalledWith(expect.objectContaining({ fn: 'setDayStart', uid }));
  });
});

describe('setDayStart: from the next date on', () => {
  it("answers the caller's next date in their zone, records one adjustment, and the streak carries the minutes", async () => {
    const uid = uniqueUser('owl');
    const yesterday = dateIn(TOKYO, Date.now() - DAY_MS);
    await seedTokyoNight(uid, yesterday);
    const before = await readStreak(db.pool, uid);

    const answer = await setExpectingNextDate(uid, 240, TOKYO);
    expect(answer.dayStartMinutes).toBe(240);

    expect(await listAdjustments(db.pool, uid)).toEqual([
      expect.objectContaining({ adjustmentId: expect.stringMatching(/^user-day-start-[0-9a-f]{32}$/), kind: 'day-start', minutes: 240, count: null, date: answer.effectiveFrom, revokes: null, revokedBy: null, reason: 'set by the user', actor: `user:${uid}` }),
    ]);
    const stored = await readStreak(db.pool, uid);
    expect(stored).toMatchObject({ dayStartMinutes: 240, timezone: TOKYO });
    expect(stored!.version).toBeGreaterThan(before!.version);
    // The rebuilt streak is queued for streaks/{uid} with the minutes.
    expect(await latestOutbox(uid)).toEqual({ version: stored!.version, dayStartMinutes: 240 });
    expect(await call('getMyStreak', uid, {})).toMatchObject({ userId: uid, dayStartMinutes: 240, version: stored!.version });
    expect(logs.dayStartSet).toHaveBeenCalledWith(expect.objectContaining({ fn: 'setDayStart', uid }), expect.objectContaining({ minutes: 240, effectiveFrom: answer.effectiveFrom, status: 'applied', version: stored!.version }));
  });

  it('leaves dates already begun where they were: a 02:00 session yesterday stays on yesterday under a 04:00 start', async () => {
    const uid = uniqueUser('past');
    const yesterday = dateIn(TOKYO, Date.now() - DAY_MS);
    await seedTokyoNight(uid, yesterday);
    expect(await days(uid)).toEqual([{ date: yesterday, seconds: 2400 }]);
    expect(await call('getMyStreak', uid, {})).toMatchObject({ currentStreak: 1, lastQualifiedDate: yesterday, dayStartMinutes: 0 });

    const { effectiveFrom } = await setExpectingNextDate(uid, 240, TOKYO);

    expect(await days(uid)).toEqual([{ date: yesterday, seconds: 2400 }]);
    const after = await call('getMyStreak', uid, {});
    expect(after).toMatchObject({ currentStreak: 1, longestStreak: 1, qualifiedDaysCount: 1, lastQualifiedDate: yesterday, dayStartMinutes: 240 });
    // The streak lives until the date after next begins: when that is the first 04:00 date, four hours later than at midnight.
    const dateAfterNext = dateIn(TOKYO, Date.parse(`${yesterday}T12:00:00+09:00`) + 2 * DAY_MS);
    if (effectiveFrom === dateAfterNext) expect(Date.parse(after.streakExpiresAt)).toBe(Date.parse(`${effectiveFrom}T04:00:00+09:00`));
  });

  it('answers the same for the same minutes again, recording no second row and changing nothing', async () => {
    const uid = uniqueUser('again');
    await seedTokyoNight(uid, dateIn(TOKYO, Date.now() - DAY_MS));
    const first = await setExpectingNextDate(uid, 240, TOKYO);
    const stored = await readStreak(db.pool, uid);
    const queued = await latestOutbox(uid);

    const second = await setExpectingNextDate(uid, 240, TOKYO);
    expect(second).toEqual(first);
    expect(await listAdjustments(db.pool, uid)).toHaveLength(1);
    expect(await readStreak(db.pool, uid)).toMatchObject({ version: stored!.version, dayStartMinutes: 240 });
    expect(await latestOutbox(uid)).toEqual(queued);
    expect(logs.dayStartSet).toHaveBeenLastCalledWith(expect.anything(), expect.objectContaining({ minutes: 240, status: 'already_set' }));
  });

  it('a change of mind the same day applies from the same date, the latest minutes winning', async () => {
    const uid = uniqueUser('mind');
    await seedTokyoNight(uid, dateIn(TOKYO, Date.now() - DAY_MS));
    const first = await setExpectingNextDate(uid, 240, TOKYO);
    const second = await setExpectingNextDate(uid, 90, TOKYO);
    expect(second.effectiveFrom).toBe(first.effectiveFrom);
    expect(await call('getMyStreak', uid, {})).toMatchObject({ dayStartMinutes: 90 });
    // Back to 240 is a change again, not the first setting answered as already set.
    await setExpectingNextDate(uid, 240, TOKYO);
    expect(await call('getMyStreak', uid, {})).toMatchObject({ dayStartMinutes: 240 });
    expect((await listAdjustments(db.pool, uid)).map((a) => a.minutes)).toEqual([240, 90, 240]);
  });

  it('midnight for a user who never set a day start is already in effect: no row', async () => {
    const uid = uniqueUser('midnight');
    await seedTokyoNight(uid, dateIn(TOKYO, Date.now() - DAY_MS));
    await setExpectingNextDate(uid, 0, TOKYO);
    expect(await listAdjustments(db.pool, uid)).toEqual([]);
    expect(await call('getMyStreak', uid, {})).toMatchObject({ dayStartMinutes: 0 });
  });

  it('starts a user with no zone yet on the date after today in the zone furthest ahead', async () => {
    const uid = uniqueUser('new');
    const answer = await setExpectingNextDate(uid, 60, FURTHEST_AHEAD);
    expect(await listAdjustments(db.pool, uid)).toEqual([expect.objectContaining({ kind: 'day-start', minutes: 60, date: answer.effectiveFrom })]);
    expect(await call('getMyStreak', uid, {})).toMatchObject({ dayStartMinutes: 60, currentStreak: 0 });
  });
});

describe('setDayStart: the per-user rate limit', () => {
  it('refuses a burst past its bucket as resource-exhausted, with retryAfterSeconds, and the rest of the burst records once', async () => {
    useConfig({ MUTATION_RATE_PER_MINUTE: '1', MUTATION_RATE_BURST: '3' });
    const uid = uniqueUser('burst');
    await seedTokyoNight(uid, dateIn(TOKYO, Date.now() - DAY_MS));
    const burst = await Promise.allSettled(Array.from({ length: 8 }, () => call('setDayStart', uid, { minutes: 120 })));
    const answered = burst.filter((r): r is PromiseFulfilledResult<{ effectiveFrom: string }> => r.status === 'fulfilled').map((r) => r.value);
    const refused = burst.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    expect(answered).toHaveLength(3);
    expect(new Set(answered.map((a) => a.effectiveFrom)).size).toBe(1);
    expect(refused.map((e) => e.code)).toEqual(Array(5).fill('resource-exhausted'));
    for (const e of refused) {
      expect(Number.isInteger(e.details.retryAfterSeconds)).toBe(true);
      expect(e.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    // Three calls of the same minutes: one change.
    expect(await listAdjustments(db.pool, uid)).toHaveLength(1);
    // Its own bucket: the reads go on.
    await expect(call('getMyStreak', uid, {})).resolves.toMatchObject({ dayStartMinutes: 120 });
    expect(logs.rateLimited).toHaveBeenCalledWith(expect.objectContaining({ fn: 'setDayStart', uid }), expect.any(Number));
  });
});

describe('exportMyData with a day start', () => {
  it('lists the day-start adjustment with its minutes, and not who recorded it', async () => {
    const uid = uniqueUser('export');
    await seedTokyoNight(uid, dateIn(TOKYO, Date.now() - DAY_MS));
    const { effectiveFrom } = await setExpectingNextDate(uid, 240, TOKYO);
    const out = await call('exportMyData', uid, {});
    expect(exportMyDataResponseSchema.safeParse(out).success).toBe(true);
    expect(out.adjustments).toEqual([
      { adjustmentId: expect.stringMatching(/^user-day-start-/), kind: 'day-start', count: null, minutes: 240, date: effectiveFrom, revokes: null, revokedBy: null, reason: 'set by the user', createdAt: expect.stringMatching(/Z$/) },
    ]);
    expect(JSON.stringify(out)).not.toContain(`user:${uid}`);
  });
});
