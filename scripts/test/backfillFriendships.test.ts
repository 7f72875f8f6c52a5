import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { runScript } from './support/runScript';
import { emptyTables } from './support/snapshot';

jest.setTimeout(180_000);

/** Legacy users/{uid} documents with friends arrays, as an export holds them (with a session line to skip). */
const EXPORT = [
  { path: 'users/ann', data: { timezone: 'Europe/Paris', friends: ['ben', 'cat', 'ghost', 'ben'] } }, // ben lists ann back; cat does not; ghost is nobody
  { path: 'users/ben', data: { friends: ['ann'] } },
  { path: 'users/cat', data: { timezone: 'UTC' } }, // no friends field: skipped
  { path: 'users/dan', data: { friends: 'ann' } }, // not an array
  { path: 'sessions/s1', data: { userId: 'ann', startTime: '2024-01-01T10:00:00Z', endTime: '2024-01-01T11:00:00Z', timezone: 'UTC' } },
  { path: 'users/eve', data: { friends: ['eve', 42, 'ann'] } }, // itself and a number: rejected, ann still asked
  { path: 'users/fay', data: { friends: ['ann'] } },
  { path: 'users/gus', data: { friends: ['hal'] } },
  { path: 'users/ivy', data: { friends: ['jon'] } }, // jon asked ivy in the app already: they become friends
  { path: 'users/hal', data: { friends: ['gus', 'kim'] } }, // kim: no legacy document, but already a SQL user
];

const pairs = z.object({ a: z.string(), b: z.string() });

describe('backfill friendships from an NDJSON export', () => {
  let db: TestDatabase;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'backfill-friends-'));
    file = path.join(dir, 'export.ndjson');
    writeFileSync(file, EXPORT.map((d) => JSON.stringify(d)).join('\n') + '\n');
  });
  afterAll(async () => {
    await db.close();
  });

  const backfill = (args: string[]) => runScript('backfill.ts', args, db.url);
  const report = (name: string) => JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
  const state = async () => ({
    friends: await db.pool.any(sql.type(pairs)`select user_id as a, friend_id as b from friendships where user_id < friend_id order by 1, 2`),
    halves: await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      select count(*)::int as n from friendships f where not exists (select from friendships g where g.user_id = f.friend_id and g.friend_id = f.user_id)`),
    requests: await db.pool.any(sql.type(pairs)`select requester_id as a, addressee_id as b from friend_requests order by 1, 2`),
  });
  const EXPECTED = {
    friends: [{ a: 'ann', b: 'ben' }, { a: 'gus', b: 'hal' }, { a: 'ivy', b: 'jon' }],
    halves: 0,
    requests: [{ a: 'ann', b: 'cat' }, { a: 'eve', b: 'ann' }, { a: 'fay', b: 'ann' }, { a: 'hal', b: 'kim' }],
  };

  async function seed(): Promise<void> {
    await emptyTables(db.pool);
    await db.pool.query(sql.unsafe`insert into users (id) values ('jon'), ('kim')`);
    await db.pool.query(sql.unsafe`insert into users (id) values ('ivy')`);
    await db.pool.query(sql.unsafe`insert into friend_requests (requester_id, addressee_id) values ('jon', 'ivy')`);
    const users = await backfill(['users', '--from-file', file]);
    expect(users.code).toBe(0);
  }

  it('makes mutual listings friends, one-sided ones pending requests from the lister, and rejects unknown and malformed entries', async () => {
    await seed();
    const run = await backfill(['friendships', '--from-file', file, '--batch-size', '2', '--run-id', 'friends-1', '--report', path.join(dir, 'friends.json'), '--rejects', path.join(dir, 'rejects.ndjson')]);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/backfill friendships completed \(run friends-1\)/);
    expect(run.stdout).toMatch(/requested\s+5/);
    expect(run.stdout).toMatch(/befriended\s+4/);
    expect(report('friends.json').counts).toMatchObject({
      read: 10,
      // Per listing, in batches of two documents: ann→ben and ben→ann meet in one batch (2 befriended);
      // gus→hal is a request until hal→gus, three batches later, answers it (1 requested, 1 befriended).
      inserted: 5, // ann→cat, eve→ann, fay→ann, gus→hal, hal→kim
      updated: 4, // ann→ben, ben→ann, ivy→jon, hal→gus
      rejected: 3,
      skipped: 2,
      rejectsByReason: { unknown_friend: 1, invalid_friends: 2 },
    });
    expect(await state()).toEqual(EXPECTED);
    const rejects = await db.pool.any(sql.type(z.object({ document_path: z.string(), reason: z.string(), detail: z.string() }))`
      select document_path, reason, detail from backfill_rejects where run_id = 'friends-1' order by 1`);
    expect(rejects).toEqual([
      { document_path: 'users/ann', reason: 'unknown_friend', detail: 'no such user: ghost' },
      { document_path: 'users/dan', reason: 'invalid_friends', detail: 'friends must be an array of user ids' },
      { document_path: 'users/eve', reason: 'invalid_friends', detail: 'not user ids: "eve" (the user itself), 42' },
    ]);
    expect(readFileSync(path.join(dir, 'rejects.ndjson'), 'utf8').trim().split('\n')).toHaveLength(3);
    const ghost = await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from users where id = 'ghost'`);
    expect(ghost).toBe(0);
  });

  it('changes nothing when run again: every listing is a duplicate', async () => {
    const again = await backfill(['friendships', '--from-file', file, '--report', path.join(dir, 'again.json')]);
    expect(again.code).toBe(0);
    expect(report('again.json').counts).toMatchObject({ read: 10, inserted: 0, updated: 0, duplicates: 9, rejected: 3 });
    expect(await state()).toEqual(EXPECTED);
  });

  it('writes nothing in a dry run, and says what it would do', async () => {
    await seed();
    const dry = await backfill(['friendships', '--from-file', file, '--dry-run', '--report', path.join(dir, 'dry.json')]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/DRY RUN \(nothing written\)/);
    // One batch: ann/ben and gus/hal meet inside it, so they count as befriended.
    expect(report('dry.json').counts).toMatchObject({ read: 10, inserted: 4, updated: 5, rejected: 3 });
    expect(await state()).toEqual({ friends: [], halves: 0, requests: [{ a: 'jon', b: 'ivy' }] });
    const runs = await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from backfill_runs where kind = 'friendships'`);
    expect(runs).toBe(0);
  });

  it('resumes a run stopped between batches and reaches the same state', async () => {
    await seed();
    const args = ['friendships', '--from-file', file, '--batch-size', '2'];
    const stopped = await runScript('test/support/crashingBackfill.ts', [...args, '--run-id', 'friends-term'], db.url, { BACKFILL_CRASH_AT: 'between:2', BACKFILL_CRASH_SIGNAL: 'SIGTERM' });
    expect(stopped.code).toBe(143);
    const status = await db.pool.oneFirst(sql.type(z.object({ status: z.string() }))`select status from backfill_runs where id = 'friends-term'`);
    expect(status).toBe('interrupted');
    const resumed = await backfill(['friendships', '--resume', 'friends-term', '--report', path.join(dir, 'resumed.json')]);
    expect(resumed.code).toBe(0);
    expect(report('resumed.json')).toMatchObject({ status: 'completed', counts: { read: 10, rejected: 3 } });
    expect(await state()).toEqual(EXPECTED);
  });

  it('lists friendships among the commands, and refuses flags of other kinds', async () => {
    const help = await backfill(['--help']);
    expect(help.stdout).toMatch(/friendships/);
    const wrong = await backfill(['friendships', '--from-file', file, '--default-timezone', 'UTC']);
    expect(wrong.code).toBe(2);
  });
});
