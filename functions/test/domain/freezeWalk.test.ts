import fc from 'fast-check';
import { type FreezeGrant, type LocalDate, addDays, runsOf, streakFromRuns, walkStreak } from '../../src/domain';

const CAP = 2;
const grant = (effectiveFrom: LocalDate, count = 1): FreezeGrant => ({ effectiveFrom, count });
const walk = (dates: LocalDate[], grants: FreezeGrant[], asOf: LocalDate, cap = CAP) => walkStreak(runsOf(dates), grants, cap, asOf);

describe('walkStreak: worked cases', () => {
  it('breaks on a one-date gap without a freeze, and bridges it with one', () => {
    const dates = ['2026-03-01', '2026-03-02', '2026-03-04'];
    expect(walk(dates, [], '2026-03-05')).toMatchObject({ currentStreak: 1, longestStreak: 2, frozenDates: [], freezesAvailable: 0 });
    expect(walk(dates, [grant('2026-02-01')], '2026-03-05')).toMatchObject({
      currentStreak: 3,
      longestStreak: 3,
      qualifiedDaysCount: 3,
      frozenDates: ['2026-03-03'],
      freezesAvailable: 0,
    });
  });

  it('spends the one freeze on the first date of a two-date gap, and the run still ends', () => {
    expect(walk(['2026-03-01', '2026-03-04'], [grant('2026-02-01')], '2026-03-05')).toMatchObject({
      currentStreak: 1,
      longestStreak: 1,
      frozenDates: [],
      freezesAvailable: 0,
    });
    // The freeze is gone: a later one-date gap is not covered.
    expect(walk(['2026-03-01', '2026-03-04', '2026-03-06'], [grant('2026-02-01')], '2026-03-07')).toMatchObject({ currentStreak: 1 });
  });

  it('gives the freeze back when a late session makes the frozen date qualify', () => {
    const before = walk(['2026-03-01', '2026-03-03'], [grant('2026-02-01')], '2026-03-04');
    const after = walk(['2026-03-01', '2026-03-02', '2026-03-03'], [grant('2026-02-01')], '2026-03-04');
    expect(before).toMatchObject({ currentStreak: 2, frozenDates: ['2026-03-02'], freezesAvailable: 0 });
    expect(after).toMatchObject({ currentStreak: 3, frozenDates: [], freezesAvailable: 1 });
  });

  it('does not cover a gap with a grant effective after it', () => {
    expect(walk(['2026-03-01', '2026-03-03'], [grant('2026-03-03')], '2026-03-04')).toMatchObject({
      currentStreak: 1,
      frozenDates: [],
      freezesAvailable: 1,
    });
    // Effective on the missed date itself: it covers it.
    expect(walk(['2026-03-01', '2026-03-03'], [grant('2026-03-02')], '2026-03-04')).toMatchObject({ currentStreak: 2, frozenDates: ['2026-03-02'] });
  });

  it('joins two runs with a repaired date, which counts as qualified', () => {
    // The repair is a qualified date to the walk: the caller adds it to the dates.
    expect(walk(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04'], [grant('2026-02-01')], '2026-03-05')).toMatchObject({
      currentStreak: 4,
      qualifiedDaysCount: 4,
      frozenDates: [],
      freezesAvailable: 1,
    });
  });

  it('caps the balance held at once', () => {
    expect(walk([], [grant('2026-01-01', 5)], '2026-02-01')).toMatchObject({ freezesAvailable: CAP, currentStreak: 0, lastQualifiedDate: null });
    // Capped on the date a grant takes effect, before that date's consumption.
    const dates = ['2026-03-01', '2026-03-03'];
    expect(walk(dates, [grant('2026-02-01', 2), grant('2026-03-02', 2)], '2026-03-04')).toMatchObject({ frozenDates: ['2026-03-02'], freezesAvailable: 1 });
    // Consumption before a grant makes room for it.
    expect(walk(dates, [grant('2026-02-01', 2), grant('2026-03-03', 2)], '2026-03-04')).toMatchObject({ frozenDates: ['2026-03-02'], freezesAvailable: 2 });
  });

  it('never freezes today, freezes the missed dates before it, and reaches as far as the freezes go', () => {
    const dates = ['2026-03-01', '2026-03-02'];
    const grants = [grant('2026-02-01', 2)];
    expect(walk(dates, grants, '2026-03-03')).toMatchObject({ currentStreak: 2, frozenDates: [], freezesAvailable: 2, freezeReach: 2 });
    expect(walk(dates, grants, '2026-03-04')).toMatchObject({ frozenDates: ['2026-03-03'], freezesAvailable: 1, freezeReach: 2 });
    expect(walk(dates, grants, '2026-03-06')).toMatchObject({ frozenDates: ['2026-03-03', '2026-03-04'], freezesAvailable: 0, freezeReach: 2 });
    // A grant effective later extends the reach only if the balance lasts until then.
    expect(walk(dates, [grant('2026-02-01', 1), grant('2026-03-04', 1)], '2026-03-03')).toMatchObject({ freezeReach: 2 });
    expect(walk(dates, [grant('2026-02-01', 1), grant('2026-03-05', 1)], '2026-03-03')).toMatchObject({ freezeReach: 1 });
  });

  it('counts frozen dates in neither the streak nor the qualified days', () => {
    const w = walk(['2026-03-01', '2026-03-03', '2026-03-05'], [grant('2026-02-01', 2)], '2026-03-06');
    expect(w).toMatchObject({ currentStreak: 3, longestStreak: 3, qualifiedDaysCount: 3, frozenDates: ['2026-03-02', '2026-03-04'] });
  });
});

const dateArb = fc.integer({ min: 0, max: 60 }).map((n) => addDays('2026-01-01', n));
const datesArb = fc.uniqueArray(dateArb, { maxLength: 30 });
const grantsArb = fc.array(fc.record({ effectiveFrom: dateArb, count: fc.integer({ min: 1, max: 3 }) }), { maxLength: 5 });
const asOfArb = fc.integer({ min: 0, max: 70 }).map((n) => addDays('2026-01-01', n));

describe('walkStreak: properties', () => {
  it('is the plain streak when no freeze was ever granted', () => {
    fc.assert(
      fc.property(datesArb, asOfArb, (dates, asOf) => {
        const runs = runsOf(dates);
        expect(walkStreak(runs, [], CAP, asOf)).toEqual({ ...streakFromRuns(runs), frozenDates: [], freezesAvailable: 0, freezeReach: 0 });
      }),
    );
  });

  it('consumes no more than was granted, never beyond the cap, never on a qualified date or on or after today', () => {
    fc.assert(
      fc.property(datesArb, grantsArb, asOfArb, (dates, grants, asOf) => {
        const w = walk(dates, grants, asOf);
        const total = grants.reduce((n, g) => n + g.count, 0);
        expect(w.freezesAvailable).toBeLessThanOrEqual(Math.min(CAP, total));
        expect(w.frozenDates.length).toBeLessThanOrEqual(total);
        expect(w.frozenDates).toEqual([...w.frozenDates].sort());
        for (const d of w.frozenDates) {
          expect(dates).not.toContain(d);
          expect(d < asOf || (w.lastQualifiedDate !== null && d < w.lastQualifiedDate)).toBe(true);
        }
        expect(w.qualifiedDaysCount).toBe(dates.length);
        expect(w.currentStreak).toBeLessThanOrEqual(w.longestStreak);
      }),
    );
  });

  it('never depends on the order grants arrive in, and a grant after the last qualified date only adds reach', () => {
    // (An earlier grant can shorten the current run: spent greedily on an older gap, it is gone for a later one.)
    fc.assert(
      fc.property(datesArb, grantsArb, fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 3 }), asOfArb, (dates, grants, after, count, asOf) => {
        const base = walk(dates, grants, asOf);
        expect(walk(dates, [...grants].reverse(), asOf)).toEqual(base);
        fc.pre(base.lastQualifiedDate !== null);
        const more = walk(dates, [...grants, grant(addDays(base.lastQualifiedDate as LocalDate, after), count)], asOf);
        expect(more).toMatchObject({ currentStreak: base.currentStreak, longestStreak: base.longestStreak, qualifiedDaysCount: base.qualifiedDaysCount });
        expect(more.freezeReach).toBeGreaterThanOrEqual(base.freezeReach);
      }),
    );
  });

  it('lengthens the current run by one and gives the freeze back when a late session fills a frozen date', () => {
    fc.assert(
      fc.property(datesArb.filter((dates) => dates.length > 1), grantsArb, (dates, grants) => {
        // As of the day after the last qualified date, so no later missed date can spend the freeze again.
        const asOf = addDays([...dates].sort()[dates.length - 1] as LocalDate, 1);
        const before = walk(dates, grants, asOf);
        const filled = before.frozenDates[before.frozenDates.length - 1];
        fc.pre(filled !== undefined);
        const after = walk([...dates, filled as LocalDate], grants, asOf);
        expect(after.currentStreak).toBe(before.currentStreak + 1);
        expect(after.freezesAvailable).toBeGreaterThanOrEqual(before.freezesAvailable);
      }),
    );
  });
});
