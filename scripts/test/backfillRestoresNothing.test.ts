import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { deleteAccount } from '../../functions/src/account/deleteAccount';
import { logs as accountLogs } from '../../functions/src/account/logs';
import { removeFriendship } from '../../functions/src/db/friendships';
import { silenceLogs } from '../../functions/test/support/silenceLogs';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { runScript } from './support/runScript';

jest.setTimeout(180_000);

// A backfill re-run (or an export older than what users did since) never restores what users took
// apart: a friend removed with removeFriend stays removed, a declined request stays declined, and a
// deleted user's users/{uid} document, friend listings and sessions are skipped by every kind.

const EXPORT = [
  { path: 'users/ann', data: { timezone: 'Europe/Paris', friends: ['ben', 'dan'] } },
  { path: 'users/ben', data: { friends: ['ann'] } },
  { path: 'users/cat', data: { friends: ['ann'] } }, // a request to ann, which ann declines
  { path: 'users/dan', data: { timezone: 'UTC', friends: ['ann', 'nobody'] } }, // dan deletes their data later
  { path: 'users/eve', data: { friends: ['dan', 'ghost'] } }, // names dan and an unknown uid: a reject that must not name dan
  { path: 'sessions/d1', data: { userId: 'dan', startTime: '2024-01-01T10:00:00Z', endTime: '2024-01-01T11:00:00Z', timezone: 'UTC' } },
  { path: 'sessions/a1', data: { userId: 'ann', startTime: '2024-01-01T10:00:00Z', endTime: '2024-01-01T11:00:00Z', timezone: 'UTC' } },
];

const pairs = z.object({ a: z.string(), b: z.string() });

describe('a backfill never restores what users removed or deleted', () => {
  let db: TestDatabase;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'backfill-restores-nothing-'));
    file = path.join(dir, 'export.ndjson');
    writeFileSync(file, EXPORT.map((d) => JSON.stringify(d)).join('\n') + '\n');
  });
  beforeEach(() => silenceLogs(accountLogs));
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await db.close();
  });

  const backfill = async (kind: string, report: string) => {
    const run = await runScript('backfill.ts', [kind, '--from-file', file, '--report', path.join(dir, report)], db.url);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/error/i) });
    return JSON.parse(readFileSync(path.join(dir, report), 'utf8')) as { counts: Record<string, unknown> };
  };
  const friends = () => db.pool.any(sql.type(pairs)`select user_id as a, friend_id as b from friendships where user_id < friend_id order by 1, 2`);
  const requests = () => db.pool.any(sql.type(pairs)`select requester_id as a, addressee_id as b from friend_requests order by 1, 2`);
  const users = () => db.pool.anyFirst(sql.type(z.object({ id: z.string() }))`select id from users order by 1`);

  it('a re-run after removeFriend neither re-befriends the removed friend nor re-asks a declined request', async () => {
    await backfill('users', 'users-1.json');
    await backfill('friendships', 'friends-1.json');
    expect(await friends()).toEqual([{ a: 'ann', b: 'ben' }, { a: 'ann', b: 'dan' }]);
    expect(await requests()).toEqual([{ a: 'cat', b: 'ann' }, { a: 'eve', b: 'dan' }]);

    await removeFriendship(db.pool, 'ben', 'ann'); // ends the friendship, for both
    await removeFriendship(db.pool, 'ann', 'cat'); // declines cat's request
    const again = await backfill('friendships', 'friends-2.json');
    expect(await friends()).toEqual([{ a: 'ann', b: 'dan' }]);
    expect(await requests()).toEqual([{ a: 'eve', b: 'dan' }]);
    expect(again.counts).toMatchObject({ inserted: 0, updated: 0 });
  });

  it('after a user deleted their data, no kind brings back their users row, friendships, requests, sessions or a reject naming them', async () => {
    await backfill('sessions', 'sessions-1.json');
    await deleteAccount('dan', { db: db.pool, documents: null, now: Date.now, by: 'test' });
    expect(await users()).not.toContain('dan');

    const usersRun = await backfill('users', 'users-3.json');
    const friendsRun = await backfill('friendships', 'friends-3.json');
    const sessionsRun = await backfill('sessions', 'sessions-2.json');
    expect(await users()).not.toContain('dan');
    expect(await friends()).toEqual([]);
    expect(await requests()).toEqual([]);
    expect(await db.pool.anyFirst(sql.type(z.object({ id: z.string() }))`select session_id as id from focus_sessions where user_id = 'dan'`)).toEqual([]);
    for (const run of [usersRun, friendsRun, sessionsRun]) expect(run.counts).toMatchObject({ rejectsByReason: expect.objectContaining({ deleted_user: 1 }) });
    const naming = await db.pool.anyFirst(sql.type(z.object({ path: z.string() }))`
      select document_path as path from backfill_rejects where raw::text like '%"dan"%' or (raw is not null and document_path = 'users/dan')`);
    expect(naming).toEqual([]);
    // eve's list still answers for its unknown uid, without dan in the evidence.
    expect(await db.pool.oneFirst(sql.type(z.object({ raw: z.unknown() }))`select raw from backfill_rejects where document_path = 'users/eve' order by id desc limit 1`)).toEqual({ friends: ['ghost'] });
  });
});
