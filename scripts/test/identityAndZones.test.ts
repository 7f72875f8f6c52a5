import { sql } from 'slonik';
import { z } from 'zod';
import { enqueueStreakProjectionReporting, rebuildStreaksReporting } from '../../functions/src/db/streakRebuild';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { classifySessionBatch, insertSessionBatch } from '../../functions/src/ingest/sessionBatch';

const QUALIFY = 1800;
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

const session = (userId: string, sessionId: string, startIso: string, minutes: number, timeZone = 'Europe/Paris') => ({
  path: `users/${userId}/sessions/${sessionId}`,
  sessionId,
  userId,
  startMs: Date.parse(startIso),
  endMs: Date.parse(startIso) + minutes * 60_000,
  timeZone,
});

describe('backfill batches: session ids are per user', () => {
  it('inserts the same id of two users as two sessions, neither a conflict, and classifies a re-run as duplicates', async () => {
    const batch = [session('ann', 's1', '2024-05-01T08:00:00Z', 40), session('ben', 's1', '2024-05-02T08:00:00Z', 35)];
    expect(await classifySessionBatch(db.pool, batch)).toMatchObject({ duplicates: 0, conflicts: [] });
    const first = await db.pool.transaction((tx) => insertSessionBatch(tx, batch));
    expect(first.inserted.map((s) => s.userId)).toEqual(['ann', 'ben']);
    expect(first.conflicts).toEqual([]);
    const again = await db.pool.transaction((tx) => insertSessionBatch(tx, batch));
    expect(again).toEqual({ inserted: [], duplicates: 2, conflicts: [], users: ['ann', 'ben'] });
    const changed = await db.pool.transaction((tx) => insertSessionBatch(tx, [session('ben', 's1', '2024-05-02T08:00:00Z', 36)]));
    expect(changed.conflicts.map((c) => c.reason)).toEqual(['conflict']);
    // The conflict names the user's own stored times, nothing of another user.
    expect(changed.conflicts[0]?.detail).not.toContain('ann');
  });

  it('skips creating users an earlier batch created, and creates them after all when one was deleted meanwhile', async () => {
    const first = await db.pool.transaction((tx) => insertSessionBatch(tx, [session('cleo', 'a', '2024-05-01T08:00:00Z', 40)]));
    expect(first.users).toEqual(['cleo']);
    // Known from the first batch, then gone (an account deletion between batches): the foreign key
    // refuses the sessions under a savepoint and the batch creates its users and inserts again.
    await db.pool.query(sql.unsafe`delete from focus_sessions where user_id = 'cleo'`);
    await db.pool.query(sql.unsafe`delete from users where id = 'cleo'`);
    const known = new Set(first.users);
    const second = await db.pool.transaction((tx) => insertSessionBatch(tx, [session('cleo', 'b', '2024-05-02T08:00:00Z', 40), session('dan', 'a', '2024-05-02T09:00:00Z', 40)], known));
    expect(second.inserted.map((s) => `${s.userId}/${s.sessionId}`)).toEqual(['cleo/b', 'dan/a']);
    expect(await db.pool.anyFirst(sql.type(z.object({ id: z.string() }))`select id from users where id in ('cleo', 'dan') order by id`)).toEqual(['cleo', 'dan']);
  });
});

describe('rebuild and reprojection: one user\'s bad rows are reported, the batch goes on', () => {
  it('rebuilds every other user of the batch and names the user whose zone PostgreSQL does not know', async () => {
    await db.pool.query(sql.unsafe`insert into users (id) values ('good'), ('bad') on conflict do nothing`);
    await db.pool.query(sql.unsafe`
      insert into focus_sessions (session_id, user_id, start_time, end_time, timezone, source) values
        ('g1', 'good', '2024-06-01T08:00:00Z', '2024-06-01T08:45:00Z', 'Europe/Paris', 'callable'),
        ('b1', 'bad', '2024-06-01T08:00:00Z', '2024-06-01T08:45:00Z', 'US/Pacific-New', 'callable')`);
    const report = await rebuildStreaksReporting(db.pool, ['bad', 'good'], { qualifySeconds: QUALIFY, project: true });
    expect(report.changed).toEqual([{ userId: 'good', version: 1 }]);
    expect(report.problems).toEqual([{ userId: 'bad', problem: 'invalid_timezone: US/Pacific-New' }]);
  });

  it('falls back to one user at a time when another kind of row fails the set-based rebuild', async () => {
    await db.pool.query(sql.unsafe`insert into users (id) values ('lmt'), ('fine') on conflict do nothing`);
    // Any row the set-based rebuild cannot write (here a constraint this test adds for one user) fails only that user.
    await db.pool.query(sql.unsafe`alter table daily_focus add constraint test_refuses_lmt check (user_id <> 'lmt')`);
    await db.pool.query(sql.unsafe`
      insert into focus_sessions (session_id, user_id, start_time, end_time, timezone, source) values
        ('l1', 'lmt', '2024-06-02T08:00:00Z', '2024-06-02T08:45:00Z', 'Europe/Paris', 'callable')`);
    await db.pool.query(sql.unsafe`
      insert into focus_sessions (session_id, user_id, start_time, end_time, timezone, source) values
        ('f1', 'fine', '2024-06-02T08:00:00Z', '2024-06-02T08:45:00Z', 'Europe/Paris', 'callable')`);
    const report = await rebuildStreaksReporting(db.pool, ['fine', 'lmt'], { qualifySeconds: QUALIFY, project: false });
    expect(report.changed.map((c) => c.userId)).toEqual(['fine']);
    expect(report.problems.map((p) => p.userId)).toEqual(['lmt']);
    await db.pool.query(sql.unsafe`alter table daily_focus drop constraint test_refuses_lmt`);
  });

  it('queues every other user\'s streak and names the one whose stored zone cannot become an event', async () => {
    await db.pool.query(sql.unsafe`update user_streaks set timezone = 'US/Pacific-New', version = 3 where user_id = 'good'`);
    await db.pool.query(sql.unsafe`insert into users (id) values ('other') on conflict do nothing`);
    await db.pool.query(sql.unsafe`insert into user_streaks (user_id, timezone, version) values ('other', 'Europe/Paris', 2)`);
    const result = await enqueueStreakProjectionReporting(db.pool, ['good', 'other']);
    expect(result.queued).toEqual(['other']);
    expect(result.problems.map((p) => p.userId)).toEqual(['good']);
    const versions = await db.pool.any(sql.type(z.object({ user_id: z.string(), version: z.coerce.number() }))`
      select user_id, version from user_streaks where user_id in ('good', 'other') order by user_id`);
    expect(versions).toEqual([{ user_id: 'good', version: 3 }, { user_id: 'other', version: 3 }]);
  });
});
