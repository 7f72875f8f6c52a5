// A personal day start moves where every date begins, in PostgreSQL (local_day_start, user_date_at,
// session_pieces with the user's schedule) and in the reference model (startOfDay, dateAt, splitSession
// with the changes). These properties hold the engine to the model near every kind of offset change,
// with day starts that fall inside skipped and repeated hours.
import fc from 'fast-check';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../src/accept/acceptSession';
import { applyAdjustment } from '../../src/db/streakAdjustments';
import { dateAt, localDateOf, splitSession, startOfDay } from '../../src/domain';
import { sessionArb, zonedInstantArb } from '../support/arbitraries';
import { storedZoneSpeller } from '../support/storedZones';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';
import { agreed, dayStartChangesNear, dayStartMinutesArb, iso, QUALIFY, toSchedule } from './parityFixtures';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

const pieceRow = z.object({ date: z.string(), startMs: z.coerce.number(), endMs: z.coerce.number() });

describe('day start: PostgreSQL holds the reference model', () => {
  it('starts a date where startOfDay does, and names the date of an instant as dateAt does', async () => {
    const stored = await storedZoneSpeller(db.pool);
    const caseArb = zonedInstantArb
      .filter(({ zone }) => agreed(zone))
      .chain(({ zone, ms }) => fc.record({ zone: fc.constant(zone), ms: fc.constant(ms), minutes: dayStartMinutesArb, changes: dayStartChangesNear(localDateOf(ms, zone)) }));
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb, { minLength: 1, maxLength: 30 }), async (cases) => {
        const rows = await db.pool.any(sql.type(z.object({ n: z.number(), startMs: z.coerce.number(), date: z.string() }))`
          select c.n, floor(extract(epoch from local_day_start(c.d, c.tz, c.minutes)) * 1000)::bigint as "startMs",
                 to_char(user_date_at(c.t, c.tz, c.from_dates::date[], c.from_minutes::int[]), 'YYYY-MM-DD') as date
          from ${sql.unnest(
            cases.map((c, n) => {
              const schedule = toSchedule(c.changes);
              return [n, localDateOf(c.ms, c.zone), stored(c.zone), c.minutes, iso(c.ms), schedule && `{${schedule.from.join(',')}}`, schedule && `{${schedule.minutes.join(',')}}`];
            }),
            // The schedule as array literals: unnest would flatten arrays of arrays.
            ['int4', 'date', 'text', 'int4', 'timestamptz', 'text', 'text'],
          )} as c(n, d, tz, minutes, t, from_dates, from_minutes)
          order by c.n`);
        for (const [n, c] of cases.entries()) {
          const date = localDateOf(c.ms, c.zone);
          expect({ c, row: rows[n] }).toEqual({
            c,
            row: { n, startMs: startOfDay(date, c.zone, [{ effectiveFrom: date, minutes: c.minutes }]), date: dateAt(c.ms, c.zone, c.changes) },
          });
        }
      }),
      { numRuns: usesEmbeddedDatabase ? 20 : 80 },
    );
  });

  it('cuts a session at the starts of the user’s dates as splitSession does, to the millisecond', async () => {
    const stored = await storedZoneSpeller(db.pool);
    const caseArb = sessionArb
      .filter((s) => s.endMs > s.startMs && agreed(s.timeZone))
      .chain((session) => fc.record({ session: fc.constant(session), changes: dayStartChangesNear(localDateOf(session.startMs, session.timeZone)) }));
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb, { minLength: 1, maxLength: 30 }), async (cases) => {
        const rows = await db.pool.any(sql.type(pieceRow.extend({ n: z.number() }))`
          select s.n, to_char(p.local_date, 'YYYY-MM-DD') as date, floor(extract(epoch from p.piece_start) * 1000)::bigint as "startMs", floor(extract(epoch from p.piece_end) * 1000)::bigint as "endMs"
          from ${sql.unnest(
            cases.map(({ session, changes }, n) => {
              const schedule = toSchedule(changes);
              return [n, iso(session.startMs), iso(session.endMs), stored(session.timeZone), schedule && `{${schedule.from.join(',')}}`, schedule && `{${schedule.minutes.join(',')}}`];
            }),
            ['int4', 'timestamptz', 'timestamptz', 'text', 'text', 'text'],
          )} as s(n, start_time, end_time, timezone, from_dates, from_minutes)
          cross join lateral session_pieces(s.start_time, s.end_time, s.timezone, s.from_dates::date[], s.from_minutes::int[]) p
          order by s.n, p.piece_start`);
        for (const [n, { session, changes }] of cases.entries()) {
          const expected = splitSession(session, changes).map((p) => ({ date: p.date, startMs: p.startMs, endMs: p.endMs }));
          expect({ session, changes, pieces: rows.filter((r) => r.n === n).map(({ n: _n, ...piece }) => piece) }).toEqual({ session, changes, pieces: expected });
        }
      }),
      { numRuns: usesEmbeddedDatabase ? 20 : 80 },
    );
  });

  it('keeps a date’s first instant on that date and the instant before on the date before (worked: New York at 04:00 across both DST nights)', async () => {
    const rows = await db.pool.any(sql.type(z.object({ d: z.string(), start: z.string(), before: z.string(), at: z.string() }))`
      select to_char(d, 'YYYY-MM-DD') as d, to_char(s at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') as start,
             to_char(user_date_at(s - interval '1 microsecond', 'America/New_York', '{2024-01-01}', '{240}'), 'YYYY-MM-DD') as before,
             to_char(user_date_at(s, 'America/New_York', '{2024-01-01}', '{240}'), 'YYYY-MM-DD') as at
      from unnest('{2024-03-10,2024-03-11,2024-11-03,2024-11-04}'::date[]) d, local_day_start(d, 'America/New_York', 240) s
      order by d`);
    expect(rows).toEqual([
      // 04:00 comes after both changes (02:00): 2024-03-09 lasts 23 h, 2024-11-02 lasts 25 h.
      { d: '2024-03-10', start: '2024-03-10T08:00Z', before: '2024-03-09', at: '2024-03-10' },
      { d: '2024-03-11', start: '2024-03-11T08:00Z', before: '2024-03-10', at: '2024-03-11' },
      { d: '2024-11-03', start: '2024-11-03T09:00Z', before: '2024-11-02', at: '2024-11-03' },
      { d: '2024-11-04', start: '2024-11-04T09:00Z', before: '2024-11-03', at: '2024-11-04' },
    ]);
  });
});

const focusRow = z.object({ date: z.string(), seconds: z.number() });

describe('day start through the engine: an operator moves a fall-back night’s boundaries, and a revoke moves them back', () => {
  it('re-splits every session from the change date on, leaves the dates before it, and the event carries the setting', async () => {
    const userId = 'day-start-worked';
    const rules = { qualifySeconds: QUALIFY, freezeCap: 2 };
    const sessions = [
      // 23:00 EDT to 00:30 EDT: across midnight into the fall-back date.
      { id: 'late', start: '2024-11-03T03:00:00Z', end: '2024-11-03T04:30:00Z' },
      // 03:00 to 05:00 EST: across 04:00 on the fall-back date.
      { id: 'dawn', start: '2024-11-03T08:00:00Z', end: '2024-11-03T10:00:00Z' },
      // 02:00 to 03:00 EST the next night: before that date's 04:00.
      { id: 'night', start: '2024-11-04T07:00:00Z', end: '2024-11-04T08:00:00Z' },
    ];
    for (const s of sessions) {
      await acceptSession(db.pool, { userId, sessionId: s.id, session: { startMs: Date.parse(s.start), endMs: Date.parse(s.end), timeZone: 'America/New_York' }, source: 'callable' }, rules);
    }
    const focus = () =>
      db.pool.any(sql.type(focusRow)`
        select to_char(local_date, 'YYYY-MM-DD') as date, focus_seconds as seconds from daily_focus where user_id = ${userId} order by local_date`);
    const midnight = [
      { date: '2024-11-02', seconds: 3600 },
      { date: '2024-11-03', seconds: 1800 + 7200 },
      { date: '2024-11-04', seconds: 3600 },
    ];
    expect(await focus()).toEqual(midnight);

    const set = await applyAdjustment(db.pool, { id: 'worked-04', kind: 'day-start', userId, minutes: 240, effectiveFrom: '2024-11-03', reason: 'worked case', actor: 'test' }, rules);
    expect(set).toMatchObject({
      status: 'applied',
      effectiveFrom: '2024-11-03',
      before: { currentStreak: 3, dayStartMinutes: 0 },
      // 2024-11-02 keeps its midnight start and runs to 04:00 EST; 2024-11-05 begins at 04:00 EST (09:00Z).
      after: { currentStreak: 2, lastQualifiedDate: '2024-11-03', dayStartMinutes: 240, streakExpiresAt: '2024-11-05T09:00:00.000Z' },
    });
    expect(await focus()).toEqual([
      { date: '2024-11-02', seconds: 5400 + 3600 },
      { date: '2024-11-03', seconds: 3600 + 3600 },
    ]);

    expect(await applyAdjustment(db.pool, { id: 'worked-04-again', kind: 'day-start', userId, minutes: 240, effectiveFrom: '2024-11-04', reason: 'worked case', actor: 'test' }, rules)).toMatchObject({
      status: 'already_set',
      existingId: 'worked-04',
    });
    const back = await applyAdjustment(db.pool, { id: 'worked-undo', kind: 'revoke', userId, revokes: 'worked-04', reason: 'worked case', actor: 'test' }, rules);
    expect(back).toMatchObject({ status: 'applied', after: { currentStreak: 3, dayStartMinutes: 0 } });
    expect(await focus()).toEqual(midnight);
  });
});
