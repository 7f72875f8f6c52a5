import { sql } from 'slonik';
import { z } from 'zod';
import { deleteAccount } from '../../src/account/deleteAccount';
import { logs as accountLogs } from '../../src/account/logs';
import { acceptSession } from '../../src/accept/acceptSession';
import { logs as bridgeLogs } from '../../src/bridge/logs';
import { readConfig } from '../../src/config';
import { handleLegacySession } from '../../src/bridge/handleLegacySession';
import { isDeletedUserRefusal } from '../../src/db/deletedUsers';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';
import { handleStreakMessage } from '../../src/projection/handleStreakMessage';
import { InMemoryStreakStore } from '../../src/projection/InMemoryStreakStore';
import { logs as projectionLogs } from '../../src/projection/logs';
import { getRuntime, setRuntime } from '../../src/runtime';
import { classifySessionBatch, insertSessionBatch } from '../../src/ingest/sessionBatch';
import { messageEvent } from '../support/messageEvent';
import { silenceLogs } from '../support/silenceLogs';
import { streakEvent } from '../support/streakEvent';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// Deleted data never comes back: not through a Pub/Sub message in flight at the deletion, not through
// legacy documents the bridge or a backfill read before it. A user who records again starts over.

const HOUR = 3_600_000;

let db: TestDatabase;
let nowMs = Date.now();
beforeAll(async () => {
  db = await createTestDatabase();
});
beforeEach(() => {
  silenceLogs(accountLogs);
  silenceLogs(bridgeLogs);
  silenceLogs(projectionLogs);
  nowMs = Date.now();
  setRuntime({ config: readConfig({ ...process.env, PUBLISH_TIMEOUT_MS: '200' }), db, publisher: new InMemoryPublisher(), now: () => nowMs, accountDocuments: null });
});
afterEach(() => jest.restoreAllMocks());
afterAll(async () => {
  setRuntime(undefined);
  await db.close();
});

const iso = (ms: number) => new Date(ms).toISOString();
const sessionsOf = (uid: string) => db.pool.anyFirst(sql.type(z.object({ id: z.string() }))`select session_id as id from focus_sessions where user_id = ${uid} order by 1`);
const record = (uid: string, sessionId: string, startMs: number, source: 'callable' | 'bridge' = 'callable') =>
  acceptSession(db.pool, { userId: uid, sessionId, session: { startMs, endMs: startMs + 40 * 60_000, timeZone: 'UTC' }, source }, { qualifySeconds: 1800 });
const remove = (uid: string) => deleteAccount(uid, { db: db.pool, documents: null, now: () => nowMs, by: 'test' });
const legacyCreated = (path: string, data: Record<string, unknown>) =>
  handleLegacySession(
    { data: { data: () => data, ref: { path } }, params: { sessionId: path.split('/').pop()! }, time: iso(nowMs) },
    { runtime: getRuntime, legacyUserTimeZone: async () => null },
  );

describe('the projection after a deletion (in-memory store)', () => {
  it('a message in flight at the deletion never brings values back; the next life replaces the tombstone whole', async () => {
    const store = new InMemoryStreakStore();
    const deps = { store: async () => store, now: () => Date.parse('2025-03-01T00:10:00Z') };
    const at = { time: '2025-03-01T00:05:00Z' };
    for (const v of [1, 2]) await handleStreakMessage(messageEvent(streakEvent('gone', v), at), deps);
    await expect(store.writeTombstone('gone', 3)).resolves.toEqual({ written: true, previousVersion: 2 });

    // Versions 3 (published, not yet delivered) and 2 (redelivered) arrive after the deletion.
    for (const v of [3, 2, 1]) await expect(handleStreakMessage(messageEvent(streakEvent('gone', v), at), deps)).resolves.toMatchObject({ outcome: 'unchanged', storedVersion: 3 });
    expect(store.get('gone')).toBeUndefined();
    expect(store.tombstone('gone')).toEqual({ userId: 'gone', version: 3, deleted: true });

    await expect(handleStreakMessage(messageEvent(streakEvent('gone', 4), at), deps)).resolves.toMatchObject({ outcome: 'written', version: 4 });
    expect(store.tombstone('gone')).toBeUndefined();
    expect(store.get('gone')).toMatchObject({ version: 4, currentStreak: 4 });
  });

  it('a tombstone never replaces a newer streak (the user recorded again before the documents step ran)', async () => {
    const store = new InMemoryStreakStore();
    await store.writeIfNewer(streakEvent('quick', 6));
    await expect(store.writeTombstone('quick', 5)).resolves.toEqual({ written: false, storedVersion: 6 });
    expect(store.get('quick')).toMatchObject({ version: 6 });
  });
});

describe('versions after a deletion (SQL)', () => {
  it('a returning user starts above the floor in user_streaks, the outbox row and its payload', async () => {
    const day = Date.parse('2025-03-01T08:00:00Z');
    for (let i = 0; i < 4; i++) await record('back', `b${i}`, day + i * 24 * HOUR);
    const { versionFloor } = await remove('back');
    expect(versionFloor).toBe(4);
    await record('back', 'again', day + 10 * 24 * HOUR);
    const row = await db.pool.one(sql.type(z.object({ version: z.number(), outbox: z.number(), payload: z.number() }))`
      select s.version::int as version, o.version::int as outbox, (o.payload ->> 'version')::int as payload
      from user_streaks s join streak_outbox o on o.user_id = s.user_id where s.user_id = 'back'`);
    expect(row).toEqual({ version: 5, outbox: 5, payload: 5 });
    // Deleted again: the floor follows the newest version, never back.
    await expect(remove('back')).resolves.toMatchObject({ versionFloor: 5 });
  });
});

describe('legacy data written before a deletion (rule: a legacy session of a deleted user that starts before the deletion is rejected as deleted_user)', () => {
  it('the bridge rejects such a document, keeps nothing of it, and accepts one that starts after the deletion', async () => {
    const before = nowMs - 3 * HOUR;
    await record('legacy', 'callable-1', before);
    await remove('legacy');
    await expect(legacyCreated('sessions/old-doc', { userId: 'legacy', startTime: iso(before + HOUR), endTime: iso(before + 2 * HOUR), timezone: 'UTC' })).resolves.toEqual({ status: 'rejected', reason: 'deleted_user' });
    expect(await sessionsOf('legacy')).toEqual([]);
    const reject = await db.pool.one(sql.unsafe`select reason, raw from backfill_rejects where document_path = 'sessions/old-doc'`);
    expect(reject).toEqual({ reason: 'deleted_user', raw: null });
    expect(await db.pool.maybeOne(sql.unsafe`select id from users where id = 'legacy'`)).toBeNull();

    nowMs += HOUR;
    await expect(legacyCreated('sessions/new-doc', { userId: 'legacy', startTime: iso(nowMs - 30 * 60_000), endTime: iso(nowMs - 60_000), timezone: 'UTC' })).resolves.toMatchObject({ status: 'accepted' });
    expect(await sessionsOf('legacy')).toEqual(['new-doc']);
  });

  it('a backfill batch (and its dry run) rejects the deleted user sessions that start before the deletion and inserts the rest', async () => {
    const before = nowMs - 5 * HOUR;
    await record('bf-gone', 'c1', before);
    await remove('bf-gone');
    nowMs += HOUR;
    const batch = [
      { path: 'sessions/o1', sessionId: 'o1', userId: 'bf-gone', startMs: before + HOUR, endMs: before + 2 * HOUR, timeZone: 'UTC' },
      { path: 'sessions/n1', sessionId: 'n1', userId: 'bf-gone', startMs: nowMs - 30 * 60_000, endMs: nowMs - 60_000, timeZone: 'UTC' },
      { path: 'sessions/k1', sessionId: 'k1', userId: 'bf-kept', startMs: before, endMs: before + HOUR, timeZone: 'UTC' },
    ];
    const dry = await classifySessionBatch(db.pool, batch);
    expect(dry.conflicts.map((c) => [c.path, c.reason, c.raw])).toEqual([['sessions/o1', 'deleted_user', null]]);
    const outcome = await db.pool.transaction((tx) => insertSessionBatch(tx, batch));
    expect(outcome.inserted.map((s) => s.sessionId).sort()).toEqual(['k1', 'n1']);
    expect(outcome.conflicts.map((c) => [c.path, c.reason])).toEqual([['sessions/o1', 'deleted_user']]);
    expect(await sessionsOf('bf-gone')).toEqual(['n1']);
  });

  it('the database refuses such a row itself, for a writer racing the deletion: a bridge insert fails with FSDEL, a backfill row is skipped, a callable row goes in', async () => {
    const before = nowMs - 2 * HOUR;
    await record('raced', 'r0', before);
    await remove('raced');
    await db.pool.query(sql.unsafe`insert into users (id) values ('raced')`);
    const insert = (id: string, source: string) =>
      db.pool.query(sql.unsafe`insert into focus_sessions (user_id, session_id, start_time, end_time, timezone, source) values ('raced', ${id}, ${iso(before)}, ${iso(before + HOUR)}, 'UTC', ${source})`);
    const refused = await insert('via-bridge', 'bridge').then(() => null, (error: unknown) => error);
    expect(isDeletedUserRefusal(refused)).toBe(true);
    await insert('via-backfill', 'backfill');
    await insert('via-callable', 'callable');
    expect(await sessionsOf('raced')).toEqual(['via-callable']);
  });
});
