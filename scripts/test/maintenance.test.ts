import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { createRun, loadRun } from '../../functions/src/db/backfillRuns';
import { ndjsonSource } from '../lib/backfill/ndjsonSource';
import { runBackfill } from '../lib/backfill/runBackfill';
import { runScript } from './support/runScript';
import { emptyTables } from './support/snapshot';

const FIXTURE = path.join(__dirname, 'fixtures/messy-export.ndjson');
jest.setTimeout(120_000);

describe('verify, recompute and reproject', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await emptyTables(db.pool);
    const base = { collection: 'sessions', batchSize: 100, dryRun: false, project: true, qualifySeconds: 1800, maxSessionHours: 24, rebuildChunkSize: 100 };
    for (const kind of ['users', 'sessions'] as const) {
      await createRun(db.pool, { id: kind, kind, source: 'fixture', options: {} });
      const run = (await loadRun(db.pool, kind))!;
      await runBackfill({ pool: db.pool, source: ndjsonSource(FIXTURE, { collection: kind }), settings: { ...base, kind, collection: kind }, run });
    }
  });
  afterAll(async () => {
    await db.close();
  });

  const streaks = () =>
    db.pool.any(sql.type(z.object({ user_id: z.string(), current_streak: z.number(), version: z.coerce.number() }))`
      select user_id, current_streak, version from user_streaks order by user_id`);
  const outboxCount = () => db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from streak_outbox`);

  it('verify tells differences the legacy rules explain from real mismatches', async () => {
    const run = await runScript('verify.ts', ['--from-file', FIXTURE], db.url);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/equal\s+1\n/);
    expect(run.stdout).toMatch(/legacy late data\s+1 /);
    expect(run.stdout).toMatch(/MISMATCH\s+1\n/);
    expect(run.stdout).toMatch(/missing in legacy\s+1\n/); // dave has no legacy streak document
    expect(run.stdout).toContain('carol [mismatch] currentStreak: legacy 3 vs sql 2');
    expect(run.stdout).toContain('alice [legacy_late_data]');
    // The counts add up: 3 compared (1 equal, 1 late, 1 mismatch) + 1 unreadable, named with its reason.
    expect(run.stdout).toContain('parity of 4 legacy streak documents');
    expect(run.stdout).toContain('3 compared, 1 unreadable');
    expect(run.stdout).toMatch(/streaks\/a5: the line names no collection and its data is a session/);
    expect(run.stdout).toMatch(/2 export lines were no document at all[^\n]*\n\s+line:25: malformed_json/);
    const failing = await runScript('verify.ts', ['--from-file', FIXTURE, '--fail-on-mismatch'], db.url);
    expect(failing.code).toBe(1);
  });

  it('recompute applies a new threshold, bumping versions only where streaks change', async () => {
    const before = await streaks();
    const outbox = await outboxCount();
    const dry = await runScript('recompute.ts', ['--all', '--dry-run'], db.url, { QUALIFY_MINUTES: '45' });
    expect(dry.stdout).toMatch(/would change 4 of 4 streaks/);
    expect(await streaks()).toEqual(before);

    const stricter = await runScript('recompute.ts', ['--all', '--chunk', '2'], db.url, { QUALIFY_MINUTES: '45' });
    expect(stricter.code).toBe(0);
    // (Here pre2's full hour on Jan 9 counts: nothing was stored before.) Only alice's Jan 9 (60 min) and Jan 10 (50 min) still qualify; bob's and dave's 30-minute dates no longer do; carol's 40 minutes neither.
    expect(await streaks()).toEqual([
      { user_id: 'alice', current_streak: 2, version: 2 },
      { user_id: 'bob', current_streak: 0, version: 2 },
      { user_id: 'carol', current_streak: 0, version: 2 },
      { user_id: 'dave', current_streak: 0, version: 2 },
    ]);
    expect(await outboxCount()).toBe(outbox + 4);
    const same = await runScript('recompute.ts', ['--user', 'alice', 'bob'], db.url, { QUALIFY_MINUTES: '45' });
    expect(same.stdout).toMatch(/changed 0 of 2 streaks/);
    await runScript('recompute.ts', ['--all'], db.url);
    expect((await streaks()).map((s) => s.current_streak)).toEqual([7, 2, 2, 1]);
  });

  it('reproject queues each current streak once, with a new version, skipping ones still waiting', async () => {
    const waiting = await runScript('reproject.ts', ['--all'], db.url);
    expect(waiting.stdout).toMatch(/queued 0 streaks/);
    await db.pool.query(sql.unsafe`update streak_outbox set published_at = now()`);
    const before = await streaks();
    const run = await runScript('reproject.ts', ['--all', '--chunk', '3'], db.url);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/queued 4 streaks/);
    expect((await streaks()).map((s) => s.version)).toEqual(before.map((s) => s.version + 1));
    const payload = await db.pool.oneFirst(sql.type(z.object({ payload: z.record(z.unknown()) }))`
      select payload from streak_outbox where user_id = 'alice' order by version desc limit 1`);
    expect(payload).toMatchObject({ userId: 'alice', currentStreak: 7, version: before[0]!.version + 1 });
    const one = await runScript('reproject.ts', ['--user', 'alice', '--dry-run'], db.url);
    expect(one.stdout).toMatch(/would queue 0 streaks/);
  });

  it('names the users it did not find, and reproject says what it skipped and why', async () => {
    const recompute = await runScript('recompute.ts', ['--user', 'alice', 'nobody', 'ghost'], db.url);
    expect(recompute.code).toBe(0);
    expect(recompute.stdout).toMatch(/changed 0 of 1 streaks/);
    expect(recompute.stdout).toContain('2 not found: ghost, nobody');
    const reproject = await runScript('reproject.ts', ['--user', 'alice', 'nobody'], db.url);
    expect(reproject.code).toBe(0);
    expect(reproject.stdout).toContain('1 not found: nobody');
    const waiting = await runScript('reproject.ts', ['--all'], db.url);
    expect(waiting.stdout).toMatch(/queued 0 streaks/);
    expect(waiting.stdout).toMatch(/skipped\s+4 whose current version still waits in the outbox/);
  });

  it('rejects missing or contradictory selections with all problems at once', async () => {
    const run = await runScript('recompute.ts', ['--all', '--user', 'x', '--chunk', '0'], db.url);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('either --all or --user');
    expect(run.stderr).toContain('--chunk');
    const unknown = await runScript('reproject.ts', ['--all', '--chunk', '--bogus', 'extra'], db.url);
    expect(unknown.code).toBe(2);
    for (const needle of ['--chunk needs a value', 'unknown option --bogus', 'unexpected argument "extra"']) expect(unknown.stderr).toContain(needle);
  });
});
