import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../functions/src/accept/acceptSession';
import { readStreak } from '../../functions/src/db/userStreaks';
import { createTestDatabase, startEmbeddedServerProcess, type TestDatabase } from '../../functions/test/support/testDatabase';
import { createScratchDatabase } from '../lib/migrate/scratchDatabase';
import { runScript } from './support/runScript';

// npm run adjust-streaks: the operator's freezes, repairs (amnesty), day-start changes and revocations.
// Each rebuilds the user's streak in SQL; the same grant or repair again counts once.
jest.setTimeout(120_000);

const QUALIFY = 1800;
// The child's rules must be the seeding's, or its rebuild would move streaks by itself.
const env = { QUALIFY_MINUTES: String(QUALIFY / 60), FREEZE_CAP: '2' };
// Qualified 03-01, 03-02, 03-04 and 03-05: two runs of two, 03-03 missing.
const DATES = ['2025-03-01', '2025-03-02', '2025-03-04', '2025-03-05'];
const GAP = '2025-03-03';

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(os.tmpdir(), 'adjust-streaks-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db?.close();
});

async function seed(userId: string): Promise<void> {
  for (const date of DATES) {
    const startMs = Date.parse(`${date}T08:00:00Z`);
    await acceptSession(db.pool, { userId, sessionId: date, session: { startMs, endMs: startMs + 40 * 60_000, timeZone: 'UTC' }, source: 'callable' }, { qualifySeconds: QUALIFY, freezeCap: 2 });
  }
}
/**
 * Sessions over UTC midnight, 20 minutes either side of it: by midnight only 03-02 and 03-03 reach 30
 * minutes (two halves each); from a day start of 01:00 or later each counts whole, 03-01 to 03-03.
 */
async function seedOverMidnight(userId: string): Promise<void> {
  for (const date of ['2025-03-01', '2025-03-02', '2025-03-03']) {
    const startMs = Date.parse(`${date}T23:40:00Z`);
    await acceptSession(db.pool, { userId, sessionId: date, session: { startMs, endMs: startMs + 40 * 60_000, timeZone: 'UTC' }, source: 'callable' }, { qualifySeconds: QUALIFY, freezeCap: 2 });
  }
}
const adjust = (args: string[]) => runScript('adjust-streaks.ts', args, db.url, env);
const idOf = (stdout: string) => /^\w+ (cli-day-start-[0-9a-f]{20}) /m.exec(stdout)?.[1];
const streak = async (userId: string) => {
  const s = await readStreak(db.pool, userId);
  return s && { currentStreak: s.currentStreak, longestStreak: s.longestStreak, frozenDates: s.frozenDates };
};
const adjustments = (userId: string) =>
  db.pool.any(sql.type(z.object({ id: z.string(), kind: z.string(), actor: z.string(), reason: z.string() }))`
    select id, kind, actor, reason from streak_adjustments where user_id = ${userId} order by created_at, id`);
/** Everything an adjustment writes, to show a refused or dry run wrote nothing. */
const written = () =>
  db.pool.one(sql.type(z.object({ streaks: z.unknown(), adjustments: z.unknown(), outbox: z.number() }))`
    select (select coalesce(jsonb_agg(to_jsonb(s) order by s.user_id), '[]') from user_streaks s) as streaks,
           (select coalesce(jsonb_agg(to_jsonb(a) order by a.id), '[]') from streak_adjustments a) as adjustments,
           (select count(*)::int from streak_outbox) as outbox`);

describe('npm run adjust-streaks', () => {
  it('grant-freezes bridges a missed date: the run grows over it, frozen, and the same command again counts once', async () => {
    await seed('gap-grant');
    expect(await streak('gap-grant')).toEqual({ currentStreak: 2, longestStreak: 2, frozenDates: [] });
    const args = ['grant-freezes', '--user', 'gap-grant', '--count', '1', '--effective', '2025-03-01', '--reason', 'support ticket 1234'];

    const first = await adjust(args);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^applied cli-grant-freezes-[0-9a-f]{20} user gap-grant: currentStreak 2 → 4, longestStreak 2 → 4, qualifiedDaysCount 4 → 4, freezesAvailable 0 → 0, frozenDates \[\] → \[2025-03-03\]$/m);
    expect(first.stdout).toMatch(/^1 adjustment: 1 applied; 1 streak changed$/m);
    expect(first.stdout).toContain('the scheduled relay (relayStreakOutbox) publishes them');
    expect(await streak('gap-grant')).toEqual({ currentStreak: 4, longestStreak: 4, frozenDates: [GAP] });

    const again = await adjust(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^duplicate cli-grant-freezes-[0-9a-f]{20} user gap-grant: currentStreak 4 → 4/m);
    expect(again.stdout).toMatch(/^1 adjustment: 1 duplicate; 0 streaks changed$/m);
    const recorded = await adjustments('gap-grant');
    expect(recorded).toEqual([{ id: expect.stringMatching(/^cli-grant-freezes-/), kind: 'grant-freezes', actor: expect.stringMatching(/^cli:.+/), reason: 'support ticket 1234' }]);
  });

  it('--dry-run shows the streak before and after and keeps nothing', async () => {
    await seed('dry');
    const before = await written();
    // Two freezes: one for 03-03, the other for 03-06, the first date after the run.
    const run = await adjust(['grant-freezes', '--user', 'dry', '--count', '2', '--effective', '2025-02-28', '--reason', 'try it', '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^applied cli-grant-freezes-\w+ user dry: currentStreak 2 → 4, longestStreak 2 → 4, qualifiedDaysCount 4 → 4, freezesAvailable 0 → 0, frozenDates \[\] → \[2025-03-03 2025-03-06\]$/m);
    expect(run.stdout).toMatch(/^DRY RUN, rolled back: 1 adjustment: 1 applied; 1 streak would change$/m);
    expect(run.stdout).not.toContain('relay');
    expect(await written()).toEqual(before);
  });

  it('repair --from-file joins two runs for every line, and one bad line refuses the whole file', async () => {
    await seed('amnesty-a');
    await seed('amnesty-b');
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, `# outage of 2025-03-03\n\namnesty-a,${GAP}\namnesty-b,2025-02-30\nno comma here\n`);
    const before = await written();
    const refused = await adjust(['repair', '--from-file', bad, '--reason', 'outage']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`error: --from-file ${bad} line 4 "amnesty-b,2025-02-30": date must be a real calendar date, YYYY-MM-DD`);
    expect(refused.stderr).toContain(`error: --from-file ${bad} line 5 "no comma here": must be uid,YYYY-MM-DD`);
    expect(await written()).toEqual(before);

    const good = path.join(dir, 'good.csv');
    writeFileSync(good, `# outage of 2025-03-03\n\namnesty-a,${GAP}\r\namnesty-b, ${GAP}\n`);
    const run = await adjust(['repair', '--from-file', good, '--reason', 'outage 2025-03-03']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^applied cli-repair-\w+ line 3 user amnesty-a: currentStreak 2 → 5, longestStreak 2 → 5, qualifiedDaysCount 4 → 5/m);
    expect(run.stdout).toMatch(/^applied cli-repair-\w+ line 4 user amnesty-b: currentStreak 2 → 5/m);
    expect(run.stdout).toMatch(/^2 adjustments: 2 applied; 2 streaks changed$/m);
    expect(await streak('amnesty-a')).toEqual({ currentStreak: 5, longestStreak: 5, frozenDates: [] });
    expect(await streak('amnesty-b')).toEqual({ currentStreak: 5, longestStreak: 5, frozenDates: [] });

    // The file again: duplicates. The date repaired anew for another reason: already repaired, by the first.
    const rerun = await adjust(['repair', '--from-file', good, '--reason', 'outage 2025-03-03']);
    expect(rerun.stdout).toMatch(/^2 adjustments: 2 duplicate; 0 streaks changed$/m);
    const [first] = await adjustments('amnesty-a');
    const other = await adjust(['repair', '--user', 'amnesty-a', '--date', GAP, '--reason', 'another ticket']);
    expect(other.code).toBe(0);
    expect(other.stdout).toMatch(new RegExp(`^already_repaired cli-repair-\\w+ user amnesty-a \\(by ${first?.id}\\): currentStreak 5 → 5`, 'm'));
    expect(await adjustments('amnesty-a')).toHaveLength(1);
  });

  it('revoke restores the earlier streak; revoking again says already_revoked; an unknown id fails', async () => {
    await seed('revoked');
    const grant = await adjust(['grant-freezes', '--user', 'revoked', '--count', '1', '--effective', '2025-03-01', '--reason', 'by mistake', '--id', 'ticket-77']);
    expect(grant.stdout).toMatch(/^applied ticket-77 user revoked: currentStreak 2 → 4/m);

    const revoke = await adjust(['revoke', '--id', 'ticket-77', '--reason', 'granted to the wrong user']);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toMatch(/^applied cli-revoke-[0-9a-f]{20} user revoked revokes ticket-77: currentStreak 4 → 2, longestStreak 4 → 2, qualifiedDaysCount 4 → 4, freezesAvailable 0 → 0, frozenDates \[2025-03-03\] → \[\]$/m);
    expect(await streak('revoked')).toEqual({ currentStreak: 2, longestStreak: 2, frozenDates: [] });
    const revokeId = (await adjustments('revoked')).find((a) => a.kind === 'revoke')?.id;

    const twice = await adjust(['revoke', '--id', 'ticket-77', '--reason', 'granted to the wrong user']);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toMatch(new RegExp(`^already_revoked cli-revoke-\\w+ user revoked revokes ticket-77 \\(by ${revokeId}\\)`, 'm'));
    expect(await adjustments('revoked')).toHaveLength(2);

    const unknown = await adjust(['revoke', '--id', 'no-such-adjustment', '--reason', 'typo']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/^unknown_target cli-revoke-\w+ revokes no-such-adjustment$/m);
    expect(unknown.stderr).toContain('error: unknown_target: there is no adjustment no-such-adjustment to revoke');
    const ofRevoke = await adjust(['revoke', '--id', revokeId as string, '--reason', 'undo the undo']);
    expect(ofRevoke.code).toBe(1);
    expect(ofRevoke.stderr).toContain(`error: not_revocable: ${revokeId} is itself a revoke`);
  });

  it('day-start moves the dates from --effective on, and every run records a change unless its minutes already apply', async () => {
    await seedOverMidnight('owl');
    const set = (minutes: number, ...more: string[]) => adjust(['day-start', '--user', 'owl', '--minutes', String(minutes), '--effective', '2025-03-01', '--reason', 'ticket 5', ...more]);

    const first = await set(240);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(
      /^applied cli-day-start-[0-9a-f]{20} user owl minutes 240 from 2025-03-01: currentStreak 2 → 3, longestStreak 2 → 3, qualifiedDaysCount 2 → 3, freezesAvailable 0 → 0, frozenDates \[\] → \[\], dayStartMinutes 0 → 240$/m,
    );
    expect(first.stdout).toMatch(/^1 adjustment: 1 applied; 1 streak changed$/m);
    expect(await streak('owl')).toEqual({ currentStreak: 3, longestStreak: 3, frozenDates: [] });

    // Back to midnight from the same date, then 240 again: the same command as the first is a new change, not a duplicate.
    expect((await set(0)).stdout).toMatch(/^applied cli-day-start-\w+ user owl minutes 0 from 2025-03-01: currentStreak 3 → 2, .*dayStartMinutes 240 → 0$/m);
    const third = await set(240);
    expect(third.stdout).toMatch(/^applied cli-day-start-\w+ user owl minutes 240 from 2025-03-01: currentStreak 2 → 3, .*dayStartMinutes 0 → 240$/m);
    const recorded = await adjustments('owl');
    expect(recorded).toHaveLength(3);
    expect(new Set(recorded.map((a) => a.id)).size).toBe(3);
    expect(recorded.every((a) => a.kind === 'day-start' && /^cli:.+/.test(a.actor))).toBe(true);

    // Minutes already in effect from that date: nothing recorded, and the change that set them named.
    const again = await set(240);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^already_set cli-day-start-\\w+ user owl minutes 240 from 2025-03-01 \\(by ${idOf(third.stdout)}\\): currentStreak 3 → 3`, 'm'));
    expect(again.stdout).toMatch(/^1 adjustment: 1 already_set; 0 streaks changed$/m);
    // Before the first change the dates begin at midnight, the default: already set, by no adjustment.
    const earlier = await adjust(['day-start', '--user', 'owl', '--minutes', '0', '--effective', '2025-02-01', '--reason', 'ticket 5', '--json']);
    const [outcome] = JSON.parse(earlier.stdout).outcomes;
    expect(outcome).toMatchObject({ status: 'already_set', kind: 'day-start', minutes: 0, effectiveFrom: '2025-02-01' });
    expect(outcome).not.toHaveProperty('existingId');
    expect(await adjustments('owl')).toHaveLength(3);
  });

  it('day-start from an earlier date recomputes the streak from there; --dry-run and --json show it and keep nothing', async () => {
    await seedOverMidnight('owl-dry');
    const before = await written();
    // From 03-02 on: 03-01 keeps its midnight start and now ends at 01:00 on 03-02, holding its session whole.
    const run = await adjust(['day-start', '--user', 'owl-dry', '--minutes', '60', '--effective', '2025-03-02', '--reason', 'try it', '--dry-run', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ command: 'day-start', dryRun: true, ok: true, counts: { applied: 1 }, changed: 1 });
    expect(report.outcomes).toEqual([
      expect.objectContaining({
        status: 'applied',
        kind: 'day-start',
        minutes: 60,
        effectiveFrom: '2025-03-02',
        adjustmentId: expect.stringMatching(/^cli-day-start-[0-9a-f]{20}$/),
        before: expect.objectContaining({ currentStreak: 2, qualifiedDaysCount: 2, dayStartMinutes: 0 }),
        after: expect.objectContaining({ currentStreak: 3, qualifiedDaysCount: 3, lastQualifiedDate: '2025-03-03', dayStartMinutes: 60 }),
      }),
    ]);
    expect(await written()).toEqual(before);
  });

  it('revoke of a day-start change brings back the schedule before it', async () => {
    await seedOverMidnight('owl-revoked');
    const set = await adjust(['day-start', '--user', 'owl-revoked', '--minutes', '120', '--effective', '2025-03-01', '--reason', 'wrong user', '--id', 'ticket-120']);
    expect(set.stdout).toMatch(/^applied ticket-120 user owl-revoked minutes 120 from 2025-03-01: currentStreak 2 → 3/m);
    const revoke = await adjust(['revoke', '--id', 'ticket-120', '--reason', 'set for the wrong user']);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toMatch(/^applied cli-revoke-\w+ user owl-revoked revokes ticket-120: currentStreak 3 → 2, longestStreak 3 → 2, qualifiedDaysCount 3 → 2, freezesAvailable 0 → 0, frozenDates \[\] → \[\], dayStartMinutes 120 → 0$/m);
    expect(await streak('owl-revoked')).toEqual({ currentStreak: 2, longestStreak: 2, frozenDates: [] });
  });

  it('--id given to other content is a conflict: exit 1, nothing recorded', async () => {
    await seed('conflicted');
    expect(await adjust(['grant-freezes', '--user', 'conflicted', '--count', '1', '--effective', '2025-03-01', '--reason', 'ticket 88', '--id', 'ticket-88'])).toMatchObject({ code: 0 });
    const run = await adjust(['repair', '--user', 'conflicted', '--date', GAP, '--reason', 'ticket 88', '--id', 'ticket-88']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: conflict: adjustment ticket-88 is already recorded with other content');
    expect(run.stdout).toMatch(/^1 adjustment: 1 conflict; 0 streaks changed; 1 failed \(see stderr\)$/m);
    expect(await adjustments('conflicted')).toEqual([expect.objectContaining({ id: 'ticket-88', kind: 'grant-freezes' })]);
  });

  it('--json prints one object with every outcome', async () => {
    await seed('json-a');
    const file = path.join(dir, 'json.csv');
    writeFileSync(file, `json-a,${GAP}\njson-a,${GAP}\n`);
    const run = await adjust(['repair', '--from-file', file, '--reason', 'json', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ command: 'repair', dryRun: false, ok: true, counts: { applied: 1, duplicate: 1 }, changed: 1, problems: [] });
    expect(report.outcomes).toEqual([
      expect.objectContaining({ status: 'applied', kind: 'repair', userId: 'json-a', line: 1, before: expect.objectContaining({ currentStreak: 2 }), after: expect.objectContaining({ currentStreak: 5 }) }),
      expect.objectContaining({ status: 'duplicate', kind: 'repair', userId: 'json-a', line: 2 }),
    ]);
  });

  it('refuses bad input with a usage error, and changes nothing', async () => {
    const before = await written();
    const cases: Array<[string[], string]> = [
      [['repair', '--user', 'u', '--date', '2026-02-30', '--reason', 'r'], 'error: --date "2026-02-30": must be a real calendar date, YYYY-MM-DD'],
      [['grant-freezes', '--user', 'u', '--count', '0', '--effective', '2025-03-01', '--reason', 'r'], 'error: --count must be an integer from 1 to 100, got "0"'],
      [['grant-freezes', '--user', 'u', '--count', '101', '--effective', '2025-03-01', '--reason', 'r'], 'error: --count must be an integer from 1 to 100, got "101"'],
      [['grant-freezes', '--user', 'u', '--count', '1', '--effective', '2025-03-01'], 'error: --reason <text> is required'],
      [['repair', '--user', 'a/b', '--date', GAP, '--reason', 'r'], 'error: --user "a/b": must not contain "/"'],
      [['repair', '--user', 'u', '--date', GAP, '--reason', 'x'.repeat(501)], 'must be at most 500 characters'],
      [['repair', '--user', 'u', '--date', GAP, '--reason', 'r', '--id', 'i'.repeat(129)], 'error: --id "iiii'],
      [['revoke', '--reason', 'r'], 'error: revoke needs --id <adjustment id>'],
      [['revoke', '--id', 'x', '--user', 'u', '--reason', 'r'], 'error: --user is an option of adjust-streaks grant-freezes, adjust-streaks repair, adjust-streaks day-start only'],
      [['freeze', '--user', 'u'], 'error: what to do must be "grant-freezes" or "repair" or "day-start" or "revoke", got "freeze"'],
      [['day-start', '--user', 'u', '--minutes', '100', '--effective', '2025-03-01', '--reason', 'r'], 'error: --minutes 100: must be a multiple of 15 from 0 to 720'],
      [['day-start', '--user', 'u', '--minutes', '735', '--effective', '2025-03-01', '--reason', 'r'], 'error: --minutes must be an integer from 0 to 720, got "735"'],
      [['day-start', '--user', 'u', '--minutes', '-15', '--effective', '2025-03-01', '--reason', 'r'], 'error: --minutes must be an integer from 0 to 720, got "-15"'],
      [['day-start', '--user', 'u', '--minutes', '60', '--reason', 'r'], 'error: day-start needs --effective <YYYY-MM-DD>'],
      [['day-start', '--user', 'u', '--effective', '2025-03-01', '--reason', 'r'], 'error: day-start needs --minutes <m>'],
      [['day-start', '--user', 'u', '--minutes', '60', '--effective', '1999-12-31', '--reason', 'r'], 'error: --effective "1999-12-31": must lie between 2000-01-01 and 2099-12-31'],
      [['day-start', '--user', 'u', '--minutes', '60', '--count', '1', '--effective', '2025-03-01', '--reason', 'r'], 'error: --count is an option of adjust-streaks grant-freezes only'],
      [['repair', '--user', 'u', '--date', GAP, '--minutes', '60', '--reason', 'r'], 'error: --minutes is an option of adjust-streaks day-start only'],
    ];
    for (const [args, message] of cases) {
      const run = await adjust(args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toContain(message);
      expect(run.stderr).toContain('(see npm run adjust-streaks -- --help)');
    }
    expect(await written()).toEqual(before);
  });

  it('--help documents day-start and its flags', async () => {
    const all = await adjust(['--help']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^Usage: npm run adjust-streaks -- <grant-freezes\|repair\|day-start\|revoke> \[options\]$/m);
    expect(all.stdout).toMatch(/^ {2}day-start +make --user's dates begin --minutes after local midnight/m);
    const own = await adjust(['day-start', '--help']);
    expect(own.stdout).toMatch(/^Usage: npm run adjust-streaks -- day-start \[options\]$/m);
    expect(own.stdout).toMatch(/^ {2}--minutes <m> +minutes after local midnight each date begins, a multiple of 15 \(0-720\)$/m);
    expect(own.stdout).toContain('--effective <YYYY-MM-DD>');
    expect(own.stdout).not.toContain('--count');
    expect(own.stdout).not.toContain('--from-file');
  });

  it('refuses to run against a database that is not migrated', async () => {
    const unmigrated = process.env.DATABASE_URL
      ? await createScratchDatabase(process.env.DATABASE_URL, 'adjust_unmigrated').then((s) => ({ url: s.url, drop: () => s.drop() }))
      : await startEmbeddedServerProcess().then((e) => ({ url: e.url, drop: () => e.stop() }));
    try {
      const run = await runScript('adjust-streaks.ts', ['revoke', '--id', 'x', '--reason', 'r'], unmigrated.url, env);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('is not migrated');
      expect(run.stderr).toContain('npm run migrate');
    } finally {
      await unmigrated.drop();
    }
  });
});
