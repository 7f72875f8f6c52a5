import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { createRun, loadRun } from '../lib/backfillRuns';
import { ndjsonSource } from '../lib/ndjsonSource';
import { runBackfill } from '../lib/runBackfill';
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

  it('rejects missing or contradictory selections with all problems at once', async () => {
    const run = await runScript('recompute.ts', ['--all', '--user', 'x', '--chunk', '0'], db.url);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('either --all or --user');
    expect(run.stderr).toContain('--chunk');
  });
});
