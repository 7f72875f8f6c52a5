// The streak rules run in PostgreSQL on every path: accept_session one session at a time, rebuild_streaks
// set-based, both through session_pieces, day_credits and qualified_runs. The TypeScript domain is
// the reference model. These properties hold the engine to the model: the same pieces for any session in
// any tricky zone, and the same days, credits, runs and streak for any history in any arrival order,
// whichever path stored it.
import fc from 'fast-check';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../src/accept/acceptSession';
import { recomputeAll, splitSession, type SessionTimes } from '../../src/domain';
import { historyArb, sessionArb } from '../support/arbitraries';
import { storedZoneSpeller } from '../support/storedZones';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';
import { agreed, iso, newRunPrefix, QUALIFY, rebuild } from './parityFixtures';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

const pieceRow = z.object({ date: z.string(), startMs: z.coerce.number(), endMs: z.coerce.number() });

describe('session_pieces cuts a session as the reference model does', () => {
  it('gives the pieces splitSession gives, to the millisecond, for sessions near every kind of offset change', async () => {
    const stored = await storedZoneSpeller(db.pool);
    await fc.assert(
      fc.asyncProperty(fc.array(sessionArb.filter((s) => s.endMs > s.startMs && agreed(s.timeZone)), { minLength: 1, maxLength: 40 }), async (sessions) => {
        const rows = await db.pool.any(sql.type(pieceRow.extend({ n: z.coerce.number() }))`
          select s.n, to_char(p.local_date, 'YYYY-MM-DD') as date,
                 floor(extract(epoch from p.piece_start) * 1000)::bigint as "startMs", floor(extract(epoch from p.piece_end) * 1000)::bigint as "endMs"
          from ${sql.unnest(
            sessions.map((s, n) => [n, iso(s.startMs), iso(s.endMs), stored(s.timeZone)]),
            ['int4', 'timestamptz', 'timestamptz', 'text'],
          )} as s(n, start_time, end_time, timezone)
          cross join lateral session_pieces(s.start_time, s.end_time, s.timezone) p
          order by s.n, p.piece_start`);
        for (const [n, session] of sessions.entries()) {
          const expected = splitSession(session).map((p) => ({ date: p.date, startMs: p.startMs, endMs: p.endMs }));
          expect({ session, pieces: rows.filter((r) => r.n === n).map(({ n: _n, ...piece }) => piece) }).toEqual({ session, pieces: expected });
        }
      }),
      { numRuns: usesEmbeddedDatabase ? 30 : 120 },
    );
  });
});

const creditRow = z.object({ date: z.string(), seconds: z.number() });
const runRow = z.object({ start: z.string(), end: z.string() });
const streakRow = z.object({ currentStreak: z.number(), longestStreak: z.number(), lastQualifiedDate: z.string().nullable(), qualifiedDaysCount: z.number(), version: z.coerce.number() });

async function derived(userId: string) {
  const [credits, runs, streak] = await Promise.all([
    db.pool.any(sql.type(creditRow)`
      select to_char(local_date, 'YYYY-MM-DD') as date, focus_seconds as seconds from daily_focus where user_id = ${userId} order by local_date`),
    db.pool.any(sql.type(runRow)`
      select to_char(start_date, 'YYYY-MM-DD') as start, to_char(end_date, 'YYYY-MM-DD') as end from streak_runs where user_id = ${userId} order by start_date`),
    db.pool.maybeOne(sql.type(streakRow)`
      select current_streak as "currentStreak", longest_streak as "longestStreak", to_char(last_qualified_date, 'YYYY-MM-DD') as "lastQualifiedDate",
             qualified_days_count as "qualifiedDaysCount", version from user_streaks where user_id = ${userId}`),
  ]);
  return { credits, runs, streak };
}

/** A user's history with an arrival order in which some sessions are sent twice under the same id (a retry). */
const arrivalsArb = historyArb
  .map((sessions) => sessions.filter((s) => s.endMs > s.startMs && agreed(s.timeZone)))
  .filter((sessions) => sessions.length > 0)
  .chain((sessions) =>
    fc.tuple(
      fc.constant(sessions),
      fc.shuffledSubarray([...sessions.keys(), ...sessions.keys()], { minLength: sessions.length, maxLength: 2 * sessions.length }),
    ),
  )
  .map(([sessions, picks]) => {
    // Every session arrives at least once: the ones the draw left out come last.
    const order = [...picks, ...[...sessions.keys()].filter((i) => !picks.includes(i))];
    return { sessions, order };
  });

describe('accept_session and rebuild_streaks hold the reference model', () => {
  it('store the days, credits, runs and streak of recomputeAll for any history in any arrival order, retries included', async () => {
    await fc.assert(
      fc.asyncProperty(arrivalsArb, async ({ sessions, order }) => {
        const userId = `${newRunPrefix()}-engine`;
        const accept = (i: number) =>
          acceptSession(db.pool, { userId, sessionId: `s${i}`, session: sessions[i] as SessionTimes, source: 'callable' }, { qualifySeconds: QUALIFY });
        const answers = [];
        for (const i of order) answers.push(await accept(i));
        // The first arrival of each session is accepted, a retry answers accepted: false.
        expect(answers.map((a) => a.accepted)).toEqual(order.map((i, k) => order.indexOf(i) === k));

        const expected = recomputeAll(sessions, QUALIFY);
        const accepted = await derived(userId);
        expect(accepted.credits).toEqual([...expected.credits].map(([date, seconds]) => ({ date, seconds })));
        expect(accepted.runs).toEqual(expected.runs);
        expect(accepted.streak).toMatchObject(expected.streak);
        // The set-based path computes exactly the same: nothing for a rebuild to change.
        expect(await rebuild(db.pool, [userId])).toEqual([]);
        expect(await derived(userId)).toEqual(accepted);
      }),
      { numRuns: usesEmbeddedDatabase ? 20 : 100 },
    );
  });
});
