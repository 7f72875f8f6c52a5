import fc from 'fast-check';
import { EMPTY_STREAK, type LocalDate, addDays, runsOf, streakFromQualifiedDates } from '../../src/domain';

describe('runsOf', () => {
  it('groups consecutive dates into maximal runs, oldest first, ignoring order and duplicates', () => {
    expect(runsOf(['2025-03-05', '2025-03-01', '2025-03-02', '2025-03-02', '2025-03-04'])).toEqual([
      { start: '2025-03-01', end: '2025-03-02' },
      { start: '2025-03-04', end: '2025-03-05' },
    ]);
  });

  it('joins runs across a month and a leap day', () => {
    expect(runsOf(['2024-02-28', '2024-02-29', '2024-03-01'])).toEqual([{ start: '2024-02-28', end: '2024-03-01' }]);
  });

  it('gives no runs for no dates', () => {
    expect(runsOf([])).toEqual([]);
  });
});

describe('streakFromQualifiedDates', () => {
  it('gives zeros and no date for no qualified dates', () => {
    expect(streakFromQualifiedDates([])).toEqual(EMPTY_STREAK);
    expect(EMPTY_STREAK).toEqual({ currentStreak: 0, longestStreak: 0, lastQualifiedDate: null, qualifiedDaysCount: 0 });
  });

  it('counts the run ending at the last qualified date as current, and the longest run ever', () => {
    expect(streakFromQualifiedDates(['2025-03-01', '2025-03-02', '2025-03-03', '2025-03-05', '2025-03-06'])).toEqual({
      currentStreak: 2,
      longestStreak: 3,
      lastQualifiedDate: '2025-03-06',
      qualifiedDaysCount: 5,
    });
  });

  it('breaks the streak on a date skipped by flying east across the date line', () => {
    // Qualified on the 1st in Honolulu, next on the 3rd in Kiritimati: the 2nd never qualified anywhere.
    expect(streakFromQualifiedDates(['2025-06-01', '2025-06-03'])).toMatchObject({ currentStreak: 1, longestStreak: 1 });
  });

  // The obvious day-by-day implementation, as an oracle.
  function naiveStreak(dates: LocalDate[]) {
    const set = new Set(dates);
    if (set.size === 0) return EMPTY_STREAK;
    const last = [...set].sort().at(-1) as LocalDate;
    let current = 0;
    while (set.has(addDays(last, -current))) current++;
    let longest = 0;
    for (const date of set) {
      let length = 0;
      while (set.has(addDays(date, length))) length++;
      longest = Math.max(longest, length);
    }
    return { currentStreak: current, longestStreak: longest, lastQualifiedDate: last, qualifiedDaysCount: set.size };
  }

  it('agrees with a naive day-by-day count, and its runs are maximal and cover the dates (property)', () => {
    const dateArb = fc.integer({ min: 0, max: 40 }).map((n) => addDays('2025-12-20', n));
    fc.assert(
      fc.property(fc.array(dateArb, { maxLength: 40 }), (dates) => {
        expect(streakFromQualifiedDates(dates)).toEqual(naiveStreak(dates));
        const runs = runsOf(dates);
        const covered: LocalDate[] = [];
        runs.forEach((run, i) => {
          for (let d = run.start; d <= run.end; d = addDays(d, 1)) covered.push(d);
          if (i > 0) expect(addDays(runs[i - 1]?.end as LocalDate, 1) < run.start).toBe(true);
        });
        expect(covered).toEqual([...new Set(dates)].sort());
      }),
      { numRuns: 300 },
    );
  });
});
