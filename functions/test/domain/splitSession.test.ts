import fc from 'fast-check';
import {
  type DayStartChange,
  type Piece,
  type SessionTimes,
  addDays,
  dateAt,
  dayStartMinutesOn,
  localDateOf,
  offsetMsAt,
  splitSession,
  startOfDay,
  startOfLocalDate,
  utcMidnightOf,
} from '../../src/domain';
import { at, iso, sessionArb } from '../support/arbitraries';
import { sessionWithChangesArb } from './dayStartArbitraries';

const HOUR_MS = 3_600_000;
const split = (start: string, end: string, timeZone: string, changes: DayStartChange[] = []): [string, string, string][] =>
  splitSession({ startMs: at(start), endMs: at(end), timeZone }, changes).map((piece) => [piece.date, iso(piece.startMs), iso(piece.endMs)]);
const hoursPerDate = (start: string, end: string, timeZone: string): Record<string, number> =>
  Object.fromEntries(splitSession({ startMs: at(start), endMs: at(end), timeZone }).map((p) => [p.date, (p.endMs - p.startMs) / HOUR_MS]));
const secondsPerDate = (start: string, end: string, timeZone: string, changes: DayStartChange[]): Record<string, number> =>
  Object.fromEntries(splitSession({ startMs: at(start), endMs: at(end), timeZone }, changes).map((p) => [p.date, (p.endMs - p.startMs) / 1000]));
const from = (minutes: number, effectiveFrom = '2000-01-01'): DayStartChange[] => [{ effectiveFrom, minutes }];

describe('splitSession', () => {
  it('keeps a session inside one local date whole', () => {
    expect(split('2025-06-10T09:00:00+02:00', '2025-06-10T10:30:00+02:00', 'Europe/Paris')).toEqual([
      ['2025-06-10', '2025-06-10T07:00:00.000Z', '2025-06-10T08:30:00.000Z'],
    ]);
  });

  it('cuts at local midnight of the session zone, not UTC midnight', () => {
    expect(split('2025-06-10T23:30:00+02:00', '2025-06-11T00:45:00+02:00', 'Europe/Paris')).toEqual([
      ['2025-06-10', '2025-06-10T21:30:00.000Z', '2025-06-10T22:00:00.000Z'],
      ['2025-06-11', '2025-06-10T22:00:00.000Z', '2025-06-10T22:45:00.000Z'],
    ]);
  });

  it('gives nothing for an empty session', () => {
    expect(split('2025-06-10T09:00:00Z', '2025-06-10T09:00:00Z', 'UTC')).toEqual([]);
  });

  it('credits a whole New York spring-forward day (2025-03-09) with 23 hours', () => {
    expect(hoursPerDate('2025-03-09T00:00:00-05:00', '2025-03-10T00:00:00-04:00', 'America/New_York')).toEqual({ '2025-03-09': 23 });
  });

  it('splits a New York session across the 2025 spring-forward night by wall-clock date', () => {
    // 23:00 EST on the 8th to 04:00 EDT on the 9th: 1 h before midnight, 3 real hours after it.
    expect(hoursPerDate('2025-03-08T23:00:00-05:00', '2025-03-09T04:00:00-04:00', 'America/New_York')).toEqual({
      '2025-03-08': 1,
      '2025-03-09': 3,
    });
  });

  it('credits a whole New York fall-back day (2025-11-02) with 25 hours, split over two 24 h sessions', () => {
    expect(hoursPerDate('2025-11-01T12:00:00-04:00', '2025-11-02T11:00:00-05:00', 'America/New_York')).toEqual({
      '2025-11-01': 12,
      '2025-11-02': 12,
    });
  });

  it('keeps the repeated hour of New York 2026-11-01 on that date', () => {
    expect(hoursPerDate('2026-11-01T00:30:00-04:00', '2026-11-01T01:30:00-05:00', 'America/New_York')).toEqual({ '2026-11-01': 2 });
  });

  it('splits Paris sessions across the 2025 and 2026 changes by wall-clock date', () => {
    expect(hoursPerDate('2025-03-29T22:00:00+01:00', '2025-03-30T04:00:00+02:00', 'Europe/Paris')).toEqual({
      '2025-03-29': 2,
      '2025-03-30': 3,
    });
    expect(hoursPerDate('2025-10-25T22:00:00+02:00', '2025-10-26T04:00:00+01:00', 'Europe/Paris')).toEqual({
      '2025-10-25': 2,
      '2025-10-26': 5,
    });
    expect(hoursPerDate('2026-03-28T23:30:00+01:00', '2026-03-29T03:30:00+02:00', 'Europe/Paris')).toEqual({
      '2026-03-28': 0.5,
      '2026-03-29': 2.5,
    });
    expect(hoursPerDate('2026-10-24T23:30:00+02:00', '2026-10-25T02:30:00+01:00', 'Europe/Paris')).toEqual({
      '2026-10-24': 0.5,
      '2026-10-25': 3.5,
    });
  });

  it('follows Lord Howe’s 30-minute DST', () => {
    expect(hoursPerDate('2025-10-04T23:00:00+10:30', '2025-10-05T03:00:00+11:00', 'Australia/Lord_Howe')).toEqual({
      '2025-10-04': 1,
      '2025-10-05': 2.5,
    });
    expect(hoursPerDate('2025-04-05T12:00:00+11:00', '2025-04-06T12:00:00+10:30', 'Australia/Lord_Howe')).toEqual({
      '2025-04-05': 12,
      '2025-04-06': 12.5,
    });
  });

  it.each([
    ['Asia/Kathmandu', '2025-03-09T18:00:00Z', '2025-03-09T18:45:00Z', { '2025-03-09': 0.25, '2025-03-10': 0.5 }],
    ['Pacific/Kiritimati', '2025-01-01T09:00:00Z', '2025-01-01T11:00:00Z', { '2025-01-01': 1, '2025-01-02': 1 }],
    ['Pacific/Chatham', '2025-01-14T10:00:00Z', '2025-01-14T10:30:00Z', { '2025-01-14': 0.25, '2025-01-15': 0.25 }],
    ['America/St_Johns', '2025-01-15T03:00:00Z', '2025-01-15T04:00:00Z', { '2025-01-14': 0.5, '2025-01-15': 0.5 }],
  ])('cuts %s at its own odd-offset midnight', (zone, start, end, expected) => {
    expect(hoursPerDate(start, end, zone)).toEqual(expected);
  });

  it('starts America/Santiago 2025-09-07 at 01:00, since its midnight is skipped', () => {
    expect(split('2025-09-06T23:30:00-04:00', '2025-09-07T01:30:00-03:00', 'America/Santiago')).toEqual([
      ['2025-09-06', '2025-09-07T03:30:00.000Z', '2025-09-07T04:00:00.000Z'],
      ['2025-09-07', '2025-09-07T04:00:00.000Z', '2025-09-07T04:30:00.000Z'],
    ]);
  });

  it('keeps the repeated hour of America/Santiago 2025-04-05 (midnight becomes 23:00 again) on the 5th', () => {
    expect(hoursPerDate('2025-04-05T23:30:00-03:00', '2025-04-06T00:30:00-04:00', 'America/Santiago')).toEqual({
      '2025-04-05': 1.5,
      '2025-04-06': 0.5,
    });
  });

  it('starts America/Havana 2025-03-09 at 01:00 and repeats its midnight hour on 2025-11-02', () => {
    expect(hoursPerDate('2025-03-08T23:00:00-05:00', '2025-03-09T02:00:00-04:00', 'America/Havana')).toEqual({
      '2025-03-08': 1,
      '2025-03-09': 1,
    });
    expect(hoursPerDate('2025-11-01T23:00:00-04:00', '2025-11-02T00:30:00-05:00', 'America/Havana')).toEqual({
      '2025-11-01': 1,
      '2025-11-02': 1.5,
    });
  });

  it('starts Africa/Cairo 2025-04-25 at 01:00 and gives 2025-10-30 its extra hour before midnight', () => {
    expect(hoursPerDate('2025-04-24T23:00:00+02:00', '2025-04-25T02:00:00+03:00', 'Africa/Cairo')).toEqual({
      '2025-04-24': 1,
      '2025-04-25': 1,
    });
    expect(hoursPerDate('2025-10-30T22:00:00+03:00', '2025-10-31T01:00:00+02:00', 'Africa/Cairo')).toEqual({
      '2025-10-30': 3,
      '2025-10-31': 1,
    });
  });

  it('gives no piece to the date Pacific/Apia skipped (2011-12-30)', () => {
    expect(hoursPerDate('2011-12-29T23:00:00-10:00', '2011-12-31T01:00:00+14:00', 'Pacific/Apia')).toEqual({
      '2011-12-29': 1,
      '2011-12-31': 1,
    });
  });

  it('stays on the 29th once it began, though the clock fell back across midnight (America/St_Johns 2000-10-29)', () => {
    // 00:01 NDT became 23:01 NST: the wall clock shows the 28th again for 59 minutes, but the 29th began at 00:00 NDT.
    expect(split('2000-10-29T02:00:00Z', '2000-10-29T04:00:00Z', 'America/St_Johns')).toEqual([
      ['2000-10-28', '2000-10-29T02:00:00.000Z', '2000-10-29T02:30:00.000Z'],
      ['2000-10-29', '2000-10-29T02:30:00.000Z', '2000-10-29T04:00:00.000Z'],
    ]);
  });

  it('gives the Goose Bay 2000-10-29 repeat to the 29th: one piece per date', () => {
    // 00:01 ADT (03:01Z) became 23:01 AST: the 29th began at 00:00 ADT (03:00Z) and does not hand the repeat back.
    expect(split('2000-10-29T03:01:00Z', '2000-10-29T03:26:00Z', 'America/Goose_Bay')).toEqual([['2000-10-29', '2000-10-29T03:01:00.000Z', '2000-10-29T03:26:00.000Z']]);
    expect(split('2000-10-29T02:50:00Z', '2000-10-29T04:30:00Z', 'America/Goose_Bay')).toEqual([
      ['2000-10-28', '2000-10-29T02:50:00.000Z', '2000-10-29T03:00:00.000Z'],
      ['2000-10-29', '2000-10-29T03:00:00.000Z', '2000-10-29T04:30:00.000Z'],
    ]);
  });

  it('splits a multi-day session into every date it touches', () => {
    expect(hoursPerDate('2025-03-08T20:00:00-05:00', '2025-03-11T04:00:00-04:00', 'America/New_York')).toEqual({
      '2025-03-08': 4,
      '2025-03-09': 23,
      '2025-03-10': 24,
      '2025-03-11': 4,
    });
  });

  describe('properties over random sessions, tricky zones and day starts', () => {
    type Check = (pieces: Piece[], s: SessionTimes, changes: DayStartChange[]) => void;
    const check = (property: Check): void =>
      fc.assert(
        fc.property(sessionWithChangesArb, ({ session, changes }) => property(splitSession(session, changes), session, changes)),
        { numRuns: 300 },
      );
    // About `count` instants of the session, its first and last included.
    const samples = (s: SessionTimes, count: number): number[] => {
      const step = Math.max(1, Math.floor((s.endMs - s.startMs) / count));
      const instants: number[] = [];
      for (let t = s.startMs; t < s.endMs; t += step) instants.push(t);
      return s.endMs > s.startMs ? [...instants, s.endMs - 1] : [];
    };
    const owner = (pieces: Piece[], t: number) => pieces.find((p) => p.startMs <= t && t < p.endMs)?.date;

    it('covers the session exactly with contiguous, non-empty pieces in time order', () => {
      check((pieces, s) => {
        if (s.endMs === s.startMs) return expect(pieces).toEqual([]);
        expect(pieces[0]?.startMs).toBe(s.startMs);
        expect(pieces[pieces.length - 1]?.endMs).toBe(s.endMs);
        pieces.forEach((piece, i) => {
          expect(piece.endMs).toBeGreaterThan(piece.startMs);
          if (i > 0) expect(piece.startMs).toBe(pieces[i - 1]?.endMs);
        });
        expect(pieces.reduce((sum, p) => sum + (p.endMs - p.startMs), 0)).toBe(s.endMs - s.startMs);
      });
    });

    it('gives a date one piece at most, dates strictly increasing, each piece inside [startOfDay(d), startOfDay(d + 1))', () => {
      check((pieces, s, changes) => {
        pieces.forEach((piece, i) => {
          expect(piece.startMs).toBeGreaterThanOrEqual(startOfDay(piece.date, s.timeZone, changes));
          expect(piece.endMs).toBeLessThanOrEqual(startOfDay(addDays(piece.date, 1), s.timeZone, changes));
          if (i > 0) {
            expect(piece.date > (pieces[i - 1] as Piece).date).toBe(true);
            // Cut only where a date begins.
            expect(piece.startMs).toBe(startOfDay(piece.date, s.timeZone, changes));
          }
        });
      });
    });

    it('puts every instant on the date its wall clock shows less the day start, except where a clock fell back over a date start', () => {
      check((pieces, s, changes) => {
        for (const t of samples(s, 41)) {
          // Brute force from the wall clock alone: a date's start is midnight plus its minutes, on that clock.
          const wall = t + offsetMsAt(t, s.timeZone);
          const clockDate = localDateOf(t, s.timeZone);
          const shown = utcMidnightOf(clockDate) + dayStartMinutesOn(changes, clockDate) * 60_000 <= wall ? clockDate : addDays(clockDate, -1);
          // In the repeat, the next date began before the clock turned back: it keeps the instant.
          const repeat = startOfDay(addDays(shown, 1), s.timeZone, changes) <= t;
          const expected = repeat ? addDays(shown, 1) : shown;
          if (owner(pieces, t) !== expected) expect([iso(t), owner(pieces, t)]).toEqual([iso(t), expected]);
          expect(dateAt(t, s.timeZone, changes)).toBe(expected);
        }
      });
    });

    it('is the wall-clock midnight rule with no change, wherever the clock has not fallen back across midnight', () => {
      fc.assert(
        fc.property(sessionArb, (s) => {
          const pieces = splitSession(s);
          for (const t of samples(s, 97)) {
            const clockDate = localDateOf(t, s.timeZone);
            // Only a clock that fell back across midnight shows a date after the next one began (St. John's before 2011).
            const repeat = startOfLocalDate(addDays(clockDate, 1), s.timeZone) <= t;
            const expected = repeat ? addDays(clockDate, 1) : clockDate;
            if (owner(pieces, t) !== expected) expect([iso(t), owner(pieces, t)]).toEqual([iso(t), expected]);
          }
          pieces.slice(1).forEach((piece) => {
            expect(piece.startMs).toBe(startOfLocalDate(piece.date, s.timeZone));
            expect(localDateOf(piece.startMs, s.timeZone)).toBe(piece.date);
            expect(localDateOf(piece.startMs - 1, s.timeZone) < piece.date).toBe(true);
          });
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('splitSession at a day start', () => {
  const NY = 'America/New_York';
  const LORD_HOWE = 'Australia/Lord_Howe';

  it('cuts at 04:00 across New York spring-forward night (2026-03-08): the date before lasts 23 hours', () => {
    // 01:00 EST to 05:00 EDT: three real hours, two of them still on 03-07.
    expect(split('2026-03-08T01:00:00-05:00', '2026-03-08T05:00:00-04:00', NY, from(240))).toEqual([
      ['2026-03-07', '2026-03-08T06:00:00.000Z', '2026-03-08T08:00:00.000Z'],
      ['2026-03-08', '2026-03-08T08:00:00.000Z', '2026-03-08T09:00:00.000Z'],
    ]);
    expect(secondsPerDate('2026-03-08T00:30:00-05:00', '2026-03-08T04:30:00-04:00', NY, from(240))).toEqual({ '2026-03-07': 9000, '2026-03-08': 1800 });
    // 03-07 on the wall clock, midnight to midnight: its first four hours still belong to 03-06.
    expect(secondsPerDate('2026-03-07T00:00:00-05:00', '2026-03-08T00:00:00-05:00', NY, from(240))).toEqual({ '2026-03-06': 4 * 3600, '2026-03-07': 20 * 3600 });
  });

  it('cuts at 04:00 across New York fall-back night (2026-11-01): the date before lasts 25 hours', () => {
    // 23:00 EDT to 05:00 EST: seven real hours, six of them still on 10-31 (its 04:00 comes after the repeated hour).
    expect(split('2026-10-31T23:00:00-04:00', '2026-11-01T05:00:00-05:00', NY, from(240))).toEqual([
      ['2026-10-31', '2026-11-01T03:00:00.000Z', '2026-11-01T09:00:00.000Z'],
      ['2026-11-01', '2026-11-01T09:00:00.000Z', '2026-11-01T10:00:00.000Z'],
    ]);
    // A 24-hour session from 10-31's start fits in that date whole.
    expect(secondsPerDate('2026-10-31T04:00:00-04:00', '2026-11-01T03:00:00-05:00', NY, from(240))).toEqual({ '2026-10-31': 86_400 });
  });

  it('starts a date at the first of a repeated start and keeps the repeat on it (New York 01:30, 2026-11-01)', () => {
    expect(split('2026-11-01T01:00:00-04:00', '2026-11-01T01:40:00-05:00', NY, from(90))).toEqual([
      ['2026-10-31', '2026-11-01T05:00:00.000Z', '2026-11-01T05:30:00.000Z'],
      ['2026-11-01', '2026-11-01T05:30:00.000Z', '2026-11-01T06:40:00.000Z'],
    ]);
  });

  it("follows Lord Howe's 30-minute shifts: a start in the skipped half hour, a start in the repeated one", () => {
    // 2026-10-04 02:00 +10:30 became 02:30 +11: a 02:15 start moves to 02:30 +11 (15:30Z), so 01:45–02:45 is 15 + 15 minutes.
    expect(split('2026-10-04T01:45:00+10:30', '2026-10-04T02:45:00+11:00', LORD_HOWE, from(135))).toEqual([
      ['2026-10-03', '2026-10-03T15:15:00.000Z', '2026-10-03T15:30:00.000Z'],
      ['2026-10-04', '2026-10-03T15:30:00.000Z', '2026-10-03T15:45:00.000Z'],
    ]);
    // 2026-04-05 02:00 +11 became 01:30 +10:30: the date starts at the first 01:45 (14:45Z) and keeps the second 01:30–01:50.
    expect(secondsPerDate('2026-04-05T01:30:00+11:00', '2026-04-05T01:50:00+10:30', LORD_HOWE, from(105))).toEqual({ '2026-04-04': 900, '2026-04-05': 2100 });
    // Without a day start the midnight rule holds there: the whole 50 minutes are on 04-05.
    expect(secondsPerDate('2026-04-05T01:30:00+11:00', '2026-04-05T01:50:00+10:30', LORD_HOWE, [])).toEqual({ '2026-04-05': 3000 });
  });

  it('makes the change day longer or shorter, never split or doubled, with sessions on both sides of both boundaries', () => {
    const changes = [{ effectiveFrom: '2026-06-10', minutes: 240 }, { effectiveFrom: '2026-06-20', minutes: 0 }];
    // 06-09 starts at midnight and ends when 06-10 starts at 04:00: 28 hours.
    expect(split('2026-06-09T23:00:00Z', '2026-06-10T01:00:00Z', 'UTC', changes)).toEqual([['2026-06-09', '2026-06-09T23:00:00.000Z', '2026-06-10T01:00:00.000Z']]);
    expect(split('2026-06-10T03:00:00Z', '2026-06-10T05:00:00Z', 'UTC', changes)).toEqual([
      ['2026-06-09', '2026-06-10T03:00:00.000Z', '2026-06-10T04:00:00.000Z'],
      ['2026-06-10', '2026-06-10T04:00:00.000Z', '2026-06-10T05:00:00.000Z'],
    ]);
    // Back to midnight on 06-20: 06-19 runs from 04:00 to midnight, 20 hours.
    expect(split('2026-06-19T03:00:00Z', '2026-06-20T01:00:00Z', 'UTC', changes)).toEqual([
      ['2026-06-18', '2026-06-19T03:00:00.000Z', '2026-06-19T04:00:00.000Z'],
      ['2026-06-19', '2026-06-19T04:00:00.000Z', '2026-06-20T00:00:00.000Z'],
      ['2026-06-20', '2026-06-20T00:00:00.000Z', '2026-06-20T01:00:00.000Z'],
    ]);
  });
});
