import { applyAdjustment } from '../../src/db/streakAdjustments';
import functionsTest from 'firebase-functions-test';
import { sql } from 'slonik';
import { z } from 'zod';
import { logs as accountLogs } from '../../src/account/logs';
import { handleAuthUserDeleted } from '../../src/authEvents/handleAuthUserDeleted';
import { logs } from '../../src/callables/logs';
import { encodeExportCursor } from '../../src/callables/exportCursor';
import type { AccountDocuments } from '../../src/firebase/accountDocuments';
import { acceptFocusSession, deleteMyData, exportMyData, getFriends } from '../../src/index';
import { InMemoryStreakStore } from '../../src/projection/InMemoryStreakStore';
import { setRuntime } from '../../src/runtime';
import { silenceLogs } from '../support/silenceLogs';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { useTestRuntime } from '../support/callableTestRuntime';

const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const wrapped = { exportMyData: fft.wrap(exportMyData), deleteMyData: fft.wrap(deleteMyData), acceptFocusSession: fft.wrap(acceptFocusSession), getFriends: fft.wrap(getFriends) };
type Name = keyof typeof wrapped;
const NOW = '2025-03-16T20:00:00Z';
const asUser = (uid: string) => ({ uid, token: { uid, sub: uid, firebase: { sign_in_provider: 'password' } } as never });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const call = <T = any>(name: Name, uid: string | null, data: unknown) => wrapped[name]({ data, ...(uid ? { auth: asUser(uid) } : {}) } as never) as Promise<T>;

/** Firestore's side of a deletion, in memory: legacy documents per user and the streaks projection. */
class MemoryAccountDocuments implements AccountDocuments {
  readonly streaks = new InMemoryStreakStore();
  readonly legacySessions = new Map<string, string[]>();
  readonly legacyUsers = new Set<string>();
  async deleteLegacy(userId: string) {
    const counts = await this.countLegacy(userId);
    this.legacySessions.delete(userId);
    this.legacyUsers.delete(userId);
    return counts;
  }
  async countLegacy(userId: string) {
    return { sessions: this.legacySessions.get(userId)?.length ?? 0, user: this.legacyUsers.has(userId) };
  }
  writeTombstone(userId: string, floor: number) {
    return this.streaks.writeTombstone(userId, floor);
  }
}

let db: TestDatabase;
let documents: MemoryAccountDocuments;
beforeAll(async () => {
  db = await createTestDatabase();
});
beforeEach(() => {
  silenceLogs(logs);
  silenceLogs(accountLogs);
  documents = new MemoryAccountDocuments();
  setRuntime({ ...useTestRuntime(db, NOW), accountDocuments: documents });
});
afterEach(() => jest.restoreAllMocks());
afterAll(async () => {
  setRuntime(undefined);
  fft.cleanup();
  await db.close();
});

let seq = 0;
/** A 40-minute session on `date` (UTC), through the callable. */
const record = (uid: string, date: string, hour = 8) =>
  call('acceptFocusSession', uid, { sessionId: `s${++seq}`, startTime: `${date}T${String(hour).padStart(2, '0')}:00:00Z`, endTime: `${date}T${String(hour).padStart(2, '0')}:40:00Z`, timezone: 'Europe/Paris' });

/** Rows about `uid` in every table that holds any. */
async function rowsAbout(uid: string) {
  return db.pool.one(sql.type(z.object({ sessions: z.number(), days: z.number(), runs: z.number(), streaks: z.number(), users: z.number(), outbox: z.number(), friendships: z.number(), requests: z.number(), rejects: z.number(), runUsers: z.number(), rateLimits: z.number(), adjustments: z.number() }))`
    select (select count(*)::int from focus_sessions where user_id = ${uid}) as sessions,
           (select count(*)::int from daily_focus where user_id = ${uid}) as days,
           (select count(*)::int from streak_runs where user_id = ${uid}) as runs,
           (select count(*)::int from user_streaks where user_id = ${uid}) as streaks,
           (select count(*)::int from users where id = ${uid}) as users,
           (select count(*)::int from streak_outbox where user_id = ${uid}) as outbox,
           (select count(*)::int from friendships where user_id = ${uid} or friend_id = ${uid}) as friendships,
           (select count(*)::int from friend_requests where requester_id = ${uid} or addressee_id = ${uid}) as requests,
           (select count(*)::int from backfill_rejects where raw ->> 'userId' = ${uid} or document_path like ${`users/${uid}/%`}) as rejects,
           (select count(*)::int from backfill_run_users where user_id = ${uid}) as "runUsers",
           (select count(*)::int from rate_limits where user_id = ${uid}) as "rateLimits",
           (select count(*)::int from streak_adjustments where user_id = ${uid}) as adjustments`);
}
// Rate-limit state is kept through a deletion (pruned by age instead): deleting it refilled the caller's buckets.
const NONE = { sessions: 0, days: 0, runs: 0, streaks: 0, users: 0, outbox: 0, friendships: 0, requests: 0, rejects: 0, runUsers: 0, rateLimits: expect.any(Number), adjustments: 0 };

async function befriend(a: string, b: string) {
  await db.pool.query(sql.unsafe`insert into users (id) values (${a}), (${b}) on conflict do nothing`);
  await db.pool.query(sql.unsafe`insert into friendships (user_id, friend_id) values (${a}, ${b}), (${b}, ${a})`);
}
async function request(from: string, to: string) {
  await db.pool.query(sql.unsafe`insert into users (id) values (${from}), (${to}) on conflict do nothing`);
  await db.pool.query(sql.unsafe`insert into friend_requests (requester_id, addressee_id) values (${from}, ${to})`);
}
/** `n` sessions of `uid` inserted directly (source backfill), one a day from 2024-01-01, two on the first day with one start. */
async function bulkSessions(uid: string, n: number) {
  await db.pool.query(sql.unsafe`insert into users (id) values (${uid}) on conflict do nothing`);
  await db.pool.query(sql.unsafe`
    insert into focus_sessions (user_id, session_id, start_time, end_time, timezone, source)
    select ${uid}, 'b' || lpad(i::text, 6, '0'), timestamptz '2024-01-01 08:00Z' + (greatest(i - 1, 0) || ' hours')::interval,
           timestamptz '2024-01-01 08:30Z' + (greatest(i - 1, 0) || ' hours')::interval, 'UTC', 'backfill'
    from generate_series(0, ${n - 1}) as i`);
}

describe('exportMyData and deleteMyData: errors', () => {
  it.each(['exportMyData', 'deleteMyData'] as const)('%s refuses a caller without auth as unauthenticated', async (name) => {
    await expect(call(name, null, name === 'deleteMyData' ? { confirm: true } : {})).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it.each([[{}], [{ confirm: false }], [{ confirm: 'true' }], [{ confirm: true, userId: 'ben' }], [null]])('deleteMyData without confirm: true (%j) is invalid-argument and deletes nothing', async (data) => {
    await record('keep', '2025-03-10');
    const before = await rowsAbout('keep');
    await expect(call('deleteMyData', 'keep', data)).rejects.toMatchObject({ code: 'invalid-argument', details: { issues: expect.any(Array) } });
    expect(await rowsAbout('keep')).toEqual(before);
    expect(before.sessions).toBeGreaterThan(0);
  });

  it('deleteMyData counts an own __proto__ key as an unknown field', async () => {
    const data = JSON.parse('{"confirm": true, "__proto__": {"x": 1}}');
    await expect(call('deleteMyData', 'keep', data)).rejects.toMatchObject({ code: 'invalid-argument', details: { issues: [expect.objectContaining({ field: '__proto__', code: 'unknown_field' })] } });
  });

  it.each([
    ['not base64', '***'],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['another version', Buffer.from(JSON.stringify({ v: 2, t: '2024-01-01T08:00:00.000000Z', s: 'b1' })).toString('base64url')],
    ['a bad time', Buffer.from(JSON.stringify({ v: 1, t: '2024-13-45T08:00:00.000000Z', s: 'b1' })).toString('base64url')],
    ['a bad session id', Buffer.from(JSON.stringify({ v: 1, t: '2024-01-01T08:00:00.000000Z', s: "x' or 1=1" })).toString('base64url')],
    ['an extra key', Buffer.from(JSON.stringify({ v: 1, t: '2024-01-01T08:00:00.000000Z', s: 'b1', u: 'ben' })).toString('base64url')],
    ['empty', ''],
  ])('exportMyData refuses a tampered cursor (%s) as invalid-argument', async (_, cursor) => {
    await expect(call('exportMyData', 'ann', { cursor })).rejects.toMatchObject({ code: 'invalid-argument', details: { issues: [expect.objectContaining({ field: 'cursor' })] } });
  });

  it('exportMyData refuses unknown fields, a user id among them', async () => {
    await expect(call('exportMyData', 'ann', { userId: 'ben' })).rejects.toMatchObject({ code: 'invalid-argument', details: { issues: [expect.objectContaining({ field: 'userId', code: 'unknown_field' })] } });
  });
});

describe('exportMyData', () => {
  it('returns the streak, friends and requests by id, and the sessions with zone, source and createdAt, nothing of anyone else', async () => {
    await record('exa', '2025-03-10');
    await record('exa', '2025-03-11');
    await record('exb', '2025-03-10');
    await befriend('exa', 'exb');
    await request('exc', 'exa');
    await request('exa', 'exd');
    const out = await call('exportMyData', 'exa', {});
    expect(out).toMatchObject({
      userId: 'exa',
      exportedAt: new Date(NOW).toISOString(),
      streak: { userId: 'exa', currentStreak: 2, longestStreak: 2, qualifiedDaysCount: 2, lastQualifiedDate: '2025-03-11', timezone: 'Europe/Paris', version: 2 },
      friends: { friends: [{ userId: 'exb' }], incoming: [{ userId: 'exc' }], outgoing: [{ userId: 'exd' }] },
      nextCursor: null,
    });
    expect(out.sessions).toEqual([
      { sessionId: expect.any(String), startTime: '2025-03-10T08:00:00.000Z', endTime: '2025-03-10T08:40:00.000Z', timezone: 'Europe/Paris', source: 'callable', createdAt: expect.stringMatching(/Z$/) },
      { sessionId: expect.any(String), startTime: '2025-03-11T08:00:00.000Z', endTime: '2025-03-11T08:40:00.000Z', timezone: 'Europe/Paris', source: 'callable', createdAt: expect.stringMatching(/Z$/) },
    ]);
    expect(Object.keys(out.friends.friends[0]).sort()).toEqual(['since', 'userId']);
    expect(JSON.stringify(out)).not.toContain('currentStreak":1');
  });

  it('lists the streak adjustments recorded for the caller, revocations included, and none of anyone else', async () => {
    await record('exf', '2025-03-10');
    await record('exf', '2025-03-12');
    const rules = { qualifySeconds: 1800, freezeCap: 2 };
    await applyAdjustment(db.pool, { id: 'exf-grant', kind: 'grant-freezes', userId: 'exf', count: 1, effectiveFrom: '2025-03-01', reason: 'purchase', actor: 'topic:m1' }, rules);
    await applyAdjustment(db.pool, { id: 'exf-repair', kind: 'repair', userId: 'exf', date: '2025-03-09', reason: 'outage', actor: 'cli:ops' }, rules);
    await applyAdjustment(db.pool, { id: 'exf-revoke', kind: 'revoke', revokes: 'exf-repair', reason: 'mistake', actor: 'cli:ops' }, rules);
    await applyAdjustment(db.pool, { id: 'exg-grant', kind: 'grant-freezes', userId: 'exg', count: 1, effectiveFrom: '2025-03-01', reason: 'purchase', actor: 'topic:m2' }, rules);
    // From after the last session: the streak stays as it was.
    await applyAdjustment(db.pool, { id: 'exf-day', kind: 'day-start', userId: 'exf', minutes: 240, effectiveFrom: '2025-03-20', reason: 'support ticket', actor: 'cli:ops' }, rules);
    const out = await call('exportMyData', 'exf', {});
    expect(out.adjustments).toEqual([
      { adjustmentId: 'exf-grant', kind: 'grant-freezes', count: 1, minutes: null, date: '2025-03-01', revokes: null, revokedBy: null, reason: 'purchase', createdAt: expect.stringMatching(/Z$/) },
      { adjustmentId: 'exf-repair', kind: 'repair', count: null, minutes: null, date: '2025-03-09', revokes: null, revokedBy: 'exf-revoke', reason: 'outage', createdAt: expect.stringMatching(/Z$/) },
      { adjustmentId: 'exf-revoke', kind: 'revoke', count: null, minutes: null, date: null, revokes: 'exf-repair', revokedBy: null, reason: 'mistake', createdAt: expect.stringMatching(/Z$/) },
      { adjustmentId: 'exf-day', kind: 'day-start', count: null, minutes: 240, date: '2025-03-20', revokes: null, revokedBy: null, reason: 'support ticket', createdAt: expect.stringMatching(/Z$/) },
    ]);
    // The freeze covered 2025-03-11: the export's streak is the stored one.
    expect(out.streak).toMatchObject({ currentStreak: 2, qualifiedDaysCount: 2 });
    // Who recorded an adjustment stays with the operators.
    expect(JSON.stringify(out)).not.toMatch(/cli:ops|topic:m/);
  });

  it('pages 2,345 sessions by 1,000 with nextCursor, each exactly once, in (start, id) order, for a user who never called', async () => {
    await bulkSessions('pager', 2345);
    const pages: number[] = [];
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const out = await call('exportMyData', 'pager', cursor ? { cursor } : {});
      pages.push(out.sessions.length);
      ids.push(...out.sessions.map((s: { sessionId: string }) => s.sessionId));
      cursor = out.nextCursor ?? undefined;
    } while (cursor);
    expect(pages).toEqual([1000, 1000, 345]);
    expect(new Set(ids).size).toBe(2345);
    // Sessions 0 and 1 start at the same instant: the id breaks the tie, and the page boundary never loses one.
    expect(ids.slice(0, 3)).toEqual(['b000000', 'b000001', 'b000002']);
    expect([...ids].sort()).toEqual(ids);
  });

  it('a cursor this server wrote only moves within the caller own sessions', async () => {
    await bulkSessions('curs', 3);
    const cursor = encodeExportCursor({ startTime: '2024-01-01T08:00:00.000000Z', sessionId: 'b000000' });
    const out = await call('exportMyData', 'other-user', { cursor });
    expect(out.sessions).toEqual([]);
    const own = await call('exportMyData', 'curs', { cursor });
    expect(own.sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual(['b000001', 'b000002']);
  });
});

describe('deleteMyData', () => {
  it('deletes every row about the caller in SQL, leaves other users untouched, and friends no longer see them', async () => {
    await record('del', '2025-03-10');
    await record('del', '2025-03-11');
    await record('del', '2025-03-12');
    await record('friend', '2025-03-10');
    await befriend('del', 'friend');
    await request('del', 'asked');
    await request('asker', 'del');
    await request('friend', 'asked');
    await db.pool.query(sql.unsafe`insert into backfill_runs (id, kind, source, status) values ('run-del', 'sessions', 'file', 'completed')`);
    await db.pool.query(sql.unsafe`insert into backfill_run_users (run_id, user_id) values ('run-del', 'del'), ('run-del', 'friend')`);
    await db.pool.query(sql.unsafe`insert into backfill_rejects (run_id, document_path, reason, raw) values
      ('run-del', 'sessions/x1', 'too_long', '{"userId": "del"}'), ('run-del', 'users/del/sessions/x2', 'invalid_time', '{}'),
      ('run-del', 'sessions/x3', 'too_long', '{"userId": "friend"}')`);
    documents.legacySessions.set('del', ['sessions/l1', 'sessions/l2']);
    documents.legacyUsers.add('del');
    documents.legacySessions.set('friend', ['sessions/l3']);
    const friendBefore = await rowsAbout('friend');
    const before = await rowsAbout('del');
    expect(before).toMatchObject({ sessions: 3, days: 3, runs: 1, streaks: 1, users: 1, friendships: 2, requests: 2, rejects: 2, runUsers: 1 });

    const out = await call('deleteMyData', 'del', { confirm: true });

    expect(out).toEqual({ deleted: { sessions: 3, days: 3, friendships: 1, requests: 2 } });
    expect(await rowsAbout('del')).toEqual(NONE);
    expect(await rowsAbout('friend')).toEqual({ ...friendBefore, friendships: 0 });
    expect((await call('getFriends', 'friend', {})).friends).toEqual([]);
    expect((await call('getFriends', 'asked', {})).incoming).toEqual([{ userId: 'friend', requestedAt: expect.any(String) }]);
    expect(documents.legacySessions.has('del')).toBe(false);
    expect(documents.legacyUsers.has('del')).toBe(false);
    expect(documents.legacySessions.get('friend')).toEqual(['sessions/l3']);
    expect(documents.streaks.tombstone('del')).toEqual({ userId: 'del', version: 3, deleted: true });
    const tombstone = await db.pool.one(sql.unsafe`select user_id, version_floor::int as floor from deleted_users where user_id = 'del'`);
    expect(tombstone).toEqual({ user_id: 'del', floor: 3 });
  });

  it('deletes the caller\'s streak adjustments, revocations included', async () => {
    await record('deladj', '2025-03-10');
    const rules = { qualifySeconds: 1800, freezeCap: 2 };
    await applyAdjustment(db.pool, { id: 'deladj-grant', kind: 'grant-freezes', userId: 'deladj', count: 2, effectiveFrom: '2025-03-01', reason: 'purchase', actor: 'topic:m1' }, rules);
    await applyAdjustment(db.pool, { id: 'deladj-repair', kind: 'repair', userId: 'deladj', date: '2025-03-11', reason: 'outage', actor: 'cli:ops' }, rules);
    await applyAdjustment(db.pool, { id: 'deladj-revoke', kind: 'revoke', revokes: 'deladj-grant', reason: 'refund', actor: 'cli:ops' }, rules);
    await applyAdjustment(db.pool, { id: 'deladj-day', kind: 'day-start', userId: 'deladj', minutes: 60, effectiveFrom: '2025-03-10', reason: 'support ticket', actor: 'cli:ops' }, rules);
    expect(await rowsAbout('deladj')).toMatchObject({ adjustments: 4 });
    await call('deleteMyData', 'deladj', { confirm: true });
    expect(await rowsAbout('deladj')).toEqual(NONE);
  });

  it('is idempotent: a second call deletes nothing, keeps the floor and the tombstone', async () => {
    await record('twice', '2025-03-10');
    await expect(call('deleteMyData', 'twice', { confirm: true })).resolves.toEqual({ deleted: { sessions: 1, days: 1, friendships: 0, requests: 0 } });
    await expect(call('deleteMyData', 'twice', { confirm: true })).resolves.toEqual({ deleted: { sessions: 0, days: 0, friendships: 0, requests: 0 } });
    expect(await rowsAbout('twice')).toEqual(NONE);
    expect(documents.streaks.tombstone('twice')).toMatchObject({ version: 1, deleted: true });
    expect(await db.pool.oneFirst(sql.unsafe`select version_floor::int from deleted_users where user_id = 'twice'`)).toBe(1);
  });

  it('a user who records again is projected again above the floor: versions never go backwards', async () => {
    await record('again', '2025-03-10');
    await record('again', '2025-03-11');
    await call('deleteMyData', 'again', { confirm: true });
    const accepted = await record('again', '2025-03-14');
    expect(accepted).toMatchObject({ accepted: true, streak: { version: 3, currentStreak: 1 } });
    const stored = await db.pool.one(sql.unsafe`select s.version::int as version, (select max(o.version)::int from streak_outbox o where o.user_id = 'again') as outbox,
      (select (o.payload ->> 'version')::int from streak_outbox o where o.user_id = 'again' order by o.version desc limit 1) as payload from user_streaks s where s.user_id = 'again'`);
    expect(stored).toEqual({ version: 3, outbox: 3, payload: 3 });
    expect((await call('exportMyData', 'again', {})).streak).toMatchObject({ version: 3, currentStreak: 1, qualifiedDaysCount: 1 });
    // The new streak replaces the tombstone whole in the projection.
    const event = JSON.parse(String(await db.pool.oneFirst(sql.unsafe`select payload::text from streak_outbox where user_id = 'again' order by version desc limit 1`)));
    await expect(documents.streaks.writeIfNewer(event)).resolves.toMatchObject({ written: true, previousVersion: 2 });
    expect(documents.streaks.tombstone('again')).toBeUndefined();
    expect(documents.streaks.get('again')).toMatchObject({ version: 3, currentStreak: 1 });
  });

  it('the Auth deletion trigger deletes the same, and throws (so it is retried) when the database is down, logging the failure', async () => {
    await record('authdel', '2025-03-10');
    await handleAuthUserDeleted({ uid: 'authdel' });
    expect(await rowsAbout('authdel')).toEqual(NONE);
    expect(documents.streaks.tombstone('authdel')).toMatchObject({ version: 1 });

    const retrying = jest.spyOn(accountLogs, 'deletionRetrying').mockImplementation(() => undefined);
    const down = { runtime: async () => ({ ...(await (await import('../../src/runtime')).getRuntime()), db: { pool: { one: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) } } }) as never };
    await expect(handleAuthUserDeleted({ uid: 'authdel' }, down)).rejects.toThrow(/unavailable/);
    expect(retrying).toHaveBeenCalledWith(expect.objectContaining({ userId: 'authdel', by: 'authUserDeleted' }));
  });

  it('a Firestore failure after SQL answers unavailable, and the retry finishes the job', async () => {
    await record('flaky', '2025-03-10');
    documents.legacySessions.set('flaky', ['sessions/f1']);
    const failing = jest.spyOn(documents, 'deleteLegacy').mockRejectedValueOnce(Object.assign(new Error('14 UNAVAILABLE'), { code: 14 }));
    await expect(call('deleteMyData', 'flaky', { confirm: true })).rejects.toMatchObject({ code: 'unavailable' });
    expect(await rowsAbout('flaky')).toMatchObject({ sessions: 0, streaks: 0 });
    failing.mockRestore();
    await expect(call('deleteMyData', 'flaky', { confirm: true })).resolves.toEqual({ deleted: { sessions: 0, days: 0, friendships: 0, requests: 0 } });
    expect(documents.legacySessions.has('flaky')).toBe(false);
    expect(documents.streaks.tombstone('flaky')).toMatchObject({ version: 1, deleted: true });
  });
});
