import fc from 'fast-check';
import { addDays, daysBetween, isLocalDate, localDateOf, offsetMsAt, startOfLocalDate, utcMidnightOf } from '../../src/domain';
import { DAY_MS, FROM_MS, TO_MS, TRICKY_ZONES, at, zonedInstantArb } from '../support/arbitraries';

const HOUR_MS = 3_600_000;
const lengthOfDay = (date: string, zone: string): number =>
  (startOfLocalDate(addDays(date, 1), zone) - startOfLocalDate(date, zone)) / HOUR_MS;

describe('LocalDate arithmetic', () => {
  it('accepts real calendar dates only', () => {
    expect(isLocalDate('2025-03-09')).toBe(true);
    expect(isLocalDate('2024-02-29')).toBe(true);
    expect(isLocalDate('2025-02-29')).toBe(false);
    expect(isLocalDate('2100-02-29')).toBe(false);
    expect(isLocalDate('2000-02-29')).toBe(true);
    expect(isLocalDate('2025-13-01')).toBe(false);
    expect(isLocalDate('2025-00-10')).toBe(false);
    expect(isLocalDate('2025-3-9')).toBe(false);
    expect(isLocalDate('2025-03-09T00:00')).toBe(false);
    expect(isLocalDate(20250309)).toBe(false);
  });

  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-29', 1)).toBe('2024-03-01');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2025-03-09', 0)).toBe('2025-03-09');
    expect(addDays('0099-12-31', 1)).toBe('0100-01-01');
  });

  it('counts days between dates as b minus a', () => {
    expect(daysBetween('2025-03-01', '2025-03-09')).toBe(8);
    expect(daysBetween('2025-03-09', '2025-03-01')).toBe(-8);
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
  });

  it('throws on a malformed date rather than guessing', () => {
    expect(() => addDays('2025-02-30', 1)).toThrow(RangeError);
  });

  it('agrees with Date.UTC on the UTC midnight of every date (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -30_000, max: 30_000 }), fc.integer({ min: -400, max: 400 }), (epochDay, n) => {
        const date = new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
        expect(isLocalDate(date)).toBe(true);
        expect(utcMidnightOf(date)).toBe(epochDay * DAY_MS);
        expect(addDays(date, n)).toBe(new Date((epochDay + n) * DAY_MS).toISOString().slice(0, 10));
        expect(daysBetween(date, addDays(date, n))).toBe(n);
      }),
      { numRuns: 300 },
    );
  });
});

describe('localDateOf', () => {
  it.each([
    ['Asia/Kathmandu', '2025-03-09T18:14:59.999Z', '2025-03-09'],
    ['Asia/Kathmandu', '2025-03-09T18:15:00.000Z', '2025-03-10'],
    ['Pacific/Kiritimati', '2024-12-31T09:59:59.999Z', '2024-12-31'],
    ['Pacific/Kiritimati', '2024-12-31T10:00:00.000Z', '2025-01-01'],
    ['Pacific/Chatham', '2025-01-14T10:14:59.999Z', '2025-01-14'],
    ['Pacific/Chatham', '2025-01-14T10:15:00.000Z', '2025-01-15'],
    ['America/St_Johns', '2025-01-15T03:29:59.999Z', '2025-01-14'],
    ['America/St_Johns', '2025-01-15T03:30:00.000Z', '2025-01-15'],
    ['America/Santiago', '2025-09-07T03:59:59.999Z', '2025-09-06'],
    ['America/Santiago', '2025-09-07T04:00:00.000Z', '2025-09-07'],
    ['UTC', '2025-03-09T23:59:59.999Z', '2025-03-09'],
  ])('in %s, %s falls on %s', (zone, instant, date) => {
    expect(localDateOf(at(instant), zone)).toBe(date);
  });

  it('gives a repeated hour to the date the clock shows, even when the clock goes back to yesterday', () => {
    // St. John's fell back at 00:01 NDT to 23:01 NST until 2011: one minute of the 29th, then the 28th again.
    expect(localDateOf(at('2000-10-29T02:30:00Z'), 'America/St_Johns')).toBe('2000-10-29');
    expect(localDateOf(at('2000-10-29T02:31:00Z'), 'America/St_Johns')).toBe('2000-10-28');
    expect(localDateOf(at('2000-10-29T03:30:00Z'), 'America/St_Johns')).toBe('2000-10-29');
  });

  it('does not depend on the process time zone', () => {
    expect(localDateOf(at('2025-09-07T03:30:00Z'), 'UTC')).toBe('2025-09-07');
    expect(localDateOf(at('2025-09-07T03:30:00Z'), 'America/Santiago')).toBe('2025-09-06');
  });

  it('agrees with an independent formatter for every zone (property)', () => {
    const reference = (ms: number, zone: string): string => new Date(ms).toLocaleDateString('en-CA', { timeZone: zone });
    fc.assert(
      fc.property(zonedInstantArb, ({ ms, zone }) => {
        expect(localDateOf(ms, zone)).toBe(reference(ms, zone));
      }),
      { numRuns: 500 },
    );
  });

  // Rule-based clocks written from the laws, not from tzdata: a brute-force oracle independent of Intl.
  const nthSundayUtc = (year: number, month: number, n: number): number => {
    const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
    return Date.UTC(year, month, 1 + ((7 - first) % 7) + 7 * (n - 1));
  };
  const lastSundayUtc = (year: number, month: number): number => {
    const last = new Date(Date.UTC(year, month + 1, 0));
    return last.getTime() - last.getUTCDay() * DAY_MS;
  };
  const newYorkOffset = (ms: number): number => {
    const year = new Date(ms).getUTCFullYear();
    // Since 2007: second Sunday of March 02:00 EST to first Sunday of November 02:00 EDT.
    const dstStart = nthSundayUtc(year, 2, 2) + 7 * HOUR_MS;
    const dstEnd = nthSundayUtc(year, 10, 1) + 6 * HOUR_MS;
    return ms >= dstStart && ms < dstEnd ? -4 * HOUR_MS : -5 * HOUR_MS;
  };
  const parisOffset = (ms: number): number => {
    const year = new Date(ms).getUTCFullYear();
    // EU rule since 1996: last Sunday of March 01:00Z to last Sunday of October 01:00Z.
    const dstStart = lastSundayUtc(year, 2) + HOUR_MS;
    const dstEnd = lastSundayUtc(year, 9) + HOUR_MS;
    return ms >= dstStart && ms < dstEnd ? 2 * HOUR_MS : HOUR_MS;
  };
  const fixedOffsets: Record<string, number> = {
    'Asia/Kathmandu': 5.75 * HOUR_MS,
    'Asia/Kolkata': 5.5 * HOUR_MS,
    'Pacific/Kiritimati': 14 * HOUR_MS,
    'Pacific/Marquesas': -9.5 * HOUR_MS,
    UTC: 0,
  };
  const ruleZones: Record<string, (ms: number) => number> = {
    'America/New_York': newYorkOffset,
    'Europe/Paris': parisOffset,
    ...Object.fromEntries(Object.entries(fixedOffsets).map(([zone, offset]) => [zone, () => offset])),
  };

  it('matches rule-based clocks for New York, Paris and fixed-offset zones, 2007–2035 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2007, 0, 1), max: TO_MS }), fc.constantFrom(...Object.keys(ruleZones)), (ms, zone) => {
        const offset = (ruleZones[zone] as (ms: number) => number)(ms);
        expect(offsetMsAt(ms, zone)).toBe(offset);
        expect(localDateOf(ms, zone)).toBe(new Date(ms + offset).toISOString().slice(0, 10));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the seconds of local mean time offsets', () => {
    // Santiago kept −4:42:45 (Santiago Mean Time) in 1880.
    expect(offsetMsAt(at('1880-01-01T00:00:00Z'), 'America/Santiago')).toBe(-(4 * 3600 + 42 * 60 + 45) * 1000);
    expect(localDateOf(at('1880-01-01T04:42:45Z'), 'America/Santiago')).toBe('1880-01-01');
    expect(localDateOf(at('1880-01-01T04:42:44.999Z'), 'America/Santiago')).toBe('1879-12-31');
  });
});

describe('startOfLocalDate', () => {
  it.each([
    // zone, date, first instant, hours in that day
    ['America/New_York', '2025-03-09', '2025-03-09T05:00:00Z', 23],
    ['America/New_York', '2025-11-02', '2025-11-02T04:00:00Z', 25],
    ['America/New_York', '2026-03-08', '2026-03-08T05:00:00Z', 23],
    ['America/New_York', '2026-11-01', '2026-11-01T04:00:00Z', 25],
    ['Europe/Paris', '2025-03-30', '2025-03-29T23:00:00Z', 23],
    ['Europe/Paris', '2025-10-26', '2025-10-25T22:00:00Z', 25],
    ['Europe/Paris', '2026-03-29', '2026-03-28T23:00:00Z', 23],
    ['Europe/Paris', '2026-10-25', '2026-10-24T22:00:00Z', 25],
    ['Australia/Lord_Howe', '2025-10-05', '2025-10-04T13:30:00Z', 23.5],
    ['Australia/Lord_Howe', '2025-04-06', '2025-04-05T13:00:00Z', 24.5],
    ['Asia/Kathmandu', '2025-03-10', '2025-03-09T18:15:00Z', 24],
    ['Pacific/Kiritimati', '2025-01-01', '2024-12-31T10:00:00Z', 24],
    ['Pacific/Chatham', '2025-01-15', '2025-01-14T10:15:00Z', 24],
    ['Pacific/Chatham', '2025-04-06', '2025-04-05T10:15:00Z', 25],
    ['Pacific/Chatham', '2025-09-28', '2025-09-27T11:15:00Z', 23],
    ['America/St_Johns', '2025-01-15', '2025-01-15T03:30:00Z', 24],
    ['America/Santiago', '2025-04-05', '2025-04-05T03:00:00Z', 25],
    ['America/Santiago', '2025-04-06', '2025-04-06T04:00:00Z', 24],
    ['Africa/Cairo', '2025-10-30', '2025-10-29T21:00:00Z', 25],
  ])('in %s, %s begins at %s and lasts %d hours', (zone, date, first, hours) => {
    expect(startOfLocalDate(date, zone)).toBe(at(first));
    expect(lengthOfDay(date, zone)).toBe(hours);
  });

  it('starts America/Santiago 2025-09-07 at 01:00 local (04:00Z), because its midnight does not exist', () => {
    expect(startOfLocalDate('2025-09-07', 'America/Santiago')).toBe(at('2025-09-07T04:00:00Z'));
    expect(startOfLocalDate('2025-09-07', 'America/Santiago')).toBe(at('2025-09-07T01:00:00-03:00'));
    expect(lengthOfDay('2025-09-07', 'America/Santiago')).toBe(23);
  });

  it('starts Africa/Cairo 2025-04-25 at 01:00 local, because its midnight does not exist', () => {
    expect(startOfLocalDate('2025-04-25', 'Africa/Cairo')).toBe(at('2025-04-25T01:00:00+03:00'));
    expect(lengthOfDay('2025-04-25', 'Africa/Cairo')).toBe(23);
  });

  it('starts America/Havana 2025-03-09 at 01:00 local, because its midnight does not exist', () => {
    expect(startOfLocalDate('2025-03-09', 'America/Havana')).toBe(at('2025-03-09T01:00:00-04:00'));
    expect(lengthOfDay('2025-03-09', 'America/Havana')).toBe(23);
  });

  it('starts America/Havana 2025-11-02 at the first of its two midnights', () => {
    expect(startOfLocalDate('2025-11-02', 'America/Havana')).toBe(at('2025-11-02T00:00:00-04:00'));
    expect(localDateOf(at('2025-11-02T00:00:00-05:00'), 'America/Havana')).toBe('2025-11-02');
    expect(lengthOfDay('2025-11-02', 'America/Havana')).toBe(25);
  });

  it('gives a date the zone skipped (Pacific/Apia 2011-12-30) no instants: it starts where the next date starts', () => {
    expect(startOfLocalDate('2011-12-30', 'Pacific/Apia')).toBe(at('2011-12-30T10:00:00Z'));
    expect(startOfLocalDate('2011-12-31', 'Pacific/Apia')).toBe(at('2011-12-30T10:00:00Z'));
    expect(localDateOf(at('2011-12-30T09:59:59.999Z'), 'Pacific/Apia')).toBe('2011-12-29');
  });

  it('finds the first instant where a clock falls back across midnight (America/St_Johns 2000-10-29)', () => {
    expect(startOfLocalDate('2000-10-29', 'America/St_Johns')).toBe(at('2000-10-29T00:00:00-02:30'));
  });

  it('is the first instant of its date in every zone (property)', () => {
    fc.assert(
      fc.property(zonedInstantArb, fc.integer({ min: -1, max: 1 }), ({ ms, zone }, shift) => {
        const date = addDays(localDateOf(ms, zone), shift);
        const first = startOfLocalDate(date, zone);
        const shown = localDateOf(first, zone);
        // Either the date begins here, or the zone skipped it and the next date begins here.
        if (shown === date) expect(localDateOf(first - 1, zone) < date).toBe(true);
        else expect(startOfLocalDate(addDays(date, 1), zone)).toBe(first);
        // Brute force: nothing earlier in the surrounding window shows the date yet.
        const tooEarly: number[] = [];
        for (let probe = utcMidnightOf(date) - 16 * HOUR_MS; probe < first; probe += 7 * 60_000 + 13) {
          if (localDateOf(probe, zone) >= date) tooEarly.push(probe);
        }
        expect(tooEarly).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('uses one formatter per zone and never the process zone, so every zone round-trips', () => {
    for (const zone of TRICKY_ZONES) {
      const first = startOfLocalDate('2025-06-15', zone);
      expect(localDateOf(first, zone)).toBe('2025-06-15');
      expect(first).toBeGreaterThan(FROM_MS);
    }
  });
});
