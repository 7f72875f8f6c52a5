import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acceptSession } from '../../functions/src/accept/acceptSession';
import { applyAdjustment } from '../../functions/src/db/streakAdjustments';
import { readStreak } from '../../functions/src/db/userStreaks';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { runScript } from './support/runScript';

// The legacy streaks were computed by app builds that split days at midnight. A user who has since
// set a day start has other dates in SQL, rightly: verify holds their legacy document to the midnight
// rule applied to their SQL sessions, and every other user to their stored streak, as before.
jest.setTimeout(120_000);

const RULES = { qualifySeconds: 1800, freezeCap: 2 };

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(os.tmpdir(), 'verify-day-start-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db?.close();
});

/**
 * 40 minutes on 03-01 at 10:00, 03-03 at 01:00 and 03-04 at 10:00 (UTC). By midnight: 03-01, 03-03,
 * 03-04 qualify (current 2). With the day starting at 04:00, the 01:00 session belongs to 03-02: 03-01,
 * 03-02, 03-04 (current 1).
 */
async function seed(userId: string): Promise<void> {
  for (const start of ['2025-03-01T10:00:00Z', '2025-03-03T01:00:00Z', '2025-03-04T10:00:00Z']) {
    const startMs = Date.parse(start);
    await acceptSession(db.pool, { userId, sessionId: start, session: { startMs, endMs: startMs + 40 * 60_000, timeZone: 'UTC' }, source: 'callable' }, RULES);
  }
}
async function setDayStart(userId: string, minutes: number): Promise<void> {
  const outcome = await applyAdjustment(db.pool, { id: `day-start-${userId}`, kind: 'day-start', userId, minutes, effectiveFrom: '2025-03-01', reason: 'asked for 04:00', actor: 'test' }, RULES);
  expect(outcome.status).toBe('applied');
}

const MIDNIGHT = { currentStreak: 2, longestStreak: 2, lastQualifiedDate: '2025-03-04', qualifiedDaysCount: 3 };
const legacyLine = (userId: string, data: object) => JSON.stringify({ path: `streaks/${userId}`, data });

describe('verify of users with a day start', () => {
  it('compares their legacy documents with the midnight rule, the others with their stored streak, and says how many', async () => {
    await seed('owl-same');
    await seed('owl-ahead');
    await seed('lark');
    await setDayStart('owl-same', 240);
    await setDayStart('owl-ahead', 240);
    // The day start moved their dates: compared with the stored streak, the legacy document would be a mismatch.
    expect(await readStreak(db.pool, 'owl-same')).toMatchObject({ currentStreak: 1, longestStreak: 2, lastQualifiedDate: '2025-03-04', qualifiedDaysCount: 3, dayStartMinutes: 240 });
    expect(await readStreak(db.pool, 'lark')).toMatchObject(MIDNIGHT);

    const file = path.join(dir, 'legacy.ndjson');
    writeFileSync(
      file,
      [
        legacyLine('owl-same', MIDNIGHT),
        // The legacy app counted a date SQL has no session for by either rule: SQL behind, a real mismatch.
        legacyLine('owl-ahead', { ...MIDNIGHT, currentStreak: 3, longestStreak: 3, qualifiedDaysCount: 4 }),
        legacyLine('lark', MIDNIGHT),
      ].join('\n') + '\n',
    );
    const reportFile = path.join(dir, 'parity.json');
    const run = await runScript('verify.ts', ['--from-file', file, '--report', reportFile], db.url);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/equal\s+2\n/);
    expect(run.stdout).toMatch(/MISMATCH\s+1\n/);
    expect(run.stdout).toMatch(/by midnight rule\s+2 {3}\(of those compared: users with a day start/);
    expect(run.stdout).toContain('owl-ahead [mismatch] currentStreak: legacy 3 vs sql 2, longestStreak: legacy 3 vs sql 2, qualifiedDaysCount: legacy 4 vs sql 3');

    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    expect(report).toMatchObject({ legacyUsers: 3, midnightRuleUsers: 2, verdicts: { equal: 2, mismatch: 1, legacy_late_data: 0, missing_in_sql: 0, missing_in_legacy: 0 } });
    expect(report.differences.map((d: { userId: string }) => d.userId)).toEqual(['owl-ahead']);
  });

  it('counts a repaired date under the midnight rule too, as the stored streak does', async () => {
    await seed('owl-repaired');
    await setDayStart('owl-repaired', 240);
    const repair = await applyAdjustment(db.pool, { id: 'repair-owl', kind: 'repair', userId: 'owl-repaired', date: '2025-03-02', reason: 'outage', actor: 'test' }, RULES);
    expect(repair.status).toBe('applied');

    const file = path.join(dir, 'repaired.ndjson');
    // By midnight 03-01 to 03-04 all count: three sessions and the repair.
    writeFileSync(file, legacyLine('owl-repaired', { currentStreak: 4, longestStreak: 4, lastQualifiedDate: '2025-03-04', qualifiedDaysCount: 4 }) + '\n');
    const reportFile = path.join(dir, 'repaired.json');
    expect((await runScript('verify.ts', ['--from-file', file, '--report', reportFile], db.url)).code).toBe(0);
    expect(JSON.parse(readFileSync(reportFile, 'utf8'))).toMatchObject({ midnightRuleUsers: 1, verdicts: { equal: 1, mismatch: 0 } });
  });
});
