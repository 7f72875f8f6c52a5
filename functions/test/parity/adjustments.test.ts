// Freezes, repairs and day starts are events the streak is derived from, in PostgreSQL (streak_walk,
// repaired dates in qualified_runs, the schedule session_pieces reads, apply_streak_adjustment) and in
// the reference model (walkStreak over runsOf of the qualified and repaired dates, credits split by the
// day-start changes). For any history, with grants, repairs, day-start changes and revocations arriving
// between the sessions in any order, the stored runs and streak equal the model's, and a rebuild agrees.
import fc from 'fast-check';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../src/accept/acceptSession';
import { applyAdjustment, type Adjustment } from '../../src/db/streakAdjustments';
import {
  type DayStartChange,
  type FreezeGrant,
  type LocalDate,
  addDays,
  dayStartMinutesOn,
  localDateOf,
  recomputeAll,
  runsOf,
  streakFromRuns,
  walkStreak,
  type SessionTimes,
} from '../../src/domain';
import { DAY_MS, historyArb } from '../support/arbitraries';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';
import { agreed, dayStartMinutesArb, newRunPrefix, QUALIFY, rebuild } from './parityFixtures';

const CAP = 2;
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

type Op =
  | { op: 'session'; index: number }
  | { op: 'grant'; offset: number; count: number }
  | { op: 'repair'; offset: number }
  | { op: 'day-start'; offset: number; minutes: number }
  | { op: 'revoke'; pick: number };

// Mostly grants effective around the history's start, so gaps inside it get frozen.
const adjustmentArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('grant' as const), offset: fc.integer({ min: -5, max: 16 }), count: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('repair' as const), offset: fc.integer({ min: -2, max: 16 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('day-start' as const), offset: fc.integer({ min: -2, max: 16 }), minutes: dayStartMinutesArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('revoke' as const), pick: fc.nat() }) },
);

/** A history (now and then ending in the last few days, so today's walk matters) and its arrivals mixed with adjustments. */
const scenarioArb = fc
  .record({
    sessions: historyArb.map((sessions) => sessions.filter((s) => s.endMs > s.startMs && agreed(s.timeZone))).filter((s) => s.length > 0),
    recent: fc.option(fc.integer({ min: 0, max: 5 * DAY_MS }), { nil: null }),
    adjustments: fc.array(adjustmentArb, { maxLength: 8 }),
  })
  .map(({ sessions, recent, adjustments }) => {
    if (recent === null) return { sessions, adjustments };
    const shift = Date.now() - recent - Math.max(...sessions.map((s) => s.endMs));
    return { sessions: sessions.map((s) => ({ ...s, startMs: s.startMs + shift, endMs: s.endMs + shift })), adjustments };
  })
  .chain(({ sessions, adjustments }) =>
    fc
      .shuffledSubarray([...sessions.map((_, index): Op => ({ op: 'session', index })), ...adjustments], { minLength: sessions.length + adjustments.length, maxLength: sessions.length + adjustments.length })
      .map((ops) => ({ sessions, ops })),
  );

const streakRow = z.object({
  currentStreak: z.number(),
  longestStreak: z.number(),
  lastQualifiedDate: z.string().nullable(),
  qualifiedDaysCount: z.number(),
  frozenDates: z.array(z.string()),
  freezesAvailable: z.number(),
  freezeReach: z.number(),
  asOf: z.string().nullable(),
});
const runRow = z.object({ start: z.string(), end: z.string() });

async function stored(userId: string) {
  const [runs, streak] = await Promise.all([
    db.pool.any(sql.type(runRow)`
      select to_char(start_date, 'YYYY-MM-DD') as start, to_char(end_date, 'YYYY-MM-DD') as end from streak_runs where user_id = ${userId} order by start_date`),
    db.pool.one(sql.type(streakRow)`
      select current_streak as "currentStreak", longest_streak as "longestStreak", to_char(last_qualified_date, 'YYYY-MM-DD') as "lastQualifiedDate",
             qualified_days_count as "qualifiedDaysCount", array(select to_char(d, 'YYYY-MM-DD') from unnest(frozen_dates) d) as "frozenDates",
             freezes_available as "freezesAvailable", freeze_reach as "freezeReach", to_char(freezes_as_of, 'YYYY-MM-DD') as "asOf"
      from user_streaks where user_id = ${userId}`),
  ]);
  return { runs, streak };
}

/** What the reference model derives from the sessions and the adjustments that took effect, as of `asOf`. */
function reference(sessions: readonly SessionTimes[], changes: DayStartChange[], grants: FreezeGrant[], repairs: Set<LocalDate>, everGranted: boolean, asOf: LocalDate | null) {
  const qualified = [...recomputeAll(sessions, QUALIFY, changes).credits].filter(([, s]) => s >= QUALIFY).map(([d]) => d);
  const runs = runsOf([...qualified, ...repairs]);
  if (!everGranted) return { runs, streak: { ...streakFromRuns(runs), frozenDates: [], freezesAvailable: 0, freezeReach: 0 } };
  return { runs, streak: walkStreak(runs, grants, CAP, asOf as LocalDate) };
}

describe('freezes, repairs and day starts: the engine holds the reference model', () => {
  // What the draws covered, printed so a change of the arbitraries that stops reaching freezes shows.
  const tally = { cases: 0, frozen: 0, reach: 0, repaired: 0, dayStart: 0, revoked: 0 };
  afterAll(() => console.info(`adjustments parity: ${JSON.stringify(tally)}`));

  it('stores the runs and streak walkStreak derives, for any history and adjustments in any order, and a rebuild agrees', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ sessions, ops }) => {
        const userId = `${newRunPrefix()}-adj`;
        const day0 = localDateOf(Math.min(...sessions.map((s) => s.startMs)), 'UTC');
        const applied: Array<{ id: string; kind: 'grant-freezes' | 'repair' | 'day-start'; grant?: FreezeGrant; date?: LocalDate; change?: DayStartChange }> = [];
        // The changes in effect, in the order they were recorded: the model lets a later one win a tie.
        const inEffect = () => applied.filter((a) => a.change !== undefined && !revoked.has(a.id)).map((a) => a.change as DayStartChange);
        const revoked = new Set<string>();
        const repairs = new Map<LocalDate, string>();
        let everGranted = false;
        const rules = { qualifySeconds: QUALIFY, freezeCap: CAP };
        for (const [k, op] of ops.entries()) {
          if (op.op === 'session') {
            await acceptSession(db.pool, { userId, sessionId: `s${op.index}`, session: sessions[op.index] as SessionTimes, source: 'callable' }, { qualifySeconds: QUALIFY, freezeCap: CAP });
            continue;
          }
          const id = `${userId}-a${k}`;
          let adjustment: Adjustment;
          if (op.op === 'grant') adjustment = { id, kind: 'grant-freezes', userId, count: op.count, effectiveFrom: addDays(day0, op.offset), reason: 'parity', actor: 'test' };
          else if (op.op === 'repair') adjustment = { id, kind: 'repair', userId, date: addDays(day0, op.offset), reason: 'parity', actor: 'test' };
          else if (op.op === 'day-start') adjustment = { id, kind: 'day-start', userId, minutes: op.minutes, effectiveFrom: addDays(day0, op.offset), reason: 'parity', actor: 'test' };
          else {
            const target = applied[op.pick % Math.max(1, applied.length)];
            if (target === undefined) continue;
            adjustment = { id, kind: 'revoke', userId, revokes: target.id, reason: 'parity', actor: 'test' };
          }
          const outcome = await applyAdjustment(db.pool, adjustment, rules);
          if (adjustment.kind === 'grant-freezes') {
            expect(outcome.status).toBe('applied');
            everGranted = true;
            applied.push({ id, kind: 'grant-freezes', grant: { effectiveFrom: adjustment.effectiveFrom, count: adjustment.count } });
          } else if (adjustment.kind === 'repair') {
            // A date already repaired stays repaired once: the second repair names the first.
            const existing = repairs.get(adjustment.date);
            expect(outcome).toMatchObject(existing === undefined ? { status: 'applied' } : { status: 'already_repaired', existingId: existing });
            if (existing === undefined) {
              repairs.set(adjustment.date, id);
              applied.push({ id, kind: 'repair', date: adjustment.date });
            }
          } else if (adjustment.kind === 'day-start') {
            // A change the date already has records nothing.
            const effectiveFrom = adjustment.effectiveFrom as LocalDate;
            const unchanged = dayStartMinutesOn(inEffect(), effectiveFrom) === adjustment.minutes;
            expect(outcome).toMatchObject({ status: unchanged ? 'already_set' : 'applied', effectiveFrom });
            if (!unchanged) applied.push({ id, kind: 'day-start', change: { effectiveFrom, minutes: adjustment.minutes } });
          } else {
            expect(outcome.status).toBe(revoked.has(adjustment.revokes) ? 'already_revoked' : 'applied');
            revoked.add(adjustment.revokes);
            const target = applied.find((a) => a.id === adjustment.revokes);
            if (target?.kind === 'repair' && target.date !== undefined && repairs.get(target.date) === target.id) repairs.delete(target.date);
          }
          // Nothing recorded leaves the streak as it was (none yet for a new user's midnight).
          if (outcome.status === 'already_set') expect(outcome.after).toEqual(outcome.before);
          else expect(outcome.after).not.toBeNull();
        }
        const grants = applied.filter((a) => a.grant !== undefined && !revoked.has(a.id)).map((a) => a.grant as FreezeGrant);
        const changes = inEffect();

        const accepted = await stored(userId);
        const expected = reference(sessions, changes, grants, new Set(repairs.keys()), everGranted, accepted.streak.asOf);
        expect(accepted.runs).toEqual(expected.runs);
        expect(accepted.streak).toMatchObject(expected.streak);
        expect(accepted.streak.asOf === null).toBe(!everGranted);
        tally.cases += 1;
        if (accepted.streak.frozenDates.length > 0) tally.frozen += 1;
        if (accepted.streak.freezeReach > 0) tally.reach += 1;
        if (repairs.size > 0) tally.repaired += 1;
        if (changes.some((c) => c.minutes > 0)) tally.dayStart += 1;
        if (revoked.size > 0) tally.revoked += 1;

        // The set-based path derives the same; it changes something only if the user's date moved on meanwhile.
        const changed = await rebuild(db.pool, [userId]);
        const rebuilt = await stored(userId);
        expect(rebuilt.runs).toEqual(expected.runs);
        expect(rebuilt.streak).toMatchObject(reference(sessions, changes, grants, new Set(repairs.keys()), everGranted, rebuilt.streak.asOf).streak);
        if (rebuilt.streak.asOf === accepted.streak.asOf) expect(changed).toEqual([]);
      }),
      { numRuns: usesEmbeddedDatabase ? 20 : 100 },
    );
  });
});
