import fc from 'fast-check';
import {
  type DayStartChange,
  type LocalDate,
  DAY_START_STEP_MINUTES,
  MAX_DAY_START_MINUTES,
  addDays,
  dateAt,
  dayStartMinutesOn,
  isDayStartMinutes,
  localDateOf,
  startOfDay,
  startOfLocalDate,
} from '../../src/domain';
import { zonedInstantArb, zoneArb } from '../support/arbitraries';
import { changesArb, minutesArb } from './dayStartArbitraries';

const at = (iso: string) => Date.parse(iso);
const from = (minutes: number, effectiveFrom = '2000-01-01'): DayStartChange[] => [{ effectiveFrom, minutes }];
const NY = 'America/New_York';
const LORD_HOWE = 'Australia/Lord_Howe';

describe('day start: worked cases', () => {
  it('takes the minutes of the latest change effective by the date, midnight before any', () => {
    const changes = [{ effectiveFrom: '2026-06-10', minutes: 240 }, { effectiveFrom: '2026-06-20', minutes: 0 }, { effectiveFrom: '2026-06-15', minutes: 60 }];
    expect(['2026-06-09', '2026-06-10', '2026-06-14', '2026-06-15', '2026-06-19', '2026-06-20'].map((d) => dayStartMinutesOn(changes, d))).toEqual([0, 240, 240, 60, 60, 0]);
    expect([0, DAY_START_STEP_MINUTES, MAX_DAY_START_MINUTES].every(isDayStartMinutes)).toBe(true);
    expect([-15, 7, 735, 1.5, '60'].some(isDayStartMinutes)).toBe(false);
  });

  it('starts at 04:00 across New York spring-forward night: the date before lasts 23 hours', () => {
    expect(startOfDay('2026-03-07', NY, from(240))).toBe(at('2026-03-07T04:00:00-05:00'));
    expect(startOfDay('2026-03-08', NY, from(240))).toBe(at('2026-03-08T04:00:00-04:00'));
    expect(startOfDay('2026-03-08', NY, from(240)) - startOfDay('2026-03-07', NY, from(240))).toBe(23 * 3_600_000);
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
    expect(dateAt(at('2026-11-01T01:29:59.999-04:00'), NY, from(90))).toBe('2026-10-31');
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
    const goose = 'America/Goose_Bay';
    expect(startOfDay('2000-10-29', goose, [])).toBe(at('2000-10-29T00:00:00-03:00'));
    expect(localDateOf(at('2000-10-29T03:01:00Z'), goose)).toBe('2000-10-28');
    expect(dateAt(at('2000-10-29T03:01:00Z'), goose, [])).toBe('2000-10-29');
    expect(dateAt(at('2000-10-29T02:59:59.999Z'), goose, [])).toBe('2000-10-28');
    // The 29th lasts from the first midnight to the next one, 25 hours.
    expect(startOfDay('2000-10-30', goose, []) - startOfDay('2000-10-29', goose, [])).toBe(25 * 3_600_000);
  });

  it('makes the change day longer or shorter, never split or doubled, with sessions on both sides of both boundaries', () => {
    const changes = [{ effectiveFrom: '2026-06-10', minutes: 240 }, { effectiveFrom: '2026-06-20', minutes: 0 }];
    // 06-09 starts at midnight and ends when 06-10 starts at 04:00: 28 hours.
    expect(startOfDay('2026-06-10', 'UTC', changes) - startOfDay('2026-06-09', 'UTC', changes)).toBe(28 * 3_600_000);
    expect(dateAt(at('2026-06-10T03:59:59.999Z'), 'UTC', changes)).toBe('2026-06-09');
    // Back to midnight on 06-20: 06-19 runs from 04:00 to midnight, 20 hours.
    expect(startOfDay('2026-06-20', 'UTC', changes) - startOfDay('2026-06-19', 'UTC', changes)).toBe(20 * 3_600_000);
    expect(dateAt(at('2026-06-20T03:00:00Z'), 'UTC', changes)).toBe('2026-06-20');
  });
});

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

  it('is the midnight rule with no change, but a date begun stays begun where a clock falls back across midnight', () => {
    fc.assert(
      fc.property(zonedInstantArb, ({ zone, ms }) => {
        const wall = localDateOf(ms, zone);
        expect(startOfDay(wall, zone, [])).toBe(startOfLocalDate(wall, zone));
        expect(startOfDay(addDays(wall, 1), zone, [])).toBe(startOfLocalDate(addDays(wall, 1), zone));
        // Only in the repeat after a fall-back across midnight has the next date begun while the clock shows this one.
        const repeat = startOfLocalDate(addDays(wall, 1), zone) <= ms;
        expect(dateAt(ms, zone, [])).toBe(repeat ? addDays(wall, 1) : wall);
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
