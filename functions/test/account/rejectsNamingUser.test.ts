import { sql } from 'slonik';
import { z } from 'zod';
import { deleteAccount } from '../../src/account/deleteAccount';
import { logs as accountLogs } from '../../src/account/logs';
import { storeRejects } from '../../src/db/backfillRejects';
import { silenceLogs } from '../support/silenceLogs';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// A deletion removes every backfill reject that names the user, not only those whose raw userId is
// theirs: their own users/{uid} document (friend lists), other users' friend lists naming them,
// export lines that were not JSON, and any reject recorded for them later keeps no raw document.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query(sql.unsafe`insert into backfill_runs (id, kind, source, status) values ('r1', 'friendships', 'file', 'completed')`);
});
beforeEach(() => silenceLogs(accountLogs));
afterEach(() => jest.restoreAllMocks());
afterAll(async () => {
  await db.close();
});

const reject = (path: string, reason: string, raw: unknown) =>
  db.pool.query(sql.unsafe`insert into backfill_rejects (run_id, document_path, reason, raw) values ('r1', ${path}, ${reason}, ${JSON.stringify(raw)}::jsonb)`);
const paths = () => db.pool.anyFirst(sql.type(z.object({ p: z.string() }))`select document_path as p from backfill_rejects order by 1`);

describe('deleting a user removes every reject that names them', () => {
  it('their users/{uid} document, friend lists naming them, lines that were not JSON, and raw documents naming them; rejects of others stay', async () => {
    await reject('users/del', 'unknown_friend', { friends: ['ghost'], timezone: 'UTC' });
    await reject('users/other', 'unknown_friend', { friends: ['del', 'ghost'] });
    await reject('line:7', 'malformed_json', '{"path": "sessions/s9", "data": {"userId": "del", "startTime": ');
    await reject('line:8', 'malformed_json', '{"path": "users/del", "data": {"friends": [');
    await reject('users/x1', 'invalid_path', { path: 'users/del', data: { timezone: 'UTC' } });
    // Not about del: a uid that merely starts or ends like theirs, and unrelated lines.
    await reject('users/delta', 'unknown_friend', { friends: ['ghost'] });
    await reject('users/near', 'unknown_friend', { friends: ['xdel', 'delx'] });
    await reject('line:9', 'malformed_json', '{"path": "sessions/s10", "data": {"userId": "model", ');

    await deleteAccount('del', { db: db.pool, documents: null, now: Date.now, by: 'test' });
    expect(await paths()).toEqual(['line:9', 'users/delta', 'users/near']);
  });

  it('a reject recorded after the deletion keeps no raw document of the deleted user (its userId, or its users/{uid} path)', async () => {
    await deleteAccount('later', { db: db.pool, documents: null, now: Date.now, by: 'test' });
    await storeRejects(db.pool, 'r1', [
      { path: 'sessions/l1', reason: 'invalid_time', detail: 'x', raw: { userId: 'later', startTime: 'soon' } },
      { path: 'users/later', reason: 'invalid_friends', detail: 'x', raw: { friends: 'all' } },
      { path: 'sessions/k1', reason: 'invalid_time', detail: 'x', raw: { userId: 'kept', startTime: 'soon' } },
    ]);
    const raws = await db.pool.any(sql.type(z.object({ p: z.string(), raw: z.unknown() }))`
      select document_path as p, raw from backfill_rejects where document_path in ('sessions/l1', 'users/later', 'sessions/k1') order by 1`);
    expect(raws).toEqual([
      { p: 'sessions/k1', raw: { userId: 'kept', startTime: 'soon' } },
      { p: 'sessions/l1', raw: null },
      { p: 'users/later', raw: null },
    ]);
  });
});
