import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { rollUpSessionHours, sessionHoursSince } from '../../functions/src/db/sessionHours';
import { createTestDatabase, startEmbeddedServerProcess, type TestDatabase } from '../../functions/test/support/testDatabase';
import { createScratchDatabase } from '../lib/migrate/scratchDatabase';
import { parseConditions } from '../lib/status/failOn';
import { runbookSteps } from '../lib/status/runbookSteps';
import { statusSchema, type Status } from '../lib/status/readStatus';
import { runScript } from './support/runScript';
import { emptyTables } from './support/snapshot';
import { floorHour, seedStatus, type SeededStatus } from './support/statusFixture';

jest.setTimeout(120_000);
const FIXTURE = path.join(__dirname, 'fixtures/messy-export.ndjson');
const HOUR = 3_600_000;

/** An empty database nobody migrated: a scratch database on DATABASE_URL's server, else a fresh embedded one. */
async function unmigratedDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!process.env.DATABASE_URL) {
    const embedded = await startEmbeddedServerProcess();
    return { url: embedded.url, drop: () => embedded.stop() };
  }
  const scratch = await createScratchDatabase(process.env.DATABASE_URL, 'status');
  return { url: scratch.url, drop: () => scratch.drop() };
}

async function statusJson(db: TestDatabase, args: string[] = []): Promise<{ code: number | null; status: Status; stderr: string }> {
  const run = await runScript('status.ts', ['--json', ...args], db.url);
  if (run.code !== 0 && run.code !== 1) throw new Error(`status exited ${run.code}: ${run.stderr}`);
  return { code: run.code, status: statusSchema.parse(JSON.parse(run.stdout)), stderr: run.stderr };
}

describe('npm run status on a database mid-migration', () => {
  let db: TestDatabase;
  let seeded: SeededStatus;
  let status: Status;
  beforeAll(async () => {
    db = await createTestDatabase();
    seeded = await seedStatus(db.pool, Date.now());
    status = (await statusJson(db)).status;
  });
  afterAll(async () => {
    await db?.close();
  });

  it('prints one JSON object with every section and no problem', () => {
    expect(Object.keys(status)).toEqual(['at', 'database', 'migrations', 'sessions', 'rejects', 'backfill', 'verify', 'parity', 'outbox', 'mirror', 'adjustments', 'problems', 'steps']);
    expect(status.problems).toEqual([]);
    expect(status.migrations).toEqual({ pending: 0, files: [] });
  });

  it('counts sessions by source in all, in the last 24 hours and per hour over 14 days, one entry per hour', () => {
    const s = status.sessions!;
    expect(s.sources).toEqual(['callable', 'bridge', 'backfill']);
    expect(s.bySource).toEqual(seeded.bySource);
    expect(s.last24h).toEqual(seeded.last24h);
    expect(s.hourly).toHaveLength(14 * 24);
    const hours = s.hourly.map((h) => Date.parse(h.hour));
    expect(hours.slice(1).map((h, i) => h - (hours[i] as number))).toEqual(Array(14 * 24 - 1).fill(HOUR));
    expect(hours[hours.length - 1]).toBe(floorHour(Date.parse(status.at)));
    for (const entry of s.hourly) {
      const expected = seeded.hourly.get(entry.hour) ?? { callable: 0, bridge: 0, backfill: 0 };
      expect({ hour: entry.hour, callable: entry.callable, bridge: entry.bridge, backfill: entry.backfill }).toEqual({ hour: entry.hour, ...expected });
    }
  });

  it('lists the bridge rejects of the last 24 hours by reason', () => {
    expect(status.rejects).toEqual({ last24h: seeded.rejects });
  });

  it('counts the streak adjustments by kind and reason, with the users they touched', () => {
    expect(status.adjustments).toEqual({
      total: 4,
      byReason: [
        { kind: 'grant-freezes', reason: 'purchase', adjustments: 1, users: 1 },
        { kind: 'repair', reason: 'outage 2026-01-05', adjustments: 3, users: 2 },
      ],
    });
  });

  it('shows each backfill run with its shard, progress and last activity; a running run without progress for 10 minutes is stalled', () => {
    const runs = Object.fromEntries(status.backfill!.runs.map((r) => [r.id, r]));
    expect(status.backfill!.runs.map((r) => r.id)).toEqual(['catch-up', 'sessions-2', 'sessions-1', 'sessions-0', 'users-1']);
    expect(runs['sessions-0']).toMatchObject({ status: 'completed', group: 'backfill-sessions-x7k2p', shard: '0/3', progress: 1, phase: 'done', stalled: false, total: 4000 });
    expect(runs['sessions-1']).toMatchObject({ status: 'running', shard: '1/3', progress: 0.625, phase: 'reading', stalled: false });
    expect(runs['sessions-2']).toMatchObject({ status: 'running', shard: '2/3', progress: 0.25, stalled: true });
    expect(runs['catch-up']).toMatchObject({ status: 'completed', group: null, shard: null, since: { field: 'createdAt' } });
    expect(runs['users-1']).toMatchObject({ kind: 'users', status: 'completed', total: null, progress: 1 });
    expect(Date.parse(status.at) - Date.parse(runs['sessions-2']!.lastProgressAt)).toBeGreaterThan(10 * 60_000);
  });

  it('knows the last verify: when, its counts and its sample of mismatches, stale only after 24 hours', () => {
    expect(status.verify).toMatchObject({
      source: 'firestore collection streaks',
      counts: { equal: 35, mismatch: 1, missing_in_sql: 1, legacy_late_data: 3 },
      mismatches: 2,
      stale: false,
      sample: [
        { userId: 'user-3', verdict: 'mismatch' },
        { userId: 'user-9', verdict: 'missing_in_sql' },
      ],
    });
    expect(status.verify!.ageSeconds).toBeGreaterThanOrEqual(5 * 3600);
  });

  it('shows the last reconcile passes, ingest and projection, with their findings', () => {
    expect(status.parity!.ingest).toMatchObject({ checked: 57, missing: 1, ingested: 1, rejected: 0, failed: 0, samples: [{ userId: 'user-5', finding: 'missing', detail: { path: 'sessions/lost-1' } }] });
    expect(status.parity!.projection).toMatchObject({ sampled: 17, behind: 1, different: 0, inFlight: 2, samples: [{ userId: 'user-7', finding: 'behind' }] });
  });

  it('shows the outbox backlog now and over time', () => {
    expect(status.outbox).toMatchObject({ pending: 2 });
    expect(status.outbox!.oldestPendingSeconds).toBeGreaterThanOrEqual(90);
    expect(status.outbox!.history.length).toBeGreaterThanOrEqual(144);
    expect(status.outbox!.history[status.outbox!.history.length - 1]!.pending).toBe(2);
  });

  it('shows the reverse mirror: on, what legacy Firestore still lacks, and the failing write', () => {
    expect(status.mirror).toMatchObject({ enabled: true, pending: 2, failing: 1, uncovered: 0, lastError: '14 UNAVAILABLE: seeded', lastPass: { claimed: 1, written: 0, failed: 1, compensated: 0 } });
    expect(status.mirror!.lagSeconds).toBeGreaterThanOrEqual(150);
    expect(status.mirror!.seenAgeSeconds).toBeGreaterThanOrEqual(30);
    expect(status.steps[7]!.figures.join('\n')).toMatch(/^reverse mirror: on, 2 pending, lag \d+ s, FAILING 1: 14 UNAVAILABLE: seeded, last run \d+ s ago$/m);
  });

  it('marks step 8 by the mirror: off says there is no way back, a mirror behind or not running needs attention', () => {
    const step8 = (mirror: Partial<NonNullable<Status['mirror']>> | null) => {
      const [step] = runbookSteps({ ...status, mirror: mirror && { ...status.mirror!, failing: 0, lastError: null, uncovered: 0, ...mirror } }).filter((s) => s.step === 8);
      return { state: step!.state, mirror: step!.figures.find((f) => f.startsWith('reverse mirror') || f.startsWith('mirror'))! };
    };
    expect(step8({ enabled: false, pending: 0, lagSeconds: 0 })).toEqual({ state: 'done', mirror: expect.stringMatching(/^reverse mirror: off \(no way back/) });
    expect(step8({ enabled: true, pending: 0, lagSeconds: 0, seenAgeSeconds: 30 })).toEqual({ state: 'done', mirror: 'reverse mirror: on, 0 pending, lag 0 s, last run 30 s ago' });
    expect(step8({ enabled: true, pending: 3, lagSeconds: 400, seenAgeSeconds: 30 }).state).toBe('attention');
    // On, but callable sessions from before it was on were never queued: the way back is not whole.
    expect(step8({ enabled: true, pending: 0, lagSeconds: 0, seenAgeSeconds: 30, uncovered: 7 }).state).toBe('attention');
    expect(step8({ enabled: false, pending: 0, lagSeconds: 0, uncovered: 7 }).state).toBe('done');
    // Work pending and no run for ten minutes: the scheduled function is not running.
    expect(step8({ enabled: true, pending: 3, lagSeconds: 20, seenAgeSeconds: 600 }).state).toBe('attention');
    expect(step8({ enabled: null, seenAgeSeconds: null })).toEqual({ state: 'done', mirror: 'reverse mirror: no mirrorLegacySessions run recorded yet' });
    expect(step8(null)).toEqual({ state: 'attention', mirror: 'mirror: could not be read (see problems)' });
  });

  it("works out the runbook's steps from the figures", () => {
    expect(status.steps.map((s) => [s.step, s.title, s.state])).toEqual([
      [1, 'Deploy', 'done'],
      [2, 'Bridge on', 'done'],
      [3, 'Backfill users', 'done'],
      [4, 'Backfill sessions', 'attention'],
      [5, 'Catch up', 'done'],
      [6, 'Verify', 'attention'],
      [7, 'Reproject', 'attention'],
      // More callable than bridge sessions, but a mirror write keeps failing: the way back is not whole.
      [8, 'Switch apps to the callables', 'attention'],
      [9, 'Close legacy writes', 'waiting'],
    ]);
    expect(status.steps[3]!.figures.join('\n')).toMatch(/sessions run sessions-2 shard 2\/3: STALLED/);
  });

  it('prints the steps for a person, with ✔, ✘ and …', async () => {
    const run = await runScript('status.ts', [], db.url);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^✔ 1\. Deploy\s+migrations: none pending$/m);
    expect(run.stdout).toMatch(/^✘ 4\. Backfill sessions/m);
    expect(run.stdout).toMatch(/^… 9\. Close legacy writes/m);
    expect(run.stdout).toMatch(/^ {2}bridge\s+[\d,]+\s+[\d,]+$/m);
    expect(run.stdout).toMatch(/^ {2}repair: outage 2026-01-05\s+3\s+2$/m);
  });

  it('exits 1 when a --fail-on condition holds, naming each one and why', async () => {
    const failing = await statusJson(db, ['--fail-on', 'mismatch,stalled', 'outbox-age>60', 'outbox-pending>5']);
    expect(failing.code).toBe(1);
    expect(failing.stderr.trim().split('\n')).toEqual([
      'fail-on mismatch: the last verify found 2 mismatches or missing users',
      'fail-on stalled: stalled runs: sessions-2',
      expect.stringMatching(/^fail-on outbox-age>60: the oldest pending row is \d+ s old$/),
    ]);
    const lagging = await statusJson(db, ['--fail-on', 'mirror-lag>60']);
    expect(lagging.code).toBe(1);
    expect(lagging.stderr.trim()).toMatch(/^fail-on mirror-lag>60: legacy Firestore lacks sessions for \d+ s \(2 pending\)$/);
    const quiet = await statusJson(db, ['--fail-on', 'pending-migrations,outbox-age>3600,rejects>10,different,mirror-lag>3600']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
  });

  it('refuses every bad --fail-on condition at once, with exit 2, before reading anything', async () => {
    const run = await runScript('status.ts', ['--fail-on', 'mismatch,nonsense', 'outbox-age>soon', 'stalled>3', '--port', '9'], db.url);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
      expect.stringMatching(/^error: --fail-on: unknown condition "nonsense"; conditions: pending-migrations, mismatch/),
      expect.stringMatching(/^error: --fail-on: unknown condition "outbox-age>soon"/),
      'error: --fail-on: stalled takes no threshold, got "stalled>3"',
      'error: --port is an option of --serve',
    ]);
  });
});

describe('--fail-on conditions', () => {
  it('take several per flag, comma-separated, with thresholds where they have one', () => {
    expect(parseConditions(['mismatch,outbox-age>300', 'stale-verify'])).toEqual({
      ok: true,
      conditions: [
        { name: 'mismatch', threshold: 0, text: 'mismatch' },
        { name: 'outbox-age', threshold: 300, text: 'outbox-age>300' },
        { name: 'stale-verify', threshold: 0, text: 'stale-verify' },
      ],
    });
    expect(parseConditions([','])).toEqual({ ok: false, problems: ['--fail-on needs at least one condition'] });
  });
});

describe('the hourly rollup of sessions', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  const insert = (rows: Array<[string, string, string]>) =>
    db.pool.query(sql.unsafe`
      insert into focus_sessions (user_id, session_id, start_time, end_time, timezone, source, created_at)
      select 'u', s, timestamptz '2025-01-01T08:00Z', timestamptz '2025-01-01T08:30Z', 'UTC', src, c
      from ${sql.unnest(rows, ['text', 'text', 'timestamptz'])} as t(s, src, c)`);
  const watermark = () => db.pool.oneFirst(sql.type(z.object({ until: z.coerce.number() }))`select (extract(epoch from until) * 1000)::float8 as until from session_hours_watermark`);

  it('rolls up closed hours once, counts the hours after the watermark live, and never counts a session twice', async () => {
    await emptyTables(db.pool);
    await db.pool.query(sql.unsafe`insert into users (id) values ('u')`);
    const now = Date.now();
    const current = floorHour(now);
    await db.pool.query(sql.unsafe`delete from session_hours`);
    await db.pool.query(sql.unsafe`update session_hours_watermark set until = ${new Date(current - 5 * HOUR).toISOString()}::timestamptz`);
    const at = (ms: number) => new Date(ms).toISOString();
    await insert([
      ['a', 'bridge', at(current - 4 * HOUR + 60_000)],
      ['b', 'bridge', at(current - 4 * HOUR + 120_000)],
      ['c', 'callable', at(current - 2 * HOUR + 60_000)],
      ['d', 'callable', at(Math.min(now - 1000, current + 1000))],
    ]);
    const expected = [
      { hourMs: current - 4 * HOUR, source: 'bridge', sessions: 2 },
      { hourMs: current - 2 * HOUR, source: 'callable', sessions: 1 },
      { hourMs: current, source: 'callable', sessions: 1 },
    ];
    expect(await sessionHoursSince(db.pool, current - 10 * HOUR)).toEqual(expected);
    // Two rollers at once: one rolls, the other waits on the watermark and finds nothing left.
    const rolled = await Promise.all([rollUpSessionHours(db.pool), rollUpSessionHours(db.pool)]);
    expect(rolled.filter((n) => n > 0)).toHaveLength(1);
    expect(await watermark()).toBeGreaterThanOrEqual(current - HOUR);
    expect(await sessionHoursSince(db.pool, current - 10 * HOUR)).toEqual(expected);
    expect(await rollUpSessionHours(db.pool)).toBe(0);
    expect(await sessionHoursSince(db.pool, current - 3 * HOUR)).toEqual(expected.slice(1));
  });
});

describe('verify stores each result in SQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('keeps when, the source, the counts and a sample of mismatches, which the status shows; the --report file stays', async () => {
    for (const kind of ['users', 'sessions']) expect((await runScript('backfill.ts', [kind, '--from-file', FIXTURE], db.url)).code).toBe(0);
    const dir = mkdtempSync(path.join(tmpdir(), 'verify-status-'));
    const report = path.join(dir, 'parity.json');
    expect((await runScript('verify.ts', ['--from-file', FIXTURE, '--report', report, '--limit', '1'], db.url)).code).toBe(0);
    const verdicts = JSON.parse(readFileSync(report, 'utf8')).verdicts;
    const { status } = await statusJson(db);
    expect(status.verify).toMatchObject({ source: expect.stringContaining('messy-export.ndjson'), counts: verdicts, stale: false });
    expect(status.verify!.mismatches).toBe(verdicts.mismatch + verdicts.missing_in_sql + verdicts.missing_in_legacy);
    // The sample holds the real mismatches whatever --limit listed; explained differences (legacy late data) are not in it.
    expect(status.verify!.sample.map((m) => [m.userId, m.verdict])).toEqual([['carol', 'mismatch']]);
  });

  it('shows a database never migrated as step 1 needing attention, and every other section as a problem', async () => {
    const bare = await unmigratedDatabase();
    try {
      const run = await runScript('status.ts', ['--json', '--fail-on', 'pending-migrations'], bare.url);
      expect(run.code).toBe(1);
      const empty = statusSchema.parse(JSON.parse(run.stdout));
      expect(empty.migrations!.pending).toBeGreaterThanOrEqual(13);
      expect(empty.steps[0]).toMatchObject({ title: 'Deploy', state: 'attention' });
      expect(empty.problems.map((p) => p.section)).toEqual(['sessions', 'rejects', 'backfill', 'verify', 'parity', 'outbox', 'mirror', 'adjustments']);
    } finally {
      await bare.drop();
    }
  });
});
