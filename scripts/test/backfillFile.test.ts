import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { runScript } from './support/runScript';
import { emptyTables, migrationState, rowCounts } from './support/snapshot';

const FIXTURE = path.join(__dirname, 'fixtures/messy-export.ndjson');
jest.setTimeout(180_000);

const streakRow = z.object({
  user_id: z.string(),
  current_streak: z.number(),
  longest_streak: z.number(),
  last_qualified_date: z.string().nullable(),
  qualified_days_count: z.number(),
  timezone: z.string().nullable(),
  version: z.coerce.number(),
});

describe('backfill from an NDJSON export', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'backfill-test-'));
  });
  afterAll(async () => {
    await db.close();
  });

  const backfill = (args: string[], env: Record<string, string> = {}) => runScript('backfill.ts', args, db.url, env);
  const report = (name: string) => JSON.parse(readFileSync(path.join(dir, name), 'utf8'));

  /** Sessions already accepted by the callable before the backfill: one the export repeats, one it contradicts. */
  async function seed(): Promise<void> {
    await emptyTables(db.pool);
    await db.pool.query(sql.unsafe`insert into users (id) values ('alice')`);
    await db.pool.query(sql.unsafe`
      insert into focus_sessions (session_id, user_id, start_time, end_time, timezone, source) values
        ('pre1', 'alice', '2024-01-14T14:00:00Z', '2024-01-14T14:40:00Z', 'America/New_York', 'callable'),
        ('pre2', 'alice', '2024-01-09T14:00:00Z', '2024-01-09T14:05:00Z', 'America/New_York', 'callable')`);
    const users = await backfill(['users', '--from-file', FIXTURE, '--report', path.join(dir, 'users.json')]);
    expect(users.code).toBe(0);
  }

  it('backfills users first: fills an empty zone, rejects an unknown one, skips other collections', async () => {
    await seed();
    // A line with a bare "id" takes the collection being read, unless its data is plainly a session:
    // {"id": "a5"} with startTime/endTime is refused in a users run, never stored as users/a5.
    expect(report('users.json').counts).toMatchObject({ read: 36, inserted: 2, updated: 1, duplicates: 0, rejected: 4, skipped: 29, rejectsByReason: { invalid_timezone: 1, malformed_json: 1, invalid_path: 2 } });
    const users = await db.pool.any(sql.unsafe`select id, timezone, legacy_timezone from users order by id`);
    expect(users).toEqual([
      { id: 'alice', timezone: 'America/New_York', legacy_timezone: 'America/New_York' },
      { id: 'bob', timezone: null, legacy_timezone: null },
      { id: 'carol', timezone: 'Asia/Kathmandu', legacy_timezone: 'Asia/Kathmandu' },
    ]);
  });

  let baseline: unknown;

  it('backfills a messy export: every encoding, every reject reason, duplicates in the file and against stored rows', async () => {
    await seed();
    const rejectsFile = path.join(dir, 'rejects.ndjson');
    const run = await backfill(['sessions', '--from-file', FIXTURE, '--batch-size', '4', '--rebuild-chunk', '2', '--run-id', 'fixture-1', '--report', path.join(dir, 'sessions.json'), '--rejects', rejectsFile]);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/backfill sessions completed \(run fixture-1\)/);
    const r = report('sessions.json');
    expect(r.counts).toEqual({
      read: 36,
      inserted: 12,
      updated: 0,
      duplicates: 2,
      rejected: 15,
      skipped: 7,
      rejectsByReason: {
        malformed_json: 1, invalid_path: 1, invalid_session_id: 1, missing_user: 1, invalid_user: 1, user_mismatch: 1,
        invalid_time: 1, implausible_time: 2, end_not_after_start: 1, too_long: 1, invalid_timezone: 1, missing_timezone: 1, conflict: 2,
      },
      usersRebuilt: 4,
      usersChanged: 4,
      sourceDone: true,
    });
    expect(r.usersAffected).toBe(4);

    const streaks = await db.pool.any(sql.type(streakRow)`
      select user_id, current_streak, longest_streak, last_qualified_date::text, qualified_days_count, timezone, version from user_streaks order by user_id`);
    expect(streaks).toEqual([
      // pre1 (already stored) fills Jan 14, so the run is Jan 10-15; pre2's 5 minutes on Jan 9 do not qualify.
      { user_id: 'alice', current_streak: 6, longest_streak: 6, last_qualified_date: '2024-01-15', qualified_days_count: 6, timezone: 'America/New_York', version: 1 },
      // 30:00 on each side of Paris midnight on the night clocks sprang forward: both dates qualify.
      { user_id: 'bob', current_streak: 2, longest_streak: 2, last_qualified_date: '2024-03-31', qualified_days_count: 2, timezone: 'Europe/Paris', version: 1 },
      // Zone from users/carol: 23:45-00:30 in Kathmandu leaves 30:00 on May 2.
      { user_id: 'carol', current_streak: 2, longest_streak: 2, last_qualified_date: '2024-05-03', qualified_days_count: 2, timezone: 'Asia/Kathmandu', version: 1 },
      // Collection-group layout, user from the path: 30:00 qualifies, 29:59 does not.
      { user_id: 'dave', current_streak: 1, longest_streak: 1, last_qualified_date: '2024-02-01', qualified_days_count: 1, timezone: 'UTC', version: 1 },
    ]);
    const focus = await db.pool.oneFirst(sql.type(z.object({ s: z.number() }))`
      select focus_seconds as s from daily_focus where user_id = 'alice' and local_date = '2024-01-10'`);
    expect(focus).toBe(50 * 60); // a1 and the overlapping a6 count once
    const stored = await db.pool.oneFirst(sql.type(z.object({ e: z.string() }))`select end_time::text as e from focus_sessions where session_id = 'pre2'`);
    expect(stored).toBe('2024-01-09 14:05:00+00'); // a conflict never overwrites
    const outbox = await db.pool.anyFirst(sql.type(z.object({ user_id: z.string() }))`select user_id from streak_outbox order by user_id`);
    expect(outbox).toEqual(['alice', 'bob', 'carol', 'dave']);

    const rejects = await db.pool.any(sql.type(z.object({ document_path: z.string(), reason: z.string() }))`
      select document_path, reason from backfill_rejects where run_id = 'fixture-1' order by document_path`);
    expect(rejects).toHaveLength(15);
    expect(rejects).toEqual(expect.arrayContaining([{ document_path: 'sessions/pre2', reason: 'conflict' }, { document_path: 'line:25', reason: 'malformed_json' }]));
    const lines = readFileSync(rejectsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(15);
    expect(lines.find((l) => l.path === 'sessions/x7')).toMatchObject({ reason: 'implausible_time', raw: { startTime: 1704895200 } });
    baseline = await migrationState(db.pool);
  });

  it('changes nothing when run a second time', async () => {
    const before = await rowCounts(db.pool);
    const again = await backfill(['sessions', '--from-file', FIXTURE, '--report', path.join(dir, 'again.json')]);
    expect(again.code).toBe(0);
    expect(report('again.json').counts).toMatchObject({ inserted: 0, duplicates: 14, rejected: 15, usersRebuilt: 0, usersChanged: 0 });
    const after = await rowCounts(db.pool);
    // Only the bookkeeping of the second run itself is new.
    expect(after).toEqual({ ...before, backfill_runs: before.backfill_runs + 1, backfill_rejects: before.backfill_rejects + 15 });
  });

  it('accepts sessions without any zone under --default-timezone', async () => {
    await seed();
    const run = await backfill(['sessions', '--from-file', FIXTURE, '--default-timezone', 'Europe/Berlin', '--no-project', '--report', path.join(dir, 'tz.json')]);
    expect(run.code).toBe(0);
    expect(report('tz.json').counts).toMatchObject({ inserted: 13, rejected: 14 });
    expect(report('tz.json').counts.rejectsByReason.missing_timezone).toBeUndefined();
    expect(await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from streak_outbox`)).toBe(0);
  });

  it('writes nothing in a dry run, not even a run row, and reports what it would do', async () => {
    await seed();
    const before = await rowCounts(db.pool);
    const dry = await backfill(['sessions', '--from-file', FIXTURE, '--dry-run', '--report', path.join(dir, 'dry.json')]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/DRY RUN/);
    expect(report('dry.json')).toMatchObject({ runId: null, dryRun: true, usersAffected: 4 });
    expect(report('dry.json').counts).toMatchObject({ inserted: 12, rejected: 15 });
    expect(await rowCounts(db.pool)).toEqual(before);
  });

  it.each([
    ['inside a batch transaction', 'inside:3'],
    ['between batches', 'between:5'],
    ['during the closing rebuild', 'rebuild:1'],
  ])('resumes a run killed %s to the state of an uninterrupted run', async (_, crashAt) => {
    await seed();
    const args = ['sessions', '--from-file', FIXTURE, '--batch-size', '4', '--rebuild-chunk', '2'];
    const killed = await runScript('test/support/crashingBackfill.ts', [...args, '--run-id', 'killed'], db.url, { BACKFILL_CRASH_AT: crashAt });
    expect(killed.signal === 'SIGKILL' || killed.code === 137).toBe(true);
    const status = await db.pool.oneFirst(sql.type(z.object({ status: z.string() }))`select status from backfill_runs where id = 'killed'`);
    expect(status).toBe('running');
    const resumed = await backfill(['sessions', '--resume', 'killed']);
    expect(resumed.stderr).not.toMatch(/error/i);
    expect(resumed.code).toBe(0);
    expect(await migrationState(db.pool)).toEqual(baseline);
    const run = await db.pool.one(sql.type(z.object({ status: z.string(), counts: z.record(z.unknown()) }))`select status, counts from backfill_runs where id = 'killed'`);
    expect(run.status).toBe('completed');
    expect(run.counts).toMatchObject({ read: 36, inserted: 12, duplicates: 2, rejected: 15, usersRebuilt: 4 });
  });

  it('stops at a batch boundary on SIGTERM, marks the run interrupted, prints the resume command, and the resume keeps the options', async () => {
    await seed();
    const files = { report: path.join(dir, 'term.json'), rejects: path.join(dir, 'term-rejects.ndjson') };
    const args = ['sessions', '--from-file', FIXTURE, '--batch-size', '4', '--rebuild-chunk', '2', '--report', files.report, '--rejects', files.rejects];
    const stopped = await runScript('test/support/crashingBackfill.ts', [...args, '--run-id', 'term'], db.url, { BACKFILL_CRASH_AT: 'between:2', BACKFILL_CRASH_SIGNAL: 'SIGTERM' });
    expect(stopped.code).toBe(143);
    expect(stopped.stdout).toContain('continue with: npm run backfill -- sessions --resume term');
    // The hint shows what a resumed run keeps, the files included.
    expect(stopped.stdout).toContain(`--report ${files.report}`);
    expect(stopped.stdout).toContain(`--rejects ${files.rejects}`);
    expect(stopped.stdout).toContain('--batch-size 4');
    const run = await db.pool.one(sql.type(z.object({ status: z.string(), counts: z.record(z.unknown()) }))`select status, counts from backfill_runs where id = 'term'`);
    expect(run.status).toBe('interrupted');
    expect(run.counts.read).toBeLessThan(36);
    expect(report('term.json')).toMatchObject({ runId: 'term', status: 'interrupted' });

    const resumed = await backfill(['sessions', '--resume', 'term']);
    expect(resumed.stderr).not.toMatch(/error/i);
    expect(resumed.code).toBe(0);
    expect(await migrationState(db.pool)).toEqual(baseline);
    // No --report given to the resume: the run's own report file is written, now completed.
    expect(report('term.json')).toMatchObject({ runId: 'term', status: 'completed', counts: { read: 36, inserted: 12, rejected: 15 } });
    const rejectLines = readFileSync(files.rejects, 'utf8').trim().split('\n').map((l) => JSON.parse(l).path);
    expect(new Set(rejectLines).size).toBe(15);
  });

  it("skips the reverse mirror's copies of callable sessions: never stored twice, never a reject", async () => {
    await emptyTables(db.pool);
    const file = path.join(dir, 'with-mirrors.ndjson');
    writeFileSync(
      file,
      [
        { path: 'sessions/legacy-1', data: { userId: 'uma', startTime: '2024-03-01T08:00:00Z', endTime: '2024-03-01T08:40:00Z', timezone: 'UTC' } },
        { path: 'sessions/sql.0123456789abcdefghijklmnopqrstuv', data: { userId: 'uma', startTime: '2024-03-02T08:00:00Z', endTime: '2024-03-02T08:40:00Z', timezone: 'UTC', mirroredFromSql: true } },
      ].map((line) => JSON.stringify(line)).join('\n') + '\n',
    );
    const run = await backfill(['sessions', '--from-file', file, '--report', path.join(dir, 'mirrors.json')]);
    expect(run.code).toBe(0);
    expect(report('mirrors.json').counts).toMatchObject({ read: 2, inserted: 1, rejected: 0, skipped: 1 });
    expect(await db.pool.anyFirst(sql.type(z.object({ id: z.string() }))`select session_id as id from focus_sessions where user_id = 'uma'`)).toEqual(['legacy-1']);
  });

  it('lists unknown options, missing values and extra arguments together with every other problem (exit 2)', async () => {
    const bad = await backfill(['users', 'extra', '--from-file', FIXTURE, '--bogus', '--default-timezone', 'UTC', '--batch-size']);
    expect(bad.code).toBe(2);
    for (const needle of ['unexpected argument "extra"', 'unknown option --bogus', '--default-timezone is an option of backfill sessions only', '--batch-size needs a value <n>']) {
      expect(bad.stderr).toContain(needle);
    }
    expect(bad.stderr).not.toMatch(/Usage:/);
  });

  it('shows only the flags of the chosen command in --help, with defaults written one way', async () => {
    const sessions = await backfill(['sessions', '--help']);
    const users = await backfill(['users', '--help']);
    expect(sessions.code).toBe(0);
    expect(users.code).toBe(0);
    expect(sessions.stdout).toContain('--default-timezone');
    expect(sessions.stdout).toMatch(/--batch-size <n>.*\(1-10000; default: 5000\)/);
    expect(users.stdout).not.toContain('--default-timezone');
    expect(users.stdout).not.toContain('--rebuild-chunk');
    expect(users.stdout).not.toContain('--no-project');
    expect(users.stdout).toContain('--from-file');
  });

  it('validates every flag before touching data and prints all problems at once (exit 2)', async () => {
    const before = await rowCounts(db.pool);
    const bad = await backfill(['sessionz', '--from-file', '/nonexistent.ndjson', '--from-firestore', '--batch-size', '0', '--shard', '3/2', '--since', 'yesterday', '--default-timezone', 'Mars/Base']);
    expect(bad.code).toBe(2);
    const problems = bad.stderr.trim().split('\n');
    expect(problems.length).toBeGreaterThanOrEqual(7);
    for (const needle of ['sessions" or "users', 'exactly one source', 'not a readable file', '--batch-size', '--shard', '--since', '--default-timezone']) {
      expect(bad.stderr).toContain(needle);
    }
    expect(await rowCounts(db.pool)).toEqual(before);
    const unknown = await backfill(['sessions', '--resume', 'no-such-run']);
    expect(unknown.code).toBe(2);
  });

  it('refuses to resume a run whose stored options are not in the shape it writes, naming the field, and changes nothing', async () => {
    await emptyTables(db.pool);
    const first = await backfill(['sessions', '--from-file', FIXTURE, '--run-id', 'edited']);
    expect(first.code).toBe(0);
    // A hand edit (or another version) left the batch size as text.
    await db.pool.query(sql.unsafe`update backfill_runs set options = jsonb_set(options, '{plan,batchSize}', '"5000"'), status = 'interrupted' where id = 'edited'`);
    const before = await migrationState(db.pool);
    const resumed = await backfill(['sessions', '--resume', 'edited']);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain('--resume: the options run edited was started with cannot be read (plan.batchSize: Expected number, received string); start a new run instead');
    expect(await migrationState(db.pool)).toEqual(before);
  });
});
