import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type CommonQueryMethods } from 'slonik';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { entityRecord, type ExportValue } from '../lib/bench/entityRecord';
import { LogWriter } from '../lib/bench/logWriter';
import { runScript } from './support/runScript';
import { rowCounts } from './support/snapshot';

// `npm run backfill -- <kind> --from-export <dir>` on a managed-layout export the benchmark's writer
// builds, against the same documents as an NDJSON file: the same SQL, sharded by file, resumed after a
// kill, dry, and with a damaged record. (The emulator's own export: functions/test/emulators/backfillExport.test.ts.)

jest.setTimeout(240_000);

const PREFIX = '2025-06-01T00:00:00_4242';
const ZONES = ['America/New_York', 'Europe/Paris', 'Asia/Kathmandu', 'UTC'];

interface Doc {
  path: string;
  /** As the export stores it. */
  entity: Record<string, ExportValue>;
  /** As an NDJSON export writes the same document. */
  json: Record<string, unknown>;
}

function documents(): { users: Doc[]; sessions: Doc[] } {
  const users: Doc[] = [];
  const sessions: Doc[] = [];
  for (let u = 0; u < 6; u++) {
    const zone = ZONES[u % ZONES.length] as string;
    const friends = [`u${(u + 1) % 6}`, `u${(u + 5) % 6}`];
    users.push({ path: `users/u${u}`, entity: { timezone: zone, friends }, json: { timezone: zone, friends } });
    for (let d = 0; d < 8; d++) {
      const start = Date.UTC(2024, 0, 1 + d, 8 + u);
      const end = d === 5 && u === 2 ? start - 60_000 : start + (25 + 5 * d) * 60_000;
      const kind = (u + d) % 4;
      // The four encodings of a time: a Firestore Timestamp, epoch ms, ISO-8601, a {_seconds} map.
      const entityTime = (ms: number): ExportValue => (kind === 0 ? { micros: ms * 1000 } : kind === 1 ? ms : kind === 2 ? new Date(ms).toISOString() : { _seconds: ms / 1000, _nanoseconds: 0 });
      const jsonTime = (ms: number) => (kind === 0 || kind === 3 ? { _seconds: ms / 1000, _nanoseconds: 0 } : kind === 1 ? ms : new Date(ms).toISOString());
      const zoneless = d === 3;
      const base = { userId: `u${u}`, durationMinutes: 1 };
      sessions.push({
        path: `sessions/s${u}x${d}`,
        entity: { ...base, startTime: entityTime(start), endTime: entityTime(end), ...(zoneless ? {} : { timezone: zone }) },
        json: { ...base, startTime: jsonTime(start), endTime: jsonTime(end), ...(zoneless ? {} : { timezone: zone }) },
      });
    }
  }
  return { users, sessions };
}

/** A managed export of the ids `users` and `sessions`, each spread over `files` output-N files. */
function writeExport(root: string, docs: ReturnType<typeof documents>, files: number): Record<string, number[]> {
  const offsets: Record<string, number[]> = {};
  for (const [kind, list] of Object.entries(docs)) {
    const dir = path.join(root, 'all_namespaces', `kind_${kind}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < files; f++) {
      const writer = new LogWriter();
      const parts: Buffer[] = [];
      let at = 0;
      const name = `all_namespaces/kind_${kind}/output-${f}`;
      offsets[name] = [];
      list.forEach((doc, i) => {
        if (i % files !== f) return;
        offsets[name]!.push(at);
        const bytes = writer.bytes(entityRecord(doc.path, doc.entity as Record<string, ExportValue>));
        parts.push(bytes);
        at += bytes.length;
      });
      writeFileSync(path.join(dir, `output-${f}`), Buffer.concat(parts));
    }
    writeFileSync(path.join(dir, `all_namespaces_kind_${kind}.export_metadata`), '');
  }
  writeFileSync(path.join(root, `${PREFIX}.overall_export_metadata`), '');
  return offsets;
}

describe('backfill --from-export', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'backfill-export-'));
  const root = path.join(dir, 'bucket', PREFIX);
  const docs = documents();
  const offsets = writeExport(root, docs, 3);
  const ndjson = path.join(dir, 'export.ndjson');
  writeFileSync(ndjson, [...docs.users, ...docs.sessions].map((d) => JSON.stringify({ path: d.path, data: d.json })).join('\n') + '\n');
  const databases: TestDatabase[] = [];
  const database = async () => {
    const db = await createTestDatabase({ poolSize: 3 });
    databases.push(db);
    return db;
  };
  afterAll(async () => {
    for (const db of databases) await db.close();
  });
  let n = 0;
  const report = () => path.join(dir, `report-${++n}.json`);
  const readReport = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
  const run = async (db: TestDatabase, args: string[], options: { script?: string; env?: Record<string, string>; code?: number } = {}) => {
    const result = await runScript(options.script ?? 'backfill.ts', args, db.url, options.env);
    if (options.code !== undefined && result.code !== options.code) throw new Error(`exit ${result.code}\n${result.stdout}\n${result.stderr}`);
    return result;
  };
  /** users, then friendships, then sessions, as the runbook orders them. */
  const backfillAll = async (db: TestDatabase, source: string[], extra: string[] = []) => {
    const reports: Record<string, { counts: Record<string, unknown> }> = {};
    for (const kind of ['users', 'friendships', 'sessions']) {
      const file = report();
      await run(db, [kind, ...source, '--batch-size', '5', ...extra, '--report', file], { code: 0 });
      reports[kind] = readReport(file);
    }
    return reports;
  };
  const friendships = async (db: TestDatabase) => ({
    friends: await db.pool.any(sql.unsafe`select user_id, friend_id from friendships order by 1, 2`),
    requests: await db.pool.any(sql.unsafe`select requester_id, addressee_id from friend_requests order by 1, 2`),
  });

  let expected: Awaited<ReturnType<typeof sqlState>>;
  let expectedFriends: unknown;

  it('gives the SQL an NDJSON export of the same documents gives, for every kind', async () => {
    const fromFile = await database();
    const fileReports = await backfillAll(fromFile, ['--from-file', ndjson]);
    const fromExport = await database();
    const exportReports = await backfillAll(fromExport, ['--from-export', path.join(dir, 'bucket')]);
    expected = await sqlState(fromFile.pool);
    expectedFriends = await friendships(fromFile);
    expect(expected.sessions.length).toBe(47);
    expect(await sqlState(fromExport.pool)).toEqual(expected);
    expect(await friendships(fromExport)).toEqual(expectedFriends);
    // The NDJSON file holds both kinds and skips the other one's lines; the export reads only the kind's files.
    for (const kind of ['users', 'friendships', 'sessions']) {
      const { read: _r, skipped: _s, ...file } = fileReports[kind]!.counts;
      const { read: _r2, skipped: _s2, ...exp } = exportReports[kind]!.counts;
      expect(exp).toEqual(file);
    }
    expect(exportReports.sessions!.counts).toMatchObject({ read: 48, inserted: 47, rejected: 1, skipped: 0, rejectsByReason: { end_not_after_start: 1 } });
  });

  it('splits the files over --shard i/N: the shards together store what one run stores', async () => {
    const db = await database();
    await run(db, ['users', '--from-export', root], { code: 0 });
    const reads: number[] = [];
    for (const shard of ['0/2', '1/2']) {
      const file = report();
      const result = await run(db, ['sessions', '--from-export', root, '--shard', shard, '--report', file], { code: 0 });
      expect(result.stdout).toMatch(new RegExp(`shard ${shard}: ${shard === '0/2' ? 2 : 1} of 3 files`));
      reads.push(readReport(file).counts.read);
    }
    expect(reads).toEqual([32, 16]);
    const state = await sqlState(db.pool, { versions: false });
    expect(state.sessions).toEqual(expected.sessions);
    expect(state.daily).toEqual(expected.daily);
    expect(state.streaks).toEqual(sqlStateWithoutVersions(expected.streaks));
  });

  it('resumes a killed run from its file and record offset: nothing read twice, the same SQL', async () => {
    const db = await database();
    await run(db, ['users', '--from-export', root], { code: 0 });
    const args = ['sessions', '--from-export', root, '--batch-size', '5'];
    // output-0 holds 16 sessions: batch 4 (sessions 16-20) ends inside output-1.
    const killed = await run(db, [...args, '--run-id', 'export-killed'], { script: 'test/support/crashingBackfill.ts', env: { BACKFILL_CRASH_AT: 'between:4' } });
    // tsx passes the kill on as exit code 137.
    expect(killed.signal === 'SIGKILL' || killed.code === 137).toBe(true);
    const cursor = await db.pool.oneFirst(sql.unsafe`select cursor from backfill_runs where id = 'export-killed'`);
    expect(cursor).toEqual({ file: 1, offset: expect.any(Number) });
    const file = report();
    await run(db, ['sessions', '--resume', 'export-killed', '--report', file], { code: 0 });
    expect(readReport(file).counts).toMatchObject({ read: 48, inserted: 47, duplicates: 0, rejected: 1 });
    expect(await sqlState(db.pool)).toEqual(expected);
  });

  it('writes nothing in a dry run', async () => {
    const db = await database();
    const before = await rowCounts(db.pool);
    const file = report();
    await run(db, ['sessions', '--from-export', root, '--dry-run', '--report', file], { code: 0 });
    // No users backfilled here: the six zone-less sessions would be refused.
    expect(readReport(file).counts).toMatchObject({ read: 48, inserted: 41, rejected: 7, rejectsByReason: { missing_timezone: 6, end_not_after_start: 1 } });
    expect(await rowCounts(db.pool)).toEqual(before);
  });

  it('a damaged record is a corrupt_export_record reject naming file and offset; the others are stored', async () => {
    const copy = path.join(dir, 'damaged', PREFIX);
    writeExport(copy, docs, 3);
    const name = 'all_namespaces/kind_sessions/output-1';
    const target = path.join(copy, name);
    const bytes = readFileSync(target);
    const at = offsets[name]![2]!;
    bytes[at + 40]! ^= 0xff;
    writeFileSync(target, bytes);
    const db = await database();
    await run(db, ['users', '--from-export', copy], { code: 0 });
    const file = report();
    await run(db, ['sessions', '--from-export', copy, '--run-id', 'damaged', '--report', file], { code: 0 });
    expect(readReport(file).counts).toMatchObject({ read: 48, inserted: 46, rejected: 2, rejectsByReason: { corrupt_export_record: 1, end_not_after_start: 1 } });
    const rejects = await db.pool.any(sql.unsafe`select document_path, reason, detail, raw from backfill_rejects where reason = 'corrupt_export_record'`);
    expect(rejects).toEqual([
      { document_path: `${name}@${at}`, reason: 'corrupt_export_record', detail: `${name} byte ${at}: its CRC32C does not match; reading on at the next fragment`, raw: { file: name, offset: at, end: offsets[name]![3] } },
    ]);
  });

  it('refuses bad flags before touching anything', async () => {
    const db = await database();
    const missing = await run(db, ['sessions', '--from-export', path.join(dir, 'nowhere')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--from-export: .*nowhere is not a directory/);
    const mixed = await run(db, ['sessions', '--from-export', root, '--from-file', ndjson, '--partitions', '2']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/give exactly one source: --from-file <export.ndjson>, --from-export <dir> or --from-firestore/);
    expect(mixed.stderr).toMatch(/--partitions applies to --from-firestore only/);
    const noKind = await run(db, ['sessions', '--from-export', root, '--collection', 'streaks']);
    expect(noKind.code).toBe(2);
    expect(noKind.stderr).toMatch(/neither all_namespaces\/kind_streaks nor all_namespaces\/all_kinds/);
  });
});

/** The rows a sessions backfill decides; `versions: false` leaves out what differs between one run and several shards. */
async function sqlState(db: CommonQueryMethods, options: { versions?: boolean } = {}) {
  const streaks = await db.any(sql.unsafe`
    select user_id, current_streak, longest_streak, last_qualified_date::text, qualified_days_count, timezone, version::int as version
    from user_streaks order by user_id`);
  return {
    sessions: await db.any(sql.unsafe`select user_id, session_id, start_time::text, end_time::text, timezone, source from focus_sessions order by user_id, session_id`),
    daily: await db.any(sql.unsafe`select user_id, local_date::text, focus_seconds from daily_focus order by user_id, local_date`),
    streaks: options.versions === false ? sqlStateWithoutVersions(streaks) : streaks,
  };
}

function sqlStateWithoutVersions(streaks: readonly Record<string, unknown>[]) {
  return streaks.map(({ version: _, ...rest }) => rest);
}
