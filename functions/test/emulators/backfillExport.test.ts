import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Timestamp, type DocumentData, type Firestore } from 'firebase-admin/firestore';
import { sql, type CommonQueryMethods } from 'slonik';
import { readLogRecords } from '../../../scripts/lib/backfill/export/logReader';
import { entityDocument } from '../../../scripts/lib/backfill/export/entityDocument';
import { adminFirestore, clearFirestore, stack } from './support/stack';
import { readJson, runCli, scratchDatabases, sqlState, stopCliChildren, tempDir } from './support/migrationCli';

// The Firestore emulator's own export (POST /emulator/v1/projects/<p>:export writes
// firestore_export_<n>/ with all_namespaces/all_kinds/output-0, as a managed export of all
// collections does) read by `npm run backfill -- <kind> --from-export`, and compared with
// `--from-firestore` on the same documents, each into a scratch database of its own.

jest.setTimeout(240_000);

const iso = (s: string) => Timestamp.fromDate(new Date(s));
const ms = (s: string) => Date.parse(s);
const secs = (s: string) => Math.floor(ms(s) / 1000);

/** Every legacy encoding of a time, zone-less sessions, friends lists, subcollection sessions, and the usual refusals. */
const LEGACY: Record<string, DocumentData> = {
  'users/ana': { timezone: 'America/New_York', friends: ['ben', 'cy'] },
  'users/ben': { displayName: 'no zone', friends: ['ana'] },
  'users/cy': { timezone: 'Asia/Kathmandu', friends: [], prefs: { theme: 'dark', sizes: [1, 2.5] } },
  'sessions/a-ts': { userId: 'ana', startTime: iso('2024-01-10T14:00:00.123456Z'), endTime: iso('2024-01-10T14:40:00Z'), timezone: 'America/New_York' },
  'sessions/a-iso': { userId: 'ana', startTime: '2024-01-11T09:00:00-05:00', endTime: '2024-01-11T09:40:00-05:00', timezone: 'America/New_York' },
  'sessions/a-ms': { userId: 'ana', startTime: ms('2024-01-12T14:00:00Z'), endTime: ms('2024-01-12T14:40:00Z'), timezone: 'America/New_York', durationMinutes: 40.5 },
  'sessions/a-us': { userId: 'ana', startTime: { _seconds: secs('2024-01-13T14:00:00Z'), _nanoseconds: 0 }, endTime: { _seconds: secs('2024-01-13T14:40:00Z'), _nanoseconds: 0 } },
  'sessions/a-sn': {
    userId: 'ana',
    startTime: { seconds: secs('2024-01-14T14:00:00Z'), nanoseconds: 0 },
    endTime: { seconds: secs('2024-01-14T14:40:00Z'), nanoseconds: 250_000_000 },
    timezone: 'America/New_York',
    tags: ['deep', 'work'],
    note: null,
    done: true,
  },
  'sessions/c-1': { userId: 'cy', startTime: iso('2024-05-01T18:00:00Z'), endTime: iso('2024-05-01T18:45:00Z') },
  'sessions/d-1': { userId: 'dee', startTime: iso('2024-03-30T22:30:00Z'), endTime: iso('2024-03-30T23:30:00Z'), timezone: 'Europe/Paris' },
  'sessions/b-1': { userId: 'ben', startTime: iso('2024-02-01T10:00:00Z'), endTime: iso('2024-02-01T11:00:00Z') },
  'sessions/r-order': { userId: 'ana', startTime: iso('2024-01-10T15:00:00Z'), endTime: iso('2024-01-10T14:00:00Z'), timezone: 'UTC' },
  'sessions/r-secs': { userId: 'ana', startTime: secs('2024-01-10T14:00:00Z'), endTime: secs('2024-01-10T14:40:00Z'), timezone: 'UTC' },
  'sessions/r-text': { userId: 'ana', startTime: 'yesterday', endTime: iso('2024-01-10T14:40:00Z'), timezone: 'UTC' },
  'sessions/r-zone': { userId: 'ana', startTime: iso('2024-01-10T14:00:00Z'), endTime: iso('2024-01-10T14:40:00Z'), timezone: 'Mars/Olympus' },
  'sessions/r-nouser': { startTime: iso('2024-01-10T14:00:00Z'), endTime: iso('2024-01-10T14:40:00Z'), timezone: 'UTC' },
  'sessions/bad id!': { userId: 'ana', startTime: iso('2024-01-10T14:00:00Z'), endTime: iso('2024-01-10T14:40:00Z'), timezone: 'UTC' },
  // Collection-group sessions, the user from the path.
  'users/eve/sessions/e-1': { startTime: iso('2024-02-01T10:00:00Z'), endTime: iso('2024-02-01T10:30:00Z'), timezone: 'UTC' },
  'users/eve/sessions/e-2': { userId: 'eve', startTime: ms('2024-02-02T10:00:00Z'), endTime: ms('2024-02-02T10:30:00Z'), timezone: 'UTC' },
  'users/eve/sessions/e-bad': { userId: 'ana', startTime: ms('2024-02-02T10:00:00Z'), endTime: ms('2024-02-02T10:30:00Z'), timezone: 'UTC' },
};

async function seed(firestore: Firestore): Promise<void> {
  const batch = firestore.batch();
  for (const [p, data] of Object.entries(LEGACY)) batch.set(firestore.doc(p), data);
  await batch.commit();
}

/** Asks the emulator for an export into `dir`; returns the firestore_export_<n> directory it wrote. */
async function emulatorExport(dir: string): Promise<string> {
  const { ports, projectId } = stack();
  const response = await fetch(`http://127.0.0.1:${ports.firestore}/emulator/v1/projects/${projectId}:export`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ database: `projects/${projectId}/databases/(default)`, export_directory: dir }),
  });
  if (!response.ok) throw new Error(`export failed: ${response.status} ${await response.text()}`);
  const [name, ...more] = readdirSync(dir).filter((f) => f.startsWith('firestore_export_'));
  if (name === undefined || more.length > 0) throw new Error(`expected one firestore_export_* in ${dir}, found ${readdirSync(dir).join(', ')}`);
  return path.join(dir, name);
}

const rejects = (db: CommonQueryMethods) => db.any(sql.unsafe`select document_path, reason, detail, raw from backfill_rejects order by document_path, reason`);
const friendships = async (db: CommonQueryMethods) => ({
  friends: await db.any(sql.unsafe`select user_id, friend_id from friendships order by 1, 2`),
  requests: await db.any(sql.unsafe`select requester_id, addressee_id from friend_requests order by 1, 2`),
});
const users = (db: CommonQueryMethods) => db.any(sql.unsafe`select id, timezone, legacy_timezone from users order by id`);

describe('backfill --from-export of the Firestore emulator’s export', () => {
  const databases = scratchDatabases();
  const dir = tempDir('backfill-export-');
  let exported: string;
  let n = 0;
  const report = () => path.join(dir, `report-${++n}.json`);

  beforeAll(async () => {
    await clearFirestore();
    await seed(adminFirestore());
    exported = await emulatorExport(dir);
  });
  afterAll(async () => {
    await stopCliChildren();
    await databases.closeAll();
    await clearFirestore();
  });

  /** users, friendships, top-level sessions, then the sessions collection group: the runbook's order. */
  async function backfillAll(db: { url: string }, source: string[]) {
    const counts: Record<string, unknown> = {};
    for (const [label, args] of [
      ['users', ['users']],
      ['friendships', ['friendships']],
      ['sessions', ['sessions']],
      ['group', ['sessions', '--collection-group', 'sessions']],
    ] as const) {
      const file = report();
      const run = await runCli('backfill.ts', [...args, ...source, '--batch-size', '3', '--report', file], db.url);
      if (run.code !== 0) throw new Error(`${label} failed (${run.code})\n${run.stdout}\n${run.stderr}`);
      counts[label] = readJson(file).counts;
    }
    return counts;
  }

  it('writes the layout a managed export of all collections has', () => {
    const name = path.basename(exported);
    expect(readdirSync(exported).sort()).toEqual(['all_namespaces', `${name}.overall_export_metadata`]);
    expect(readdirSync(path.join(exported, 'all_namespaces/all_kinds')).sort()).toEqual(['all_namespaces_all_kinds.export_metadata', 'output-0']);
  });

  it('stores what --from-firestore stores: sessions, days, streaks, users, friends, and the same rejects', async () => {
    const fromFirestore = await databases.create();
    const firestoreCounts = await backfillAll(fromFirestore, ['--from-firestore']);
    const fromExport = await databases.create();
    // The directory the emulator was given: the reader finds the one export in it.
    const exportCounts = await backfillAll(fromExport, ['--from-export', dir]);

    const expected = await sqlState(fromFirestore.pool);
    expect(expected.sessions.length).toBeGreaterThanOrEqual(8);
    expect(await sqlState(fromExport.pool)).toEqual(expected);
    expect(await users(fromExport.pool)).toEqual(await users(fromFirestore.pool));
    expect(await friendships(fromExport.pool)).toEqual(await friendships(fromFirestore.pool));
    expect(await rejects(fromExport.pool)).toEqual(await rejects(fromFirestore.pool));
    expect(exportCounts).toEqual(firestoreCounts);
    expect(exportCounts.group).toMatchObject({ rejectsByReason: expect.objectContaining({ user_mismatch: 1 }) });
  });

  it('a corrupted copy: the damaged record is a corrupt_export_record reject with file and offset, the others are read', async () => {
    const copyRoot = tempDir('backfill-export-corrupt-');
    cpSync(exported, path.join(copyRoot, path.basename(exported)), { recursive: true });
    const file = path.join(copyRoot, path.basename(exported), 'all_namespaces/all_kinds/output-0');
    // The record of sessions/a-ms: its bytes flipped in the middle, inside the one block the file has.
    let target: { offset: number; end: number } | null = null;
    for await (const entry of readLogRecords(file)) {
      if (entry.kind !== 'record') throw new Error(entry.problem);
      const doc = entityDocument(entry.data);
      if (doc.ok && doc.path === 'sessions/a-ms') target = entry;
    }
    if (target === null) throw new Error('sessions/a-ms is not in the export');
    const bytes = readFileSync(file);
    const middle = Math.floor((target.offset + target.end) / 2);
    for (const i of [middle, middle + 1, middle + 2]) bytes[i] = (bytes[i] as number) ^ 0xa5;
    writeFileSync(file, bytes);

    const reference = await databases.create();
    const damaged = await databases.create();
    for (const db of [reference, damaged]) {
      const run = await runCli('backfill.ts', ['users', '--from-export', copyRoot], db.url);
      expect(run.code).toBe(0);
    }
    const clean = await runCli('backfill.ts', ['sessions', '--from-export', exported], reference.url);
    expect(clean.code).toBe(0);
    const out = report();
    const run = await runCli('backfill.ts', ['sessions', '--from-export', path.join(copyRoot, path.basename(exported)), '--run-id', 'corrupt', '--report', out], damaged.url);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const name = 'all_namespaces/all_kinds/output-0';
    expect(readJson(out).counts.rejectsByReason).toMatchObject({ corrupt_export_record: 1 });
    // The users run over the same all_kinds file reported it too: a damaged record's collection cannot be known.
    expect(await damaged.pool.any(sql.unsafe`select document_path, detail from backfill_rejects where reason = 'corrupt_export_record' and run_id = 'corrupt'`)).toEqual([
      { document_path: `${name}@${target.offset}`, detail: `${name} byte ${target.offset}: its CRC32C does not match; reading on at the next fragment` },
    ]);
    const expected = await sqlState(reference.pool);
    const got = await sqlState(damaged.pool);
    expect(got.sessions).toEqual(expected.sessions.filter((s) => s.session_id !== 'a-ms'));
  });
});
