import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../functions/src/accept/acceptSession';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { runScript } from './support/runScript';

// npm run delete-user: the operator's way to run the deletion of deleteMyData for a user by id.
// No Firestore host here: SQL only, said on stderr.
describe('delete-user', () => {
  let db: TestDatabase;
  let dir: string;
  const env = { FIRESTORE_EMULATOR_HOST: '', GCLOUD_PROJECT: 'demo-focus-streaks' };
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(os.tmpdir(), 'delete-user-'));
    const day = Date.parse('2025-03-01T08:00:00Z');
    for (const [userId, n] of [['op-gone', 3], ['op-kept', 2]] as const) {
      for (let i = 0; i < n; i++) {
        await acceptSession(db.pool, { userId, sessionId: `s${i}`, session: { startMs: day + i * 86_400_000, endMs: day + i * 86_400_000 + 40 * 60_000, timeZone: 'UTC' }, source: 'callable' }, { qualifySeconds: 1800 });
      }
    }
    await db.pool.query(sql.unsafe`insert into friendships (user_id, friend_id) values ('op-gone', 'op-kept'), ('op-kept', 'op-gone')`);
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.close();
  });
  const sessions = (userId: string) => db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from focus_sessions where user_id = ${userId}`);

  it('refuses to run without --user and --confirm, listing both problems, before touching anything', async () => {
    const run = await runScript('delete-user.ts', [], db.url, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--user <uid> is required');
    expect(run.stderr).toContain('--confirm is required');
    expect(await sessions('op-gone')).toBe(3);
  });

  it('--dry-run counts what would be deleted and changes nothing', async () => {
    const report = path.join(dir, 'dry.json');
    const run = await runScript('delete-user.ts', ['--user', 'op-gone', '--dry-run', '--report', report], db.url, env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('would delete for op-gone: 3 sessions, 3 days, 1 friendships, 0 friend requests');
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ dryRun: true, userId: 'op-gone', wouldDelete: { sql: { sessions: 3, days: 3, friendships: 1, streak: true }, firestore: null } });
    expect(await sessions('op-gone')).toBe(3);
  });

  it('--confirm deletes the user (SQL only without Firestore, said on stderr), leaves the others, and is idempotent', async () => {
    const report = path.join(dir, 'run.json');
    const run = await runScript('delete-user.ts', ['--user', 'op-gone', '--confirm', '--report', report], db.url, env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/deleted for op-gone in \d+ ms: 3 sessions, 3 days, 1 friendships, 0 friend requests/);
    expect(run.stderr).toContain('Firestore is not configured');
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ dryRun: false, userId: 'op-gone', deleted: { sessions: 3, days: 3, friendships: 1, requests: 0 }, versionFloor: 3, documents: null });
    expect(await sessions('op-gone')).toBe(0);
    expect(await sessions('op-kept')).toBe(2);
    const again = await runScript('delete-user.ts', ['--user', 'op-gone', '--confirm'], db.url, env);
    expect(again.stdout).toContain('0 sessions, 0 days, 0 friendships, 0 friend requests');
  });
});
