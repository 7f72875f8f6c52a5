import fc from 'fast-check';
import {
  DEFAULT_QUALIFY_MINUTES,
  type SessionTimes,
  addDays,
  creditByDate,
  qualifies,
  splitSession,
  startOfDay,
  unionSeconds,
  utcMidnightOf,
} from '../../src/domain';
import { at, historyArb, sessionArb } from '../support/arbitraries';
import { arrivalWithChangesArb } from './dayStartArbitraries';

const HOUR_MS = 3_600_000;

describe('unionSeconds', () => {
  it('counts overlapping intervals once', () => {
    expect(unionSeconds([{ startMs: 0, endMs: 60_000 }, { startMs: 30_000, endMs: 90_000 }])).toBe(90);
  });

  it('adds disjoint intervals and ignores empty ones', () => {
    expect(unionSeconds([{ startMs: 0, endMs: 1000 }, { startMs: 5000, endMs: 7000 }, { startMs: 9000, endMs: 9000 }])).toBe(3);
  });

  it('counts an interval nested in another once', () => {
    expect(unionSeconds([{ startMs: 0, endMs: 10_000 }, { startMs: 2000, endMs: 3000 }])).toBe(10);
  });

  it('floors the union, not each interval', () => {
    expect(unionSeconds([{ startMs: 0, endMs: 1500 }, { startMs: 2000, endMs: 2500 }])).toBe(2);
    expect(unionSeconds([{ startMs: 0, endMs: 999 }])).toBe(0);
  });

  it('treats touching intervals as one stretch', () => {
    expect(unionSeconds([{ startMs: 0, endMs: 500 }, { startMs: 500, endMs: 1000 }])).toBe(1);
  });

  it('equals a millisecond-by-millisecond count (property)', () => {
    const interval = fc.tuple(fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 0, max: 1500 }));
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 8 }), (pairs) => {
        const intervals = pairs.map(([startMs, length]) => ({ startMs, endMs: startMs + length }));
        const covered = new Set<number>();
        for (const { startMs, endMs } of intervals) for (let t = startMs; t < endMs; t++) covered.add(t);
        expect(unionSeconds(intervals)).toBe(Math.floor(covered.size / 1000));
      }),
      { numRuns: 200 },
    );
  });
});

describe('qualifies', () => {
  const threshold = DEFAULT_QUALIFY_MINUTES * 60;

  it('qualifies a date with exactly 30:00 of credit', () => {
    expect(qualifies(1800, threshold)).toBe(true);
  });

  it('does not qualify a date with 29:59 of credit', () => {
    expect(qualifies(1799, threshold)).toBe(false);
  });
});

describe('creditByDate', () => {
  const paris = (start: string, end: string) => ({ startMs: at(start), endMs: at(end), timeZone: 'Europe/Paris' });

  it('merges overlapping sessions from two devices instead of adding them', () => {
    const phone = paris('2025-06-10T09:00:00+02:00', '2025-06-10T09:20:00+02:00');
    const tablet = paris('2025-06-10T09:10:00+02:00', '2025-06-10T09:25:00+02:00');
    expect(creditByDate([phone, tablet])).toEqual(new Map([['2025-06-10', 25 * 60]]));
  });

  it('adds separate sessions of one date: 20 + 10 minutes make a qualifying 30:00', () => {
    const credits = creditByDate([
      paris('2025-06-10T09:00:00+02:00', '2025-06-10T09:20:00+02:00'),
      paris('2025-06-10T18:00:00+02:00', '2025-06-10T18:10:00+02:00'),
    ]);
    expect(credits.get('2025-06-10')).toBe(1800);
    expect(qualifies(credits.get('2025-06-10') ?? 0, 1800)).toBe(true);
  });

  it('leaves a date with 29:59 short of qualifying', () => {
    const credits = creditByDate([paris('2025-06-10T09:00:00+02:00', '2025-06-10T09:29:59+02:00')]);
    expect(credits.get('2025-06-10')).toBe(1799);
  });

  it('attributes each session by its own zone, then merges per date', () => {
    // 23:40–00:20 in Paris is 20 min on each date; the same instants in New York are afternoon of the 10th.
    const inParis = paris('2025-06-10T23:40:00+02:00', '2025-06-11T00:20:00+02:00');
    const inNewYork = { ...inParis, timeZone: 'America/New_York' };
    expect(creditByDate([inParis, inNewYork])).toEqual(
      new Map([
        ['2025-06-10', 40 * 60],
        ['2025-06-11', 20 * 60],
      ]),
    );
  });

  it('splits a multi-day session into the credit of each date', () => {
    const credits = creditByDate([paris('2025-03-29T12:00:00+01:00', '2025-03-30T12:00:00+02:00')]);
    expect(credits).toEqual(new Map([['2025-03-29', 12 * 3600], ['2025-03-30', 11 * 3600]]));
  });

  it('computes only the requested dates', () => {
    const credits = creditByDate([paris('2025-03-29T12:00:00+01:00', '2025-03-30T12:00:00+02:00')], new Set(['2025-03-30']));
    expect(credits).toEqual(new Map([['2025-03-30', 11 * 3600]]));
  });

  it('credits both New York 01:30–01:50 of 2026-11-01 to 10-31 under a 04:00 day start, to 11-01 under midnight', () => {
    const ny = (start: string, end: string) => ({ startMs: at(start), endMs: at(end), timeZone: 'America/New_York' });
    const sessions = [ny('2026-11-01T01:30:00-04:00', '2026-11-01T01:50:00-04:00'), ny('2026-11-01T01:30:00-05:00', '2026-11-01T01:50:00-05:00')];
    expect(creditByDate(sessions, undefined, [{ effectiveFrom: '2026-01-01', minutes: 240 }])).toEqual(new Map([['2026-10-31', 2400]]));
    expect(creditByDate(sessions)).toEqual(new Map([['2026-11-01', 2400]]));
  });

  it('moves credit with a change of day start: 0 → 240 on 2026-06-10 keeps its 23:40–00:20 and 03:50–04:00 on 06-09', () => {
    const utc = (start: string, end: string) => ({ startMs: at(start), endMs: at(end), timeZone: 'UTC' });
    const sessions = [utc('2026-06-09T23:40:00Z', '2026-06-10T00:20:00Z'), utc('2026-06-10T03:50:00Z', '2026-06-10T04:10:00Z')];
    expect(creditByDate(sessions, undefined, [{ effectiveFrom: '2026-06-10', minutes: 240 }])).toEqual(new Map([['2026-06-09', 3000], ['2026-06-10', 600]]));
    expect(creditByDate(sessions, new Set(['2026-06-10']), [{ effectiveFrom: '2026-06-10', minutes: 240 }])).toEqual(new Map([['2026-06-10', 600]]));
  });

  it('conserves the union of seconds under any day starts: per zone exactly, across zones at least once (property)', () => {
    // Whole seconds, so no date's flooring loses a fraction: every date start since 2000 is a whole second too.
    const whole = (s: SessionTimes): SessionTimes => {
      const startMs = Math.floor(s.startMs / 1000) * 1000;
      return { ...s, startMs, endMs: Math.max(startMs + 1000, Math.ceil(s.endMs / 1000) * 1000) };
    };
    const total = (credits: Map<string, number>) => [...credits.values()].reduce((sum, seconds) => sum + seconds, 0);
    fc.assert(
      fc.property(arrivalWithChangesArb, ({ sessions, changes }) => {
        const aligned = sessions.map(whole);
        let perZone = 0;
        for (const zone of new Set(aligned.map((s) => s.timeZone))) {
          const fromZone = aligned.filter((s) => s.timeZone === zone);
          expect(total(creditByDate(fromZone, undefined, changes))).toBe(unionSeconds(fromZone));
          perZone += unionSeconds(fromZone);
        }
        const all = total(creditByDate(aligned, undefined, changes));
        expect(all).toBeGreaterThanOrEqual(unionSeconds(aligned));
        expect(all).toBeLessThanOrEqual(perZone);
      }),
      { numRuns: 200 },
    );
  });

  it('credits no date beyond its length between two day starts (property)', () => {
    fc.assert(
      fc.property(arrivalWithChangesArb, ({ sessions, changes }) => {
        for (const zone of new Set(sessions.map((s) => s.timeZone))) {
          for (const [date, seconds] of creditByDate(sessions.filter((s) => s.timeZone === zone), undefined, changes)) {
            expect(seconds * 1000).toBeLessThanOrEqual(startOfDay(addDays(date, 1), zone, changes) - startOfDay(date, zone, changes));
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('credits no date beyond the length of that local day (property)', () => {
    fc.assert(
      fc.property(fc.array(sessionArb, { minLength: 1, maxLength: 6 }), (sessions) => {
        for (const [date, seconds] of creditByDate(sessions)) {
          let everyZoneDayMs = 0;
          for (const zone of new Set(sessions.map((s) => s.timeZone))) {
            // Every instant of a date in any zone lies within 14 h before and 12 h after its UTC midnights.
            const wholeDay = splitSession({ startMs: utcMidnightOf(date) - 16 * HOUR_MS, endMs: utcMidnightOf(addDays(date, 1)) + 16 * HOUR_MS, timeZone: zone })
              .filter((piece) => piece.date === date)
              .reduce((sum, piece) => sum + piece.endMs - piece.startMs, 0);
            const fromZone = sessions.filter((s) => s.timeZone === zone);
            const zoneCredit = creditByDate(fromZone, new Set([date])).get(date) ?? 0;
            expect(zoneCredit * 1000).toBeLessThanOrEqual(wholeDay);
            everyZoneDayMs += wholeDay;
          }
          // Across zones a date is the union of several local days, so only their sum bounds it.
          expect(seconds * 1000).toBeLessThanOrEqual(everyZoneDayMs);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('does not depend on the order sessions arrive in or on duplicates (property)', () => {
    fc.assert(
      fc.property(historyArb, fc.array(fc.nat()), (sessions, keys) => {
        const shuffled = sessions
          .map((s, i) => ({ s, key: keys[i % Math.max(1, keys.length)] ?? 0 }))
          .sort((a, b) => a.key - b.key)
          .map(({ s }) => s);
        expect(creditByDate([...shuffled, ...sessions.slice(0, 3)])).toEqual(creditByDate(sessions));
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(arrivalWithChangesArb, ({ sessions, order, changes }) => {
        expect(creditByDate([...order, ...order.slice(0, 3)], undefined, changes)).toEqual(creditByDate(sessions, undefined, changes));
      }),
      { numRuns: 200 },
    );
  });
});
