import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Timestamp, type DocumentData, type Firestore } from 'firebase-admin/firestore';
import { sql } from 'slonik';
import { z } from 'zod';
import { usesEmbeddedDatabase } from '../support/testDatabase';
import { adminFirestore, clearFirestore } from './support/stack';
import { readJson, rejectsOf, runCli, scratchDatabases, sqlState, stopCliChildren, tempDir } from './support/migrationCli';

// `npm run backfill -- sessions --from-firestore` as a child process, reading documents seeded into the
// Firestore emulator with firebase-admin, writing a scratch database of its own.

jest.setTimeout(180_000);

const iso = (s: string) => Timestamp.fromDate(new Date(s));
const ms = (s: string) => Date.parse(s);
const secs = (s: string) => Math.floor(ms(s) / 1000);

/** Every legacy encoding, zone-less sessions, and one document for each reason a session is refused. */
const LEGACY: Record<string, DocumentData> = {
  'users/ana': { timezone: 'America/New_York' },
  'users/ben': { displayName: 'no zone' },
  'users/cy': { timezone: 'Asia/Kathmandu' },
  // ana: 40 minutes at 09:00 New York on Jan 10-14, each day in another encoding.
  'sessions/a-ts': { userId: 'ana', startTime: iso('2024-01-10T14:00:00Z'), endTime: iso('2024-01-10T14:40:00Z'), timezone: 'America/New_York' },
  'sessions/a-iso': { userId: 'ana', startTime: '2024-01-11T09:00:00-05:00', endTime: '2024-01-11T09:40:00-05:00', timezone: 'America/New_York' },
  'sessions/a-ms': { userId: 'ana', startTime: ms('2024-01-12T14:00:00Z'), endTime: ms('2024-01-12T14:40:00Z'), timezone: 'America/New_York' },
  // No zone of its own: users/ana's.
  'sessions/a-us': { userId: 'ana', startTime: { _seconds: secs('2024-01-13T14:00:00Z'), _nanoseconds: 0 }, endTime: { _seconds: secs('2024-01-13T14:40:00Z'), _nanoseconds: 0 } },
  'sessions/a-sn': {
    userId: 'ana',
    startTime: { seconds: secs('2024-01-14T14:00:00Z'), nanoseconds: 0 },
    endTime: { seconds: secs('2024-01-14T14:40:00Z'), nanoseconds: 250_000_000 },
    timezone: 'America/New_York',
    durationMinutes: 999, // ignored: the times win
  },
  // cy has no zone on the session: Kathmandu (UTC+5:45) puts 15 min on May 1 and 30 min on May 2. Read as UTC it would qualify May 1.
  'sessions/c-1': { userId: 'cy', startTime: iso('2024-05-01T18:00:00Z'), endTime: iso('2024-05-01T18:45:00Z') },
  // dee has no users document; 30 min each side of Paris midnight on the night clocks sprang forward.
  'sessions/d-1': { userId: 'dee', startTime: iso('2024-03-30T22:30:00Z'), endTime: iso('2024-03-30T23:30:00Z'), timezone: 'Europe/Paris' },
  // ben's users document has no zone, nor has the session.
  'sessions/b-1': { userId: 'ben', startTime: iso('2024-02-01T10:00:00Z'), endTime: iso('2024-02-01T11:00:00Z') },
  'sessions/r-order': { userId: 'ana', startTime: iso('2024-01-10T15:00:00Z'), endTime: iso('2024-01-10T14:00:00Z'), timezone: 'UTC' },
  'sessions/r-secs': { userId: 'ana', startTime: secs('2024-01-10T14:00:00Z'), endTime: secs('2024-01-10T14:40:00Z'), timezone: 'UTC' },
  'sessions/r-text': { userId: 'ana', startTime: 'yesterday', endTime: iso('2024-01-10T14:40:00Z'), timezone: 'UTC' },
  'sessions/r-long': { userId: 'ana', startTime: iso('2024-01-10T00:00:00Z'), endTime: iso('2024-01-11T01:00:00Z'), timezone: 'UTC' },
  'sessions/r-zone': { userId: 'ana', startTime: iso('2024-01-10T14:00:00Z'), endTime: iso('2024-01-10T14:40:00Z'), timezone: 'Mars/Olympus' },
  'sessions/r-nouser': { startTime: iso('2024-01-10T14:00:00Z'), endTime: iso('2024-01-10T14:40:00Z'), timezone: 'UTC' },
  'sessions/r-numuser': { userId: 42, startTime: iso('2024-01-10T14:00:00Z'), endTime: iso('2024-01-10T14:40:00Z'), timezone: 'UTC' },
  'sessions/r-future': { userId: 'ana', startTime: iso('2999-01-01T00:00:00Z'), endTime: iso('2999-01-01T01:00:00Z'), timezone: 'UTC' },
  'sessions/bad id!': { userId: 'ana', startTime: iso('2024-01-10T14:00:00Z'), endTime: iso('2024-01-10T14:40:00Z'), timezone: 'UTC' },
};

const EXPECTED_REJECTS = [
  { document_path: 'sessions/b-1', reason: 'missing_timezone' },
  { document_path: 'sessions/bad id!', reason: 'invalid_session_id' },
  { document_path: 'sessions/r-future', reason: 'implausible_time' },
  { document_path: 'sessions/r-long', reason: 'too_long' },
  { document_path: 'sessions/r-nouser', reason: 'missing_user' },
  { document_path: 'sessions/r-numuser', reason: 'invalid_user' },
  { document_path: 'sessions/r-order', reason: 'end_not_after_start' },
  { document_path: 'sessions/r-secs', reason: 'implausible_time' },
  { document_path: 'sessions/r-text', reason: 'invalid_time' },
  { document_path: 'sessions/r-zone', reason: 'invalid_timezone' },
];

const EXPECTED_STREAKS = [
  { user_id: 'ana', current_streak: 5, longest_streak: 5, last_qualified_date: '2024-01-14', qualified_days_count: 5, timezone: 'America/New_York' },
  { user_id: 'cy', current_streak: 1, longest_streak: 1, last_qualified_date: '2024-05-02', qualified_days_count: 1, timezone: 'Asia/Kathmandu' },
  { user_id: 'dee', current_streak: 2, longest_streak: 2, last_qualified_date: '2024-03-31', qualified_days_count: 2, timezone: 'Europe/Paris' },
];

async function seed(firestore: Firestore, docs: Record<string, DocumentData>): Promise<void> {
  const batch = firestore.batch();
  for (const [p, data] of Object.entries(docs)) batch.set(firestore.doc(p), data);
  await batch.commit();
}

/** `count` sessions with Firestore auto-ids, 40 minutes a day for `users` users, plus `bad` unparsable ones. */
async function seedAutoIds(firestore: Firestore, options: { users: number; days: number; bad: number; prefix: string; collection?: (user: string) => string; extra?: DocumentData }) {
  const batch = firestore.batch();
  const ids: string[] = [];
  for (let u = 0; u < options.users; u++) {
    const user = `${options.prefix}${u}`;
    for (let d = 0; d < options.days; d++) {
      const start = Date.UTC(2024, 5, 1 + d, 8 + u);
      const ref = firestore.collection(options.collection?.(user) ?? 'sessions').doc();
      ids.push(ref.id);
      batch.set(ref, { userId: user, startTime: Timestamp.fromMillis(start), endTime: Timestamp.fromMillis(start + 40 * 60_000), timezone: 'UTC', ...options.extra });
    }
  }
  for (let b = 0; b < options.bad; b++) batch.set(firestore.collection('sessions').doc(), { userId: `${options.prefix}0`, startTime: 'not a time', endTime: 'never', timezone: 'UTC' });
  await batch.commit();
  return ids;
}

describe('backfill --from-firestore against the Firestore emulator', () => {
  const databases = scratchDatabases();
  const dir = tempDir('backfill-firestore-');
  const firestore = adminFirestore();
  let n = 0;
  const reportFile = () => path.join(dir, `report-${++n}.json`);

  beforeEach(async () => {
    await clearFirestore();
  });
  afterAll(async () => {
    await stopCliChildren();
    await databases.closeAll();
    await clearFirestore();
  });

  const backfill = (db: { url: string }, args: string[], env: Record<string, string> = {}) => runCli('backfill.ts', ['sessions', '--from-firestore', ...args], db.url, env);

  it('reads Timestamps and every legacy encoding, takes users/{uid}.timezone for zone-less sessions, and rejects bad documents with reasons', async () => {
    await seed(firestore, LEGACY);
    const db = await databases.create();
    const report = reportFile();
    const run = await backfill(db, ['--batch-size', '4', '--run-id', 'encodings', '--report', report]);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/backfill sessions completed \(run encodings\)/);
    expect(readJson(report).counts).toEqual({
      read: 17,
      inserted: 7,
      updated: 0,
      duplicates: 0,
      rejected: 10,
      skipped: 0,
      rejectsByReason: {
        missing_timezone: 1, invalid_session_id: 1, implausible_time: 2, too_long: 1, missing_user: 1, invalid_user: 1,
        end_not_after_start: 1, invalid_time: 1, invalid_timezone: 1,
      },
      usersRebuilt: 3,
      usersChanged: 3,
      sourceDone: true,
    });
    const state = await sqlState(db.pool);
    expect(state.streaks).toEqual(EXPECTED_STREAKS.map((s) => ({ ...s, version: 1 })));
    expect(state.sessions).toEqual([
      { user_id: 'ana', session_id: 'a-iso', start_time: '2024-01-11 14:00:00+00', end_time: '2024-01-11 14:40:00+00', timezone: 'America/New_York', source: 'backfill' },
      { user_id: 'ana', session_id: 'a-ms', start_time: '2024-01-12 14:00:00+00', end_time: '2024-01-12 14:40:00+00', timezone: 'America/New_York', source: 'backfill' },
      { user_id: 'ana', session_id: 'a-sn', start_time: '2024-01-14 14:00:00+00', end_time: '2024-01-14 14:40:00.25+00', timezone: 'America/New_York', source: 'backfill' },
      { user_id: 'ana', session_id: 'a-ts', start_time: '2024-01-10 14:00:00+00', end_time: '2024-01-10 14:40:00+00', timezone: 'America/New_York', source: 'backfill' },
      // zone from users/ana
      { user_id: 'ana', session_id: 'a-us', start_time: '2024-01-13 14:00:00+00', end_time: '2024-01-13 14:40:00+00', timezone: 'America/New_York', source: 'backfill' },
      // zone from users/cy
      { user_id: 'cy', session_id: 'c-1', start_time: '2024-05-01 18:00:00+00', end_time: '2024-05-01 18:45:00+00', timezone: 'Asia/Kathmandu', source: 'backfill' },
      { user_id: 'dee', session_id: 'd-1', start_time: '2024-03-30 22:30:00+00', end_time: '2024-03-30 23:30:00+00', timezone: 'Europe/Paris', source: 'backfill' },
    ]);
    expect(state.daily.filter((d) => d.user_id !== 'ana')).toEqual([
      { user_id: 'cy', local_date: '2024-05-01', focus_seconds: 15 * 60 },
      { user_id: 'cy', local_date: '2024-05-02', focus_seconds: 30 * 60 },
      { user_id: 'dee', local_date: '2024-03-30', focus_seconds: 30 * 60 },
      { user_id: 'dee', local_date: '2024-03-31', focus_seconds: 30 * 60 },
    ]);
    expect(await rejectsOf(db.pool)).toEqual(EXPECTED_REJECTS);
    // The raw document is kept with the reject, as Firestore held it.
    const raw = await db.pool.oneFirst(sql.type(z.object({ raw: z.record(z.unknown()) }))`select raw from backfill_rejects where document_path = 'sessions/r-secs'`);
    expect(raw).toMatchObject({ userId: 'ana', startTime: secs('2024-01-10T14:00:00Z') });
    // One outbox row per rebuilt user, for the projection.
    expect(await db.pool.anyFirst(sql.type(z.object({ u: z.string() }))`select user_id as u from streak_outbox order by 1`)).toEqual(['ana', 'cy', 'dee']);
  });

  it('reaches the same focus_sessions, daily_focus and user_streaks from the same documents exported as NDJSON through --from-file', async () => {
    await seed(firestore, LEGACY);
    const fromFirestore = await databases.create();
    expect((await backfill(fromFirestore, ['--partitions', '2'])).code).toBe(0);

    // The export: every document of both collections read back from the emulator, Timestamps as JSON
    // writes them ({"_seconds", "_nanoseconds"}).
    const lines: string[] = [];
    for (const name of ['users', 'sessions']) {
      for (const doc of (await firestore.collection(name).get()).docs) lines.push(JSON.stringify({ path: doc.ref.path, data: doc.data() }));
    }
    const file = path.join(dir, 'export.ndjson');
    writeFileSync(file, lines.join('\n') + '\n');
    expect(lines.some((l) => l.includes('"_seconds"') && l.includes('"sessions/a-ts"'))).toBe(true);

    const fromFile = await databases.create();
    // From a file, zones of zone-less sessions come from the users backfill that runs first.
    expect((await runCli('backfill.ts', ['users', '--from-file', file], fromFile.url)).code).toBe(0);
    const run = await runCli('backfill.ts', ['sessions', '--from-file', file, '--batch-size', '3', '--report', path.join(dir, 'file.json')], fromFile.url);
    expect(run.code).toBe(0);
    expect(readJson(path.join(dir, 'file.json')).counts).toMatchObject({ inserted: 7, rejected: 10 });

    const expected = await sqlState(fromFirestore.pool);
    expect(expected.sessions).toHaveLength(7);
    expect(await sqlState(fromFile.pool)).toEqual(expected);
    expect(await rejectsOf(fromFile.pool)).toEqual(await rejectsOf(fromFirestore.pool));
  });

  // Three processes write one database at once: on the embedded database their connections share
  // PGlite's one session, so their transactions interleave and none is isolated. PostgreSQL only.
  (usesEmbeddedDatabase ? it.skip : it)('reads in --partitions, and N --shard i/N processes together make one run', async () => {
    const ids = await seedAutoIds(firestore, { users: 6, days: 10, bad: 3, prefix: 'shard-' });
    expect(new Set(ids.map((id) => id[0])).size).toBeGreaterThan(5); // auto-ids spread over the key space

    const single = await databases.create();
    const one = reportFile();
    const whole = await backfill(single, ['--partitions', '4', '--batch-size', '7', '--report', one]);
    expect(whole.code).toBe(0);
    expect(readJson(one).counts).toMatchObject({ read: 63, inserted: 60, rejected: 3, usersRebuilt: 6 });

    // Three processes at once, as on three machines, into one database.
    const sharded = await databases.create();
    const reports = [0, 1, 2].map(() => reportFile());
    const shards = await Promise.all(reports.map((r, i) => backfill(sharded, ['--shard', `${i}/3`, '--partitions', '2', '--batch-size', '7', '--report', r])));
    for (const s of shards) {
      expect(s.stderr).not.toMatch(/error/i);
      expect(s.code).toBe(0);
    }
    const counts = reports.map((r) => readJson(r).counts);
    expect(counts.map((c) => c.read).reduce((a, b) => a + b, 0)).toBe(63);
    expect(counts.map((c) => c.inserted).reduce((a, b) => a + b, 0)).toBe(60);
    expect(counts.map((c) => c.rejected).reduce((a, b) => a + b, 0)).toBe(3);
    expect(counts.every((c) => c.read > 0)).toBe(true);

    // Versions count rebuilds (a user several shards touched was rebuilt by each): compare the values.
    const expected = await sqlState(single.pool, { versions: false });
    expect(expected.streaks).toHaveLength(6);
    expect(expected.streaks[0]).toMatchObject({ current_streak: 10, longest_streak: 10, last_qualified_date: '2024-06-10', qualified_days_count: 10 });
    expect(await sqlState(sharded.pool, { versions: false })).toEqual(expected);
    expect((await rejectsOf(sharded.pool)).map((r) => r.reason)).toEqual(['invalid_time', 'invalid_time', 'invalid_time']);
  });

  it('reads one snapshot with --read-time: documents written or changed after it are not seen', async () => {
    await seed(firestore, {
      'sessions/before-1': { userId: 'rt', startTime: iso('2024-07-01T08:00:00Z'), endTime: iso('2024-07-01T08:40:00Z'), timezone: 'UTC' },
      'sessions/before-2': { userId: 'rt', startTime: iso('2024-07-02T08:00:00Z'), endTime: iso('2024-07-02T08:40:00Z'), timezone: 'UTC' },
    });
    await new Promise((r) => setTimeout(r, 1500));
    const readTime = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1500));
    await seed(firestore, {
      'sessions/after-1': { userId: 'rt', startTime: iso('2024-07-03T08:00:00Z'), endTime: iso('2024-07-03T08:40:00Z'), timezone: 'UTC' },
      'sessions/after-2': { userId: 'rt2', startTime: iso('2024-07-03T08:00:00Z'), endTime: iso('2024-07-03T08:40:00Z'), timezone: 'UTC' },
    });
    // Changed after the read time: the snapshot holds the 40-minute version.
    await firestore.doc('sessions/before-2').update({ endTime: iso('2024-07-02T08:10:00Z') });

    const db = await databases.create();
    const report = reportFile();
    const run = await backfill(db, ['--read-time', readTime, '--partitions', '2', '--report', report]);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(readJson(report).counts).toMatchObject({ read: 2, inserted: 2, rejected: 0 });
    const state = await sqlState(db.pool);
    expect(state.sessions.map((s) => [s.session_id, s.end_time])).toEqual([
      ['before-1', '2024-07-01 08:40:00+00'],
      ['before-2', '2024-07-02 08:40:00+00'],
    ]);
    expect(state.streaks).toEqual([expect.objectContaining({ user_id: 'rt', current_streak: 2, last_qualified_date: '2024-07-02' })]);

    // Without --read-time the same collection holds all four, as they are now.
    const now = await databases.create();
    expect((await backfill(now, ['--report', report])).code).toBe(0);
    expect(readJson(report).counts).toMatchObject({ read: 4, inserted: 4 });
  });

  it('reads users/{uid}/sessions/{id} with --collection-group sessions, the user taken from the path', async () => {
    await seed(firestore, {
      'users/gina': { timezone: 'Asia/Tokyo' },
      // userId only in the path; zone from users/gina.
      'users/gina/sessions/g-1': { startTime: iso('2024-08-01T00:00:00Z'), endTime: iso('2024-08-01T00:40:00Z') },
      'users/gina/sessions/g-2': { userId: 'gina', startTime: iso('2024-08-02T00:00:00Z'), endTime: iso('2024-08-02T00:40:00Z'), timezone: 'Asia/Tokyo' },
      'users/hal/sessions/h-1': { startTime: ms('2024-08-01T10:00:00Z'), endTime: ms('2024-08-01T10:30:00Z'), timezone: 'UTC' },
      // The path says hal, the body says mallory.
      'users/hal/sessions/h-2': { userId: 'mallory', startTime: iso('2024-08-02T10:00:00Z'), endTime: iso('2024-08-02T10:40:00Z'), timezone: 'UTC' },
      // A collection group holds the top-level sessions collection too.
      'sessions/top-1': { userId: 'ivy', startTime: iso('2024-08-03T10:00:00Z'), endTime: iso('2024-08-03T10:40:00Z'), timezone: 'UTC' },
      // Not a sessions collection.
      'users/hal/notes/n-1': { startTime: iso('2024-08-02T10:00:00Z'), endTime: iso('2024-08-02T10:40:00Z'), timezone: 'UTC' },
    });
    const db = await databases.create();
    const report = reportFile();
    const run = await backfill(db, ['--collection-group', 'sessions', '--partitions', '2', '--batch-size', '2', '--report', report]);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    // The Cloud CLI emulator (checked: version of this machine) has no PartitionQuery: the run says it fell back to prefixes.
    expect(run.stdout).toMatch(/key ranges: (Firestore's partitions \(\d+ partitions|document-id prefixes \(this Firestore answers PartitionQuery with UNIMPLEMENTED, as the emulator does\))/);
    expect(readJson(report).counts).toMatchObject({ read: 5, inserted: 4, rejected: 1, rejectsByReason: { user_mismatch: 1 } });
    const state = await sqlState(db.pool);
    expect(state.sessions.map((s) => [s.user_id, s.session_id, s.timezone])).toEqual([
      ['gina', 'g-1', 'Asia/Tokyo'],
      ['gina', 'g-2', 'Asia/Tokyo'],
      ['hal', 'h-1', 'UTC'],
      ['ivy', 'top-1', 'UTC'],
    ]);
    expect(state.streaks.map((s) => [s.user_id, s.current_streak, s.last_qualified_date])).toEqual([
      ['gina', 2, '2024-08-02'],
      ['hal', 1, '2024-08-01'],
      ['ivy', 1, '2024-08-03'],
    ]);
    expect(await rejectsOf(db.pool)).toEqual([{ document_path: 'users/hal/sessions/h-2', reason: 'user_mismatch' }]);
  });

  it('reads only documents whose --since-field is at or after --since', async () => {
    const doc = (user: string, day: number, createdAt?: Timestamp): DocumentData => ({
      userId: user,
      startTime: Timestamp.fromMillis(Date.UTC(2024, 8, day, 9)),
      endTime: Timestamp.fromMillis(Date.UTC(2024, 8, day, 9, 40)),
      timezone: 'UTC',
      ...(createdAt ? { createdAt } : {}),
    });
    await seed(firestore, {
      'sessions/old-1': doc('sam', 1, iso('2024-09-01T10:00:00Z')),
      'sessions/old-2': doc('sam', 2, iso('2024-09-02T10:00:00Z')),
      'sessions/new-1': doc('sam', 3, iso('2024-09-03T10:00:00Z')),
      'sessions/new-2': doc('sam', 4, iso('2024-09-04T10:00:00Z')),
      'sessions/new-3': doc('tia', 4, iso('2024-09-05T10:00:00Z')),
      // Exactly at --since: included.
      'sessions/edge': doc('tia', 3, iso('2024-09-03T00:00:00Z')),
      // No createdAt at all: a catch-up run by createdAt never sees it.
      'sessions/none': doc('sam', 5),
      // Not a Timestamp: outside the range query of a Timestamp field.
      'sessions/text': doc('sam', 6, undefined),
    });
    await firestore.doc('sessions/text').update({ createdAt: '2024-09-10T00:00:00Z' });
    const db = await databases.create();
    const report = reportFile();
    const run = await backfill(db, ['--since', '2024-09-03T00:00:00Z', '--since-field', 'createdAt', '--batch-size', '2', '--report', report]);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(readJson(report).counts).toMatchObject({ read: 4, inserted: 4, rejected: 0 });
    const sessions = (await sqlState(db.pool)).sessions.map((s) => s.session_id).sort();
    expect(sessions).toEqual(['edge', 'new-1', 'new-2', 'new-3']);
  });

  it.each([
    ['inside a batch transaction', 'inside:3'],
    ['between batches', 'between:4'],
    ['during the closing rebuild', 'rebuild:2'],
  ])('resumes a run killed %s (SIGKILL) to the state of an uninterrupted run', async (_, crashAt) => {
    await seedAutoIds(firestore, { users: 5, days: 8, bad: 2, prefix: 'kill-' });
    const args = ['--partitions', '3', '--batch-size', '4', '--rebuild-chunk', '2'];
    const straight = await databases.create();
    const report = reportFile();
    expect((await backfill(straight, [...args, '--report', report])).code).toBe(0);
    expect(readJson(report).counts).toMatchObject({ read: 42, inserted: 40, rejected: 2, usersRebuilt: 5 });

    const db = await databases.create();
    const killed = await runCli('test/support/crashingBackfill.ts', ['sessions', '--from-firestore', ...args, '--run-id', 'killed'], db.url, { BACKFILL_CRASH_AT: crashAt });
    expect(killed.signal === 'SIGKILL' || killed.code === 137).toBe(true);
    const saved = await db.pool.one(sql.type(z.object({ status: z.string(), counts: z.object({ read: z.number() }).passthrough() }))`select status, counts from backfill_runs where id = 'killed'`);
    expect(saved.status).toBe('running');
    if (crashAt.startsWith('inside')) expect(saved.counts.read).toBeLessThan(42);

    const resumed = await runCli('backfill.ts', ['sessions', '--resume', 'killed', '--report', report], db.url);
    expect(resumed.stderr).not.toMatch(/error/i);
    expect(resumed.code).toBe(0);
    // Every document counted exactly once across the killed run and its resume.
    expect(readJson(report)).toMatchObject({ runId: 'killed', status: 'completed', counts: { read: 42, inserted: 40, rejected: 2, duplicates: 0, usersRebuilt: 5 } });
    expect(await sqlState(db.pool)).toEqual(await sqlState(straight.pool));
    expect(await rejectsOf(db.pool)).toEqual(await rejectsOf(straight.pool));
  });
});
