import fc from 'fast-check';
import { type Piece, localDateOf, splitSession, startOfLocalDate } from '../../src/domain';
import { at, iso, sessionArb } from '../support/arbitraries';

const HOUR_MS = 3_600_000;
const split = (start: string, end: string, timeZone: string): [string, string, string][] =>
  splitSession({ startMs: at(start), endMs: at(end), timeZone }).map((piece) => [piece.date, iso(piece.startMs), iso(piece.endMs)]);
const hoursPerDate = (start: string, end: string, timeZone: string): Record<string, number> =>
  Object.fromEntries(splitSession({ startMs: at(start), endMs: at(end), timeZone }).map((p) => [p.date, (p.endMs - p.startMs) / HOUR_MS]));

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

  it('returns to yesterday where the clock fell back across midnight (America/St_Johns 2000-10-29)', () => {
    // 00:01 NDT became 23:01 NST: one minute of the 29th, then 59 more minutes of the 28th.
    expect(split('2000-10-29T02:00:00Z', '2000-10-29T04:00:00Z', 'America/St_Johns')).toEqual([
      ['2000-10-28', '2000-10-29T02:00:00.000Z', '2000-10-29T02:30:00.000Z'],
      ['2000-10-29', '2000-10-29T02:30:00.000Z', '2000-10-29T02:31:00.000Z'],
      ['2000-10-28', '2000-10-29T02:31:00.000Z', '2000-10-29T03:30:00.000Z'],
      ['2000-10-29', '2000-10-29T03:30:00.000Z', '2000-10-29T04:00:00.000Z'],
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

  describe('properties over random sessions and tricky zones', () => {
    const check = (property: (pieces: Piece[], s: { startMs: number; endMs: number; timeZone: string }) => void): void =>
      fc.assert(
        fc.property(sessionArb, (s) => property(splitSession(s), s)),
        { numRuns: 400 },
      );

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

    it('never lets a piece cross a local midnight, and cuts only where the date changes', () => {
      check((pieces, s) => {
        pieces.forEach((piece, i) => {
          expect(localDateOf(piece.startMs, s.timeZone)).toBe(piece.date);
          expect(localDateOf(piece.endMs - 1, s.timeZone)).toBe(piece.date);
          if (i < pieces.length - 1) expect(localDateOf(piece.endMs, s.timeZone)).not.toBe(piece.date);
        });
      });
    });

    it('starts each new date at startOfLocalDate', () => {
      check((pieces, s) => {
        let latest = '';
        pieces.forEach((piece, i) => {
          if (i > 0 && piece.date > latest) {
            const first = startOfLocalDate(piece.date, s.timeZone);
            // Only a clock that fell back across midnight can show a date before the session and yesterday at its start.
            if (first < s.startMs) expect(localDateOf(s.startMs, s.timeZone) < piece.date).toBe(true);
            else expect(piece.startMs).toBe(first);
          }
          if (piece.date > latest) latest = piece.date;
        });
      });
    });

    it('agrees with a brute-force scan of the wall clock', () => {
      check((pieces, s) => {
        // Sample about a hundred instants; each must fall in the piece of the date its clock shows.
        const step = Math.max(1, Math.floor((s.endMs - s.startMs) / 97));
        for (let t = s.startMs; t < s.endMs; t += step) {
          const owner = pieces.find((p) => p.startMs <= t && t < p.endMs);
          if (owner?.date !== localDateOf(t, s.timeZone)) expect([iso(t), owner?.date]).toEqual([iso(t), localDateOf(t, s.timeZone)]);
        }
      });
    });
  });
});
