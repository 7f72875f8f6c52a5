import fc from 'fast-check';
import { type DayStartChange, type LocalDate, type SessionTimes, addDays, localDateOf } from '../../src/domain';
import { arrivalArb, sessionArb } from '../support/arbitraries';

/** Every allowed day start, 0–720 in steps of 15, with midnight and 04:00 drawn more often. */
export const minutesArb = fc.oneof(fc.integer({ min: 0, max: 48 }).map((n) => n * 15), fc.constantFrom(0, 240));

/** Random schedules around the instants the shared arbitraries draw (2000–2036), changes in any order. */
export const changesArb = fc.array(fc.record({ effectiveFrom: fc.integer({ min: 0, max: 13_200 }).map((n) => addDays('2000-01-01', n)), minutes: minutesArb }), { maxLength: 4 });

/** Schedules whose changes fall within days of `date`, so they move the dates a session nearby touches. */
export const changesAroundArb = (date: LocalDate, before: number, after: number): fc.Arbitrary<DayStartChange[]> =>
  fc.array(fc.record({ effectiveFrom: fc.integer({ min: -before, max: after }).map((n) => addDays(date, n)), minutes: minutesArb }), { maxLength: 3 });

/** A session with a schedule that often changes the day start on or next to the dates it touches. */
export const sessionWithChangesArb: fc.Arbitrary<{ session: SessionTimes; changes: DayStartChange[] }> = sessionArb.chain((session) =>
  changesAroundArb(localDateOf(session.startMs, session.timeZone), 2, 2).map((changes) => ({ session, changes })),
);

/** A history with an arrival order (arrivalArb) and a schedule whose changes fall among its dates. */
export const arrivalWithChangesArb = arrivalArb.chain(({ sessions, order }) =>
  changesAroundArb(localDateOf(Math.min(...sessions.map((s) => s.startMs)), 'UTC'), 2, 16).map((changes) => ({ sessions, order, changes })),
);
