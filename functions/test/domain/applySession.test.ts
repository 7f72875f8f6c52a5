import fc from 'fast-check';
import {
  type AcceptOutcome,
  type DayStartChange,
  EMPTY_STREAK,
  type LocalDate,
  type Run,
  type SessionTimes,
  type StreakValues,
  addDays,
  affectedDates,
  applySession,
  overlapWindow,
  recomputeAll,
  utcMidnightOf,
} from '../../src/domain';
import { arrivalArb, at } from '../support/arbitraries';
import { arrivalWithChangesArb } from './dayStartArbitraries';

const QUALIFY = 1800;
const HOUR_MS = 3_600_000;

/** What the SQL write path keeps per user, and the queries it runs, done in memory. */
class Store {
  constructor(readonly changes: readonly DayStartChange[] = []) {}

  sessions: SessionTimes[] = [];
  credits = new Map<LocalDate, number>();
  runs: Run[] = [];
  streak: StreakValues = EMPTY_STREAK;

  accept(session: SessionTimes, qualifySeconds = QUALIFY): AcceptOutcome {
    const dates = affectedDates(session, this.changes);
    const { fromMs, toMs } = overlapWindow(dates, this.changes);
    const low = addDays(dates[0] as LocalDate, -1);
    const high = addDays(dates[dates.length - 1] as LocalDate, 1);
    const outcome = applySession({
      session,
      others: this.sessions.filter((s) => s.startMs < toMs && s.endMs > fromMs),
      storedCredits: new Map(dates.filter((d) => this.credits.has(d)).map((d) => [d, this.credits.get(d) as number])),
      streak: this.streak,
      nearbyRuns: this.runs.filter((run) => run.end >= low && run.start <= high),
      qualifySeconds,
      changes: this.changes,
    });
    this.sessions.push(session);
    for (const [date, seconds] of outcome.credits) this.credits.set(date, seconds);
    const removed = (run: Run) => outcome.runs.removed.some((r) => r.start === run.start && r.end === run.end);
    this.runs = [...this.runs.filter((run) => !removed(run)), ...outcome.runs.added].sort((a, b) => (a.start < b.start ? -1 : 1));
    this.streak = outcome.streak;
    return outcome;
  }
}

const utc = (start: string, end: string): SessionTimes => ({ startMs: at(start), endMs: at(end), timeZone: 'UTC' });
const focusOn = (date: LocalDate, minutes = 30): SessionTimes => ({
  startMs: utcMidnightOf(date) + 9 * HOUR_MS,
  endMs: utcMidnightOf(date) + 9 * HOUR_MS + minutes * 60_000,
  timeZone: 'UTC',
});

describe('affectedDates and overlapWindow', () => {
  it('lists the local dates a session touches in its own zone', () => {
    expect(affectedDates({ startMs: at('2025-03-08T23:00:00-05:00'), endMs: at('2025-03-10T01:00:00-04:00'), timeZone: 'America/New_York' })).toEqual([
      '2025-03-08',
      '2025-03-09',
      '2025-03-10',
    ]);
  });

  it('opens a window wide enough for those dates in any zone', () => {
    expect(overlapWindow(['2025-03-09', '2025-03-08'])).toEqual({ fromMs: at('2025-03-07T08:00:00Z'), toMs: at('2025-03-10T16:00:00Z') });
    // Kiritimati (+14) starts the 8th at 10:00Z on the 7th; Pago Pago (−11) ends the 9th at 11:00Z on the 10th.
    const { fromMs, toMs } = overlapWindow(['2025-03-08', '2025-03-09']);
    expect(fromMs).toBeLessThanOrEqual(at('2025-03-08T00:00:00+14:00'));
    expect(toMs).toBeGreaterThanOrEqual(at('2025-03-10T00:00:00-12:00'));
  });

  it('lists the dates at the user day start: 04:00 keeps 2026-03-08 01:00–03:30 EST/EDT on 03-07', () => {
    const session = { startMs: at('2026-03-08T01:00:00-05:00'), endMs: at('2026-03-08T03:30:00-04:00'), timeZone: 'America/New_York' };
    expect(affectedDates(session, [{ effectiveFrom: '2026-01-01', minutes: 240 }])).toEqual(['2026-03-07']);
    expect(affectedDates(session)).toEqual(['2026-03-08']);
  });

  it('ends the window 12 h later for a user with any day-start change, as the SQL engine does', () => {
    expect(overlapWindow(['2025-03-09', '2025-03-08'], [{ effectiveFrom: '2025-01-01', minutes: 0 }])).toEqual({ fromMs: at('2025-03-07T08:00:00Z'), toMs: at('2025-03-11T04:00:00Z') });
    // Pago Pago (−11) at a 12:00 day start ends the 9th at 23:00Z on the 10th.
    const { toMs } = overlapWindow(['2025-03-08', '2025-03-09'], [{ effectiveFrom: '2025-01-01', minutes: 720 }]);
    expect(toMs).toBeGreaterThanOrEqual(at('2025-03-10T12:00:00-11:00'));
    expect(overlapWindow([], [{ effectiveFrom: '2025-01-01', minutes: 720 }])).toEqual({ fromMs: 0, toMs: 0 });
  });
});

describe('applySession', () => {
  it('qualifies a first date and starts a streak of one', () => {
    const outcome = new Store().accept(focusOn('2025-06-01'));
    expect(outcome).toEqual({
      credits: new Map([['2025-06-01', 1800]]),
      newlyQualified: ['2025-06-01'],
      runs: { removed: [], added: [{ start: '2025-06-01', end: '2025-06-01' }] },
      streak: { currentStreak: 1, longestStreak: 1, lastQualifiedDate: '2025-06-01', qualifiedDaysCount: 1 },
      streakChanged: true,
    });
  });

  it('adds credit without qualifying at 29:59', () => {
    const outcome = new Store().accept(utc('2025-06-01T09:00:00Z', '2025-06-01T09:29:59Z'));
    expect(outcome.credits).toEqual(new Map([['2025-06-01', 1799]]));
    expect(outcome.newlyQualified).toEqual([]);
    expect(outcome.streakChanged).toBe(false);
  });

  it('qualifies when a second session brings the date to 30:00', () => {
    const store = new Store();
    store.accept(utc('2025-06-01T09:00:00Z', '2025-06-01T09:29:59Z'));
    const outcome = store.accept(utc('2025-06-01T18:00:00Z', '2025-06-01T18:00:01Z'));
    expect(outcome.credits).toEqual(new Map([['2025-06-01', 1800]]));
    expect(outcome.newlyQualified).toEqual(['2025-06-01']);
  });

  it('merges an overlapping session from a second device instead of adding it', () => {
    const store = new Store();
    store.accept(utc('2025-06-01T09:00:00Z', '2025-06-01T09:20:00Z'));
    const outcome = store.accept(utc('2025-06-01T09:05:00Z', '2025-06-01T09:25:00Z'));
    expect(outcome.credits).toEqual(new Map([['2025-06-01', 25 * 60]]));
    expect(outcome.newlyQualified).toEqual([]);
  });

  it('changes nothing when the same session arrives again', () => {
    const store = new Store();
    store.accept(focusOn('2025-06-01', 45));
    const before = store.streak;
    const outcome = store.accept(focusOn('2025-06-01', 45));
    expect(outcome).toEqual({ credits: new Map(), newlyQualified: [], runs: { removed: [], added: [] }, streak: before, streakChanged: false });
  });

  it('joins two runs when a late session bridges the gap between them', () => {
    const store = new Store();
    for (const date of ['2025-06-01', '2025-06-02', '2025-06-04', '2025-06-05', '2025-06-06']) store.accept(focusOn(date));
    expect(store.streak).toEqual({ currentStreak: 3, longestStreak: 3, lastQualifiedDate: '2025-06-06', qualifiedDaysCount: 5 });
    const outcome = store.accept(focusOn('2025-06-03'));
    expect(outcome.runs).toEqual({
      removed: [
        { start: '2025-06-01', end: '2025-06-02' },
        { start: '2025-06-04', end: '2025-06-06' },
      ],
      added: [{ start: '2025-06-01', end: '2025-06-06' }],
    });
    expect(outcome.streak).toEqual({ currentStreak: 6, longestStreak: 6, lastQualifiedDate: '2025-06-06', qualifiedDaysCount: 6 });
  });

  it('lengthens only the longest streak when a late session extends an old run', () => {
    const store = new Store();
    for (const date of ['2025-05-01', '2025-05-02', '2025-06-01']) store.accept(focusOn(date));
    const outcome = store.accept(focusOn('2025-05-03'));
    expect(outcome.streak).toEqual({ currentStreak: 1, longestStreak: 3, lastQualifiedDate: '2025-06-01', qualifiedDaysCount: 4 });
  });

  it('breaks the streak when flying east skips a date (Honolulu, then Kiritimati)', () => {
    const store = new Store();
    // 2025-06-01 20:00–21:00 in Honolulu (−10), then 2025-06-03 08:00–09:00 in Kiritimati (+14), 11 real hours later.
    store.accept({ startMs: at('2025-06-01T20:00:00-10:00'), endMs: at('2025-06-01T21:00:00-10:00'), timeZone: 'Pacific/Honolulu' });
    const outcome = store.accept({ startMs: at('2025-06-03T08:00:00+14:00'), endMs: at('2025-06-03T09:00:00+14:00'), timeZone: 'Pacific/Kiritimati' });
    expect(outcome.newlyQualified).toEqual(['2025-06-03']);
    expect(outcome.streak).toEqual({ currentStreak: 1, longestStreak: 1, lastQualifiedDate: '2025-06-03', qualifiedDaysCount: 2 });
  });

  it('credits a session across the New York fall-back night to both dates and qualifies both', () => {
    const store = new Store();
    const outcome = store.accept({ startMs: at('2025-11-01T23:00:00-04:00'), endMs: at('2025-11-02T01:30:00-05:00'), timeZone: 'America/New_York' });
    expect(outcome.credits).toEqual(new Map([['2025-11-01', 3600], ['2025-11-02', 2.5 * 3600]]));
    expect(outcome.streak).toMatchObject({ currentStreak: 2, lastQualifiedDate: '2025-11-02' });
  });

  it('counts a session in another zone towards the dates of that zone (Santiago 2025-09-07, no midnight)', () => {
    const store = new Store();
    store.accept({ startMs: at('2025-09-07T01:00:00-03:00'), endMs: at('2025-09-07T01:20:00-03:00'), timeZone: 'America/Santiago' });
    // The same user, now in UTC: 04:20Z–04:30Z is still 2025-09-07 in UTC too, so it adds to that date.
    const outcome = store.accept(utc('2025-09-07T04:10:00Z', '2025-09-07T04:30:00Z'));
    expect(outcome.credits).toEqual(new Map([['2025-09-07', 30 * 60]]));
    expect(outcome.newlyQualified).toEqual(['2025-09-07']);
  });

  it('qualifies a multi-day session on every full date and joins them into one run', () => {
    const outcome = new Store().accept({ startMs: at('2025-03-08T22:00:00-05:00'), endMs: at('2025-03-09T23:00:00-04:00'), timeZone: 'America/New_York' });
    expect(outcome.newlyQualified).toEqual(['2025-03-08', '2025-03-09']);
    expect(outcome.runs.added).toEqual([{ start: '2025-03-08', end: '2025-03-09' }]);
    expect(outcome.streak.currentStreak).toBe(2);
  });

  it('counts the change days once, longer or shorter: 0 → 240 on 2026-06-10 and 240 → 0 on 2026-06-20', () => {
    const changes = [{ effectiveFrom: '2026-06-10', minutes: 240 }, { effectiveFrom: '2026-06-20', minutes: 0 }];
    const sessions = [
      utc('2026-06-09T23:40:00Z', '2026-06-10T00:10:00Z'), // 30 min, all on 06-09: it lasts until 06-10 04:00
      utc('2026-06-10T03:45:00Z', '2026-06-10T04:15:00Z'), // 15 min on 06-09, 15 on 06-10
      utc('2026-06-10T12:00:00Z', '2026-06-10T12:15:00Z'), // 15 more on 06-10
      utc('2026-06-19T03:50:00Z', '2026-06-19T04:20:00Z'), // 10 min on 06-18, 20 on 06-19 (begun at 04:00)
      utc('2026-06-19T23:50:00Z', '2026-06-20T00:20:00Z'), // 10 min on 06-19 (ended at midnight), 20 on 06-20
      utc('2026-06-20T03:00:00Z', '2026-06-20T03:10:00Z'), // 10 more on 06-20: back at midnight, 03:00 is 06-20
    ];
    const reference = recomputeAll(sessions, QUALIFY, changes);
    expect(reference.credits).toEqual(
      new Map([
        ['2026-06-09', 2700],
        ['2026-06-10', 1800],
        ['2026-06-18', 600],
        ['2026-06-19', 1800],
        ['2026-06-20', 1800],
      ]),
    );
    expect(reference.runs).toEqual([
      { start: '2026-06-09', end: '2026-06-10' },
      { start: '2026-06-19', end: '2026-06-20' },
    ]);
    expect(reference.streak).toEqual({ currentStreak: 2, longestStreak: 2, lastQualifiedDate: '2026-06-20', qualifiedDaysCount: 4 });
    // At midnight throughout the same sessions fall elsewhere: 06-09 misses, 06-10 gets 55 minutes.
    expect(recomputeAll(sessions, QUALIFY).credits).toEqual(
      new Map([
        ['2026-06-09', 1200],
        ['2026-06-10', 3300],
        ['2026-06-19', 2400],
        ['2026-06-20', 1800],
      ]),
    );
    const store = new Store(changes);
    for (const session of [...sessions].reverse()) store.accept(session);
    expect(store.credits).toEqual(reference.credits);
    expect(store.runs).toEqual(reference.runs);
    expect(store.streak).toEqual(reference.streak);
  });

  it('reads a session late in a 12:00-start date as one of its others (Pago Pago, −11)', () => {
    // 2025-06-01 runs from 06-01 12:00 to 06-02 12:00 local, 23:00Z to 23:00Z: past the midnight margin of 16 h.
    const store = new Store([{ effectiveFrom: '2025-01-01', minutes: 720 }]);
    const pago = (start: string, end: string) => ({ startMs: at(start), endMs: at(end), timeZone: 'Pacific/Pago_Pago' });
    store.accept(pago('2025-06-02T10:40:00-11:00', '2025-06-02T11:00:00-11:00'));
    const outcome = store.accept(pago('2025-06-01T13:00:00-11:00', '2025-06-01T13:10:00-11:00'));
    expect(outcome.credits).toEqual(new Map([['2025-06-01', 1800]]));
    expect(outcome.newlyQualified).toEqual(['2025-06-01']);
  });

  describe('equals a full recompute (properties over random histories, zones and arrival orders)', () => {
    it('folding applySession over any arrival order gives the credits, runs and streak of recomputeAll', () => {
      fc.assert(
        fc.property(arrivalArb, fc.constantFrom(QUALIFY, QUALIFY, 60, 4 * 3600), ({ order }, qualifySeconds) => {
          const store = new Store();
          order.forEach((session, i) => {
            store.accept(session, qualifySeconds);
            const reference = recomputeAll(order.slice(0, i + 1), qualifySeconds);
            expect(store.credits).toEqual(reference.credits);
            expect(store.runs).toEqual(reference.runs);
            expect(store.streak).toEqual(reference.streak);
          });
        }),
        { numRuns: 250 },
      );
    });

    it('does so under day-start changes among the dates, the window widened for them', () => {
      fc.assert(
        fc.property(arrivalWithChangesArb, fc.constantFrom(QUALIFY, 60, 4 * 3600), ({ order, changes }, qualifySeconds) => {
          const store = new Store(changes);
          order.forEach((session, i) => {
            store.accept(session, qualifySeconds);
            const reference = recomputeAll(order.slice(0, i + 1), qualifySeconds, changes);
            expect(store.credits).toEqual(reference.credits);
            expect(store.runs).toEqual(reference.runs);
            expect(store.streak).toEqual(reference.streak);
          });
        }),
        { numRuns: 200 },
      );
    });

    it('reports streakChanged exactly when the streak values change, and credits only when they change', () => {
      fc.assert(
        fc.property(arrivalArb, ({ order }) => {
          const store = new Store();
          for (const session of order) {
            const before = store.streak;
            const storedCredits = new Map(store.credits);
            const outcome = store.accept(session);
            expect(outcome.streakChanged).toBe(JSON.stringify(before) !== JSON.stringify(outcome.streak));
            for (const [date, seconds] of outcome.credits) expect(seconds).toBeGreaterThan(storedCredits.get(date) ?? 0);
          }
        }),
        { numRuns: 150 },
      );
    });

    it('gives the same result for every arrival order and with duplicates', () => {
      fc.assert(
        fc.property(arrivalWithChangesArb, ({ sessions, order, changes }) => {
          expect(recomputeAll([...order, ...order.slice(0, 2)], QUALIFY, changes)).toEqual(recomputeAll(sessions, QUALIFY, changes));
        }),
        { numRuns: 200 },
      );
    });
  });
});
