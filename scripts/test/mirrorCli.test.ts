import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../functions/src/accept/acceptSession';
import { recordMirrorPass } from '../../functions/src/db/legacyMirror';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { readMirror } from '../lib/status/mirrorSection';
import { runScript } from './support/runScript';

// npm run mirror: callable sessions accepted before the mirror was on (or while it was off) were never
// queued; it queues exactly those, once, and the status then counts none of them as missing from
// legacy Firestore. The status's coverage starts when a scheduled run first sees the mirror on.
jest.setTimeout(120_000);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

const START = Date.parse('2025-06-02T07:00:00Z');
const accept = (userId: string, sessionId: string, source: 'callable' | 'bridge', mirror: boolean) =>
  acceptSession(
    db.pool,
    { userId, sessionId, session: { startMs: START, endMs: START + 40 * 60_000, timeZone: 'UTC' }, source },
    { qualifySeconds: 1800, mirror },
  );
const queued = () =>
  db.pool.anyFirst(sql.type(z.object({ key: z.string() }))`select user_id || '/' || session_id as key from legacy_mirror order by 1`);
const mirror = () => readMirror({ db, nowMs: Date.now(), writes: false });
const run = (args: string[]) => runScript('mirror.ts', args, db.url);

describe('npm run mirror', () => {
  it('queues the callable sessions the mirror never saw, once, and the status then finds the way back whole', async () => {
    // Before the mirror: two callable sessions and a bridge one, none queued.
    await accept('ann', 'a1', 'callable', false);
    await accept('bea', 'b1', 'callable', false);
    await accept('ann', 'legacy-1', 'bridge', false);
    expect(await mirror()).toMatchObject({ enabled: null, coveredSince: null, uncovered: 2, pending: 0 });

    // The first scheduled run that sees MIRROR_TO_LEGACY on starts the coverage; later callables are queued by the accept.
    await recordMirrorPass(db.pool, true, { claimed: 0, written: 0, failed: 0, compensated: 0 });
    await accept('ann', 'a2', 'callable', true);
    const on = await mirror();
    expect(on).toMatchObject({ enabled: true, pending: 1 });
    expect(Date.now() - Date.parse(on.coveredSince!)).toBeLessThan(60_000);
    // The hour the coverage began in is counted whole: an upper bound, never an undercount.
    expect(on.uncovered).toBeGreaterThanOrEqual(2);

    const dry = await run(['--all', '--dry-run']);
    expect(dry).toMatchObject({ code: 0 });
    expect(dry.stdout).toMatch(/^would queue 2 callable sessions for the legacy mirror$/m);
    expect(await queued()).toEqual(['ann/a2']);

    const first = await run(['--all']);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/^queued 2 callable sessions for the legacy mirror in/m);
    expect(await queued()).toEqual(['ann/a1', 'ann/a2', 'bea/b1']);
    expect(await mirror()).toMatchObject({ coveredSince: 'always', uncovered: 0, pending: 3 });

    const again = await run(['--all']);
    expect(again.stdout).toMatch(/^queued 0 callable sessions/m);
    expect(await queued()).toEqual(['ann/a1', 'ann/a2', 'bea/b1']);
  });

  it('ends the coverage when a run sees the mirror off, and starts it anew when it is on again', async () => {
    await recordMirrorPass(db.pool, false, { claimed: 0, written: 0, failed: 0, compensated: 0 });
    await accept('cid', 'c1', 'callable', false);
    expect(await mirror()).toMatchObject({ enabled: false, coveredSince: null });
    expect((await mirror()).uncovered).toBeGreaterThanOrEqual(4);
    const whileOff = await run(['--user', 'cid']);
    expect(whileOff.stdout).toMatch(/^queued 1 callable sessions/m);
    await recordMirrorPass(db.pool, true, { claimed: 0, written: 0, failed: 0, compensated: 0 });
    const back = await mirror();
    expect(back.enabled).toBe(true);
    expect(back.coveredSince).not.toBe('always');
    // A run with the mirror on keeps the coverage where it began.
    await recordMirrorPass(db.pool, true, { claimed: 0, written: 0, failed: 0, compensated: 0 });
    expect((await mirror()).coveredSince).toBe(back.coveredSince);
    // --since moves it back to that instant; --user never does (other users' sessions are not looked at).
    await run(['--user', 'cid']);
    expect((await mirror()).coveredSince).toBe(back.coveredSince);
    await run(['--all', '--since', '2020-01-01T00:00:00Z']);
    expect((await mirror()).coveredSince).toBe('2020-01-01T00:00:00.000Z');
  });

  it('refuses what it cannot run as typed, touching nothing', async () => {
    const bad = await run(['--since', 'yesterday', '--chunk', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual(
      expect.arrayContaining(['error: say whom: --all, or --user <id…>', 'error: --since takes an ISO-8601 instant with an offset, e.g. 2025-06-01T00:00:00Z']),
    );
  });
});
