import path from 'node:path';
import type { DatabasePool } from 'slonik';
import { acceptSession } from '../../src/accept/acceptSession';
import { adminFirestore, clearFirestore } from './support/stack';
import { readJson, runCli, scratchDatabases, stopCliChildren, tempDir } from './support/migrationCli';

// `npm run verify -- --from-firestore` as a child process: legacy streaks/{userId} documents seeded into
// the Firestore emulator against the SQL streaks of a scratch database.

jest.setTimeout(120_000);

/** 40 minutes at 10:00 UTC on each of these days of January 2024. */
async function sessions(pool: DatabasePool, userId: string, days: number[]): Promise<void> {
  for (const day of days) {
    const startMs = Date.UTC(2024, 0, day, 10);
    await acceptSession(pool, { userId, sessionId: `${userId}-${day}`, session: { startMs, endMs: startMs + 40 * 60_000, timeZone: 'UTC' }, source: 'backfill' }, { qualifySeconds: 1800 });
  }
}

describe('verify --from-firestore against the Firestore emulator', () => {
  const databases = scratchDatabases();
  const dir = tempDir('verify-firestore-');
  const firestore = adminFirestore();

  async function seedLegacy(docs: Record<string, Record<string, unknown>>): Promise<void> {
    const batch = firestore.batch();
    for (const [id, data] of Object.entries(docs)) batch.set(firestore.doc(`streaks/${id}`), data);
    await batch.commit();
  }

  beforeEach(async () => {
    await clearFirestore();
  });
  afterAll(async () => {
    await stopCliChildren();
    await databases.closeAll();
    await clearFirestore();
  });

  it('reports equal, mismatched, legacy late data, missing in SQL, missing in legacy and unreadable documents; --fail-on-mismatch exits 1', async () => {
    const db = await databases.create();
    await sessions(db.pool, 'eq', [1, 2, 3]);
    await sessions(db.pool, 'mm', [1, 2]);
    // The legacy app ignored the late Jan 2 session that joined two runs: SQL is ahead on every field.
    await sessions(db.pool, 'late', [1, 3, 2]);
    await sessions(db.pool, 'sqlonly', [5]);
    await seedLegacy({
      eq: { currentStreak: 3, longestStreak: 3, lastQualifiedDate: '2024-01-03', qualifiedDaysCount: 3, userId: 'eq' },
      // Legacy holds more than SQL: a session was lost or mis-parsed.
      mm: { currentStreak: 2, longestStreak: 5, lastQualifiedDate: '2024-01-02', qualifiedDaysCount: 5 },
      late: { currentStreak: 1, longestStreak: 1, lastQualifiedDate: '2024-01-03', qualifiedDaysCount: 2 },
      gone: { currentStreak: 4, longestStreak: 4, lastQualifiedDate: '2024-01-04', qualifiedDaysCount: 4 },
      bad: { currentStreak: 'three', longestStreak: 3 },
    });

    const report = path.join(dir, 'parity.json');
    const run = await runCli('verify.ts', ['--from-firestore', '--batch-size', '2', '--report', report], db.url);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/parity of 5 legacy streak documents \(firestore collection streaks\)/);
    const r = readJson(report);
    expect(r).toMatchObject({
      legacyDocuments: 5,
      legacyUsers: 4,
      verdicts: { equal: 1, legacy_late_data: 1, mismatch: 1, missing_in_sql: 1, missing_in_legacy: 1, unreadable: 1 },
      fields: {
        currentStreak: { equal: 2, different: 1 },
        longestStreak: { equal: 1, different: 2 },
        lastQualifiedDate: { equal: 3, different: 0 },
        qualifiedDaysCount: { equal: 1, different: 2 },
      },
      sessionCounts: null,
    });
    expect(r.unreadable).toEqual([{ path: 'streaks/bad', why: expect.stringContaining('currentStreak') }]);
    const byUser = Object.fromEntries(r.differences.map((d: { userId: string }) => [d.userId, d]));
    expect(Object.keys(byUser).sort()).toEqual(['gone', 'late', 'mm']);
    expect(byUser.mm).toEqual({
      userId: 'mm',
      verdict: 'mismatch',
      differences: [
        { field: 'longestStreak', legacy: 5, sql: 2 },
        { field: 'qualifiedDaysCount', legacy: 5, sql: 2 },
      ],
    });
    expect(byUser.late).toEqual({
      userId: 'late',
      verdict: 'legacy_late_data',
      differences: [
        { field: 'currentStreak', legacy: 1, sql: 3 },
        { field: 'longestStreak', legacy: 1, sql: 3 },
        { field: 'qualifiedDaysCount', legacy: 2, sql: 3 },
      ],
    });
    expect(byUser.gone).toEqual({ userId: 'gone', verdict: 'missing_in_sql', differences: [] });

    const failing = await runCli('verify.ts', ['--from-firestore', '--fail-on-mismatch'], db.url);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/MISMATCH\s+1/);
    expect(failing.stdout).toMatch(/missing in SQL\s+1/);
  });

  it('exits 0 under --fail-on-mismatch when every difference is legacy late data', async () => {
    const db = await databases.create();
    await sessions(db.pool, 'eq', [1, 2, 3]);
    await sessions(db.pool, 'late', [1, 3, 2]);
    await seedLegacy({
      eq: { currentStreak: 3, longestStreak: 3, lastQualifiedDate: '2024-01-03', qualifiedDaysCount: 3 },
      // Older app versions wrote fewer fields: only those present are compared.
      late: { longestStreak: 2 },
    });
    const report = path.join(dir, 'clean.json');
    const run = await runCli('verify.ts', ['--from-firestore', '--fail-on-mismatch', '--report', report], db.url);
    expect(run.code).toBe(0);
    expect(readJson(report).verdicts).toEqual({ equal: 1, legacy_late_data: 1, mismatch: 0, missing_in_sql: 0, missing_in_legacy: 0, unreadable: 0 });
    expect(readJson(report).fields.currentStreak).toEqual({ equal: 1, different: 0 });
  });

  it('counts a streak SQL holds without a legacy document as missing in legacy, which fails the pipeline', async () => {
    const db = await databases.create();
    await sessions(db.pool, 'eq', [1]);
    await sessions(db.pool, 'new', [1]);
    await seedLegacy({ eq: { currentStreak: 1, longestStreak: 1, lastQualifiedDate: '2024-01-01', qualifiedDaysCount: 1 } });
    const report = path.join(dir, 'new.json');
    const run = await runCli('verify.ts', ['--from-firestore', '--fail-on-mismatch', '--report', report], db.url);
    expect(run.code).toBe(1);
    expect(readJson(report).verdicts).toMatchObject({ equal: 1, mismatch: 0, missing_in_sql: 0, missing_in_legacy: 1 });
  });
});
