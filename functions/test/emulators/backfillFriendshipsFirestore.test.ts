import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DocumentData, Firestore } from 'firebase-admin/firestore';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { adminFirestore, clearFirestore } from './support/stack';
import { readJson, rejectsOf, runCli, scratchDatabases, stopCliChildren, tempDir } from './support/migrationCli';

// `npm run backfill -- friendships --from-firestore` as a child process, reading legacy users/{uid}
// documents with friends arrays seeded into the Firestore emulator, into scratch databases.

jest.setTimeout(180_000);

const LEGACY: Record<string, DocumentData> = {
  'users/ann': { timezone: 'Europe/Paris', friends: ['ben', 'cat', 'ghost'] }, // ghost has no users document
  'users/ben': { friends: ['ann'] },
  'users/cat': { timezone: 'UTC' },
  'users/dan': { friends: 'ann' },
  'users/eve': { friends: ['eve', 'ann'] },
  'users/fay': { friends: ['ann', 'gus'] },
  'users/gus': { friends: ['hal', 'fay'] },
  'users/hal': { friends: ['gus'] },
};

const EXPECTED = {
  friends: [{ a: 'ann', b: 'ben' }, { a: 'fay', b: 'gus' }, { a: 'gus', b: 'hal' }],
  requests: [{ a: 'ann', b: 'cat' }, { a: 'eve', b: 'ann' }, { a: 'fay', b: 'ann' }],
};
const EXPECTED_REJECTS = [
  { document_path: 'users/ann', reason: 'unknown_friend' },
  { document_path: 'users/dan', reason: 'invalid_friends' },
  { document_path: 'users/eve', reason: 'invalid_friends' },
];

const pairs = z.object({ a: z.string(), b: z.string() });
const friendState = async (db: CommonQueryMethods) => ({
  friends: await db.any(sql.type(pairs)`select user_id as a, friend_id as b from friendships where user_id < friend_id order by 1, 2`),
  requests: await db.any(sql.type(pairs)`select requester_id as a, addressee_id as b from friend_requests order by 1, 2`),
});

async function seed(firestore: Firestore): Promise<void> {
  const batch = firestore.batch();
  for (const [p, data] of Object.entries(LEGACY)) batch.set(firestore.doc(p), data);
  await batch.commit();
}

describe('backfill friendships --from-firestore against the Firestore emulator', () => {
  const databases = scratchDatabases();
  const dir = tempDir('backfill-friends-firestore-');
  const firestore = adminFirestore();
  let n = 0;
  const reportFile = () => path.join(dir, `report-${++n}.json`);

  beforeAll(async () => {
    await clearFirestore();
    await seed(firestore);
  });
  afterAll(async () => {
    await stopCliChildren();
    await databases.closeAll();
    await clearFirestore();
  });

  const backfill = (db: { url: string }, args: string[]) => runCli('backfill.ts', ['friendships', ...args], db.url);

  it('knows friends by their users/{uid} documents: mutual listings are friends, one-sided ones requests, unknown uids rejected', async () => {
    const db = await databases.create();
    const report = reportFile();
    const run = await backfill(db, ['--from-firestore', '--batch-size', '2', '--partitions', '2', '--run-id', 'friends-fs', '--report', report]);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/backfill friendships completed \(run friends-fs\)/);
    expect(readJson(report).counts).toMatchObject({ read: 8, rejected: 3, skipped: 1, rejectsByReason: { unknown_friend: 1, invalid_friends: 2 } });
    const counts = readJson(report).counts as { inserted: number; updated: number; duplicates: number };
    // 9 listings stored: 3 one-sided, 6 halves of 3 friendships (each half first a request, or met in one batch).
    expect(counts.inserted + counts.updated + counts.duplicates).toBe(9);
    expect(await friendState(db.pool)).toEqual(EXPECTED);
    expect(await rejectsOf(db.pool)).toEqual(EXPECTED_REJECTS);
    const users = await db.pool.anyFirst(sql.type(z.object({ id: z.string() }))`select id from users order by id`);
    expect(users).toEqual(['ann', 'ben', 'cat', 'eve', 'fay', 'gus', 'hal']);

    const again = reportFile();
    expect((await backfill(db, ['--from-firestore', '--report', again])).code).toBe(0);
    expect(readJson(again).counts).toMatchObject({ inserted: 0, updated: 0, duplicates: 9 });
    expect(await friendState(db.pool)).toEqual(EXPECTED);
  });

  it('reaches the same state from an export of the same documents after the users backfill', async () => {
    const db = await databases.create();
    const file = path.join(dir, 'export.ndjson');
    writeFileSync(file, Object.entries(LEGACY).map(([p, data]) => JSON.stringify({ path: p, data })).join('\n') + '\n');
    expect((await runCli('backfill.ts', ['users', '--from-file', file], db.url)).code).toBe(0);
    expect((await backfill(db, ['--from-file', file, '--batch-size', '3'])).code).toBe(0);
    expect(await friendState(db.pool)).toEqual(EXPECTED);
    expect(await rejectsOf(db.pool)).toEqual(EXPECTED_REJECTS);
  });

  it('writes nothing in a dry run', async () => {
    const db = await databases.create();
    const report = reportFile();
    expect((await backfill(db, ['--from-firestore', '--dry-run', '--report', report])).code).toBe(0);
    expect(readJson(report)).toMatchObject({ dryRun: true, counts: { read: 8, inserted: 3, updated: 6, rejected: 3 } });
    expect(await friendState(db.pool)).toEqual({ friends: [], requests: [] });
  });
});
