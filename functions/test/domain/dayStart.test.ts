import fc from 'fast-check';
import {
  type DayStartChange,
  type LocalDate,
  addDays,
  dateAt,
  dayStartMinutesOn,
  isDayStartMinutes,
  splitSession,
  splitSessionByDayStart,
  startOfDay,
  startOfLocalDate,
} from '../../src/domain';
import { sessionArb, zonedInstantArb, zoneArb } from '../support/arbitraries';

const at = (iso: string) => Date.parse(iso);
const from = (minutes: number, effectiveFrom = '2000-01-01'): DayStartChange[] => [{ effectiveFrom, minutes }];
const NY = 'America/New_York';
const LORD_HOWE = 'Australia/Lord_Howe';

describe('day start: worked cases', () => {
  it('takes the minutes of the latest change effective by the date, midnight before any', () => {
    const changes = [{ effectiveFrom: '2026-06-10', minutes: 240 }, { effectiveFrom: '2026-06-20', minutes: 0 }, { effectiveFrom: '2026-06-15', minutes: 60 }];
    expect(['2026-06-09', '2026-06-10', '2026-06-14', '2026-06-15', '2026-06-19', '2026-06-20'].map((d) => dayStartMinutesOn(changes, d))).toEqual([0, 240, 240, 60, 60, 0]);
    expect([0, 15, 720].every(isDayStartMinutes)).toBe(true);
    expect([-15, 7, 735, 1.5, '60'].some(isDayStartMinutes)).toBe(false);
  });

  it('starts at 04:00 across New York spring-forward night: the date before lasts 23 hours', () => {
    expect(startOfDay('2026-03-07', NY, from(240))).toBe(at('2026-03-07T04:00:00-05:00'));
    expect(startOfDay('2026-03-08', NY, from(240))).toBe(at('2026-03-08T04:00:00-04:00'));
    // 01:00 EST to 05:00 EDT: three real hours, two of them still on 03-07.
    expect(splitSessionByDayStart({ startMs: at('2026-03-08T01:00:00-05:00'), endMs: at('2026-03-08T05:00:00-04:00'), timeZone: NY }, from(240))).toEqual([
      { date: '2026-03-07', startMs: at('2026-03-08T01:00:00-05:00'), endMs: at('2026-03-08T04:00:00-04:00') },
      { date: '2026-03-08', startMs: at('2026-03-08T04:00:00-04:00'), endMs: at('2026-03-08T05:00:00-04:00') },
    ]);
  });

  it('moves a start that falls in the skipped hour to the end of the gap', () => {
    // 02:30 does not exist on 2026-03-08 in New York: the date starts at 03:00 EDT.
    expect(startOfDay('2026-03-08', NY, from(150))).toBe(at('2026-03-08T03:00:00-04:00'));
    expect(dateAt(at('2026-03-08T01:59:59.999-05:00'), NY, from(150))).toBe('2026-03-07');
  });

  it('starts at 04:00 across New York fall-back night: the date before lasts 25 hours', () => {
    expect(startOfDay('2026-10-31', NY, from(240))).toBe(at('2026-10-31T04:00:00-04:00'));
    expect(startOfDay('2026-11-01', NY, from(240))).toBe(at('2026-11-01T04:00:00-05:00'));
    expect(startOfDay('2026-11-01', NY, from(240)) - startOfDay('2026-10-31', NY, from(240))).toBe(25 * 3_600_000);
  });

  it('starts a date at the first occurrence of a repeated start, and never starts it twice', () => {
    // 01:30 happens twice on 2026-11-01 in New York: the date starts at the first, and the second 01:00-01:30 stays on it.
    expect(startOfDay('2026-11-01', NY, from(90))).toBe(at('2026-11-01T01:30:00-04:00'));
    expect(dateAt(at('2026-11-01T01:10:00-05:00'), NY, from(90))).toBe('2026-11-01');
    expect(splitSessionByDayStart({ startMs: at('2026-11-01T01:00:00-04:00'), endMs: at('2026-11-01T01:40:00-05:00'), timeZone: NY }, from(90))).toEqual([
      { date: '2026-10-31', startMs: at('2026-11-01T01:00:00-04:00'), endMs: at('2026-11-01T01:30:00-04:00') },
      { date: '2026-11-01', startMs: at('2026-11-01T01:30:00-04:00'), endMs: at('2026-11-01T01:40:00-05:00') },
    ]);
  });

  it("follows Lord Howe's half-hour shifts: a start in the skipped half hour, a start in the repeated one", () => {
    // 2026-10-04 02:00 +10:30 becomes 02:30 +11: a 02:15 start moves to 02:30.
    expect(startOfDay('2026-10-04', LORD_HOWE, from(135))).toBe(at('2026-10-04T02:30:00+11:00'));
    // 2026-04-05 02:00 +11 becomes 01:30 +10:30: a 01:45 start is the first 01:45, and the repeat stays on 04-05.
    expect(startOfDay('2026-04-05', LORD_HOWE, from(105))).toBe(at('2026-04-05T01:45:00+11:00'));
    expect(dateAt(at('2026-04-05T01:40:00+10:30'), LORD_HOWE, from(105))).toBe('2026-04-05');
  });

  it('keeps a date begun when a clock falls back across midnight (Goose Bay 2000): no second rollover', () => {
    // 2000-10-29 00:01 ADT became 2000-10-28 23:01 AST: the wall clock reads the 28th again, the date stays the 29th.
    const session = { startMs: at('2000-10-29T03:01:00Z'), endMs: at('2000-10-29T03:26:00Z'), timeZone: 'America/Goose_Bay' };
    expect(splitSession(session).map((p) => p.date)).toEqual(['2000-10-28']);
    expect(splitSessionByDayStart(session, []).map((p) => p.date)).toEqual(['2000-10-29']);
  });

  it('makes the change day longer or shorter, never split or doubled, with sessions on both sides of both boundaries', () => {
    const changes = [{ effectiveFrom: '2026-06-10', minutes: 240 }, { effectiveFrom: '2026-06-20', minutes: 0 }];
    const split = (start: string, end: string) => splitSessionByDayStart({ startMs: at(start), endMs: at(end), timeZone: 'UTC' }, changes).map((p) => [p.date, new Date(p.startMs).toISOString(), new Date(p.endMs).toISOString()]);
    // 06-09 starts at midnight and ends when 06-10 starts at 04:00: 28 hours.
    expect(startOfDay('2026-06-10', 'UTC', changes) - startOfDay('2026-06-09', 'UTC', changes)).toBe(28 * 3_600_000);
    expect(split('2026-06-09T23:00:00Z', '2026-06-10T01:00:00Z')).toEqual([['2026-06-09', '2026-06-09T23:00:00.000Z', '2026-06-10T01:00:00.000Z']]);
    expect(split('2026-06-10T03:00:00Z', '2026-06-10T05:00:00Z')).toEqual([
      ['2026-06-09', '2026-06-10T03:00:00.000Z', '2026-06-10T04:00:00.000Z'],
      ['2026-06-10', '2026-06-10T04:00:00.000Z', '2026-06-10T05:00:00.000Z'],
    ]);
    // Back to midnight on 06-20: 06-19 runs from 04:00 to midnight, 20 hours.
    expect(startOfDay('2026-06-20', 'UTC', changes) - startOfDay('2026-06-19', 'UTC', changes)).toBe(20 * 3_600_000);
    expect(split('2026-06-19T03:00:00Z', '2026-06-20T01:00:00Z')).toEqual([
      ['2026-06-18', '2026-06-19T03:00:00.000Z', '2026-06-19T04:00:00.000Z'],
      ['2026-06-19', '2026-06-19T04:00:00.000Z', '2026-06-20T00:00:00.000Z'],
      ['2026-06-20', '2026-06-20T00:00:00.000Z', '2026-06-20T01:00:00.000Z'],
    ]);
  });
});

const minutesArb = fc.integer({ min: 0, max: 48 }).map((n) => n * 15);
/** Random schedules around the instants the arbitraries draw (2000–2036), changes in any order. */
const changesArb = fc.array(fc.record({ effectiveFrom: fc.integer({ min: 0, max: 13_200 }).map((n) => addDays('2000-01-01', n)), minutes: minutesArb }), { maxLength: 4 });

describe('day start: properties', () => {
  it('starts dates in order, each instant on the latest date started by then, and every date positive', () => {
    fc.assert(
      fc.property(zonedInstantArb, changesArb, ({ zone, ms }, changes) => {
        const date = dateAt(ms, zone, changes);
        expect(startOfDay(date, zone, changes)).toBeLessThanOrEqual(ms);
        expect(startOfDay(addDays(date, 1), zone, changes)).toBeGreaterThan(ms);
        expect(dateAt(ms + 1, zone, changes) >= date).toBe(true);
        const start = startOfDay(date, zone, changes);
        expect(dateAt(start, zone, changes)).toBe(date);
        expect(dateAt(start - 1, zone, changes) < date).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('cuts a session into one piece per date, in order, covering it exactly', () => {
    fc.assert(
      fc.property(sessionArb.filter((s) => s.endMs > s.startMs), changesArb, (session, changes) => {
        const pieces = splitSessionByDayStart(session, changes);
        expect(pieces[0]?.startMs).toBe(session.startMs);
        expect(pieces[pieces.length - 1]?.endMs).toBe(session.endMs);
        for (const [i, piece] of pieces.entries()) {
          expect(piece.endMs).toBeGreaterThan(piece.startMs);
          expect(dateAt(piece.startMs, session.timeZone, changes)).toBe(piece.date);
          expect(dateAt(piece.endMs - 1, session.timeZone, changes)).toBe(piece.date);
          if (i > 0) {
            expect(piece.startMs).toBe(pieces[i - 1]!.endMs);
            expect(piece.date > pieces[i - 1]!.date).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('is the midnight rule with no change: the same day starts, and splitSession wherever it gives a date one piece', () => {
    fc.assert(
      fc.property(sessionArb.filter((s) => s.endMs > s.startMs), (session) => {
        const midnight = splitSession(session);
        const dates = midnight.map((p) => p.date);
        for (const date of dates) expect(startOfDay(date, session.timeZone, [])).toBe(startOfLocalDate(date, session.timeZone));
        // Where a clock falls back across midnight, splitSession gives instants after the next date began back to
        // the earlier date (its wall clock reads it again); here a date never starts twice (the case below).
        fc.pre(midnight.every((p) => startOfLocalDate(addDays(p.date, 1), session.timeZone) > p.startMs));
        expect(splitSessionByDayStart(session, [])).toEqual(midnight);
      }),
      { numRuns: 500 },
    );
  });

  it('moves only the dates from a change on: the dates before keep their starts', () => {
    fc.assert(
      fc.property(zoneArb, fc.integer({ min: 0, max: 13_000 }), fc.integer({ min: 1, max: 60 }), minutesArb, (zone, day, ahead, minutes) => {
        const change = addDays('2000-01-01', day + ahead) as LocalDate;
        const earlier = addDays(change, -ahead);
        expect(startOfDay(earlier, zone, [{ effectiveFrom: change, minutes }])).toBe(startOfDay(earlier, zone, []));
        expect(startOfDay(addDays(change, -1), zone, [{ effectiveFrom: change, minutes }])).toBe(startOfDay(addDays(change, -1), zone, []));
      }),
    );
  });
});
