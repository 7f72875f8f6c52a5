import fc from 'fast-check';
import { addDays, dateAt, localDateOf, startOfDay, startOfLocalDate, streakStatus } from '../../src/domain';
import { at, zonedInstantArb } from '../support/arbitraries';
import { changesAroundArb } from './dayStartArbitraries';

describe('streakStatus', () => {
  it('expires when local date last + 2 begins in the user zone', () => {
    const expiresAt = at('2025-03-09T00:00:00-05:00');
    expect(streakStatus('2025-03-07', 'America/New_York', expiresAt - 1)).toEqual({ active: true, streakExpiresAt: expiresAt });
    expect(streakStatus('2025-03-07', 'America/New_York', expiresAt)).toEqual({ active: false, streakExpiresAt: expiresAt });
  });

  it('is alive all through the day after the last qualified date', () => {
    expect(streakStatus('2025-06-10', 'Europe/Paris', at('2025-06-11T23:59:59+02:00')).active).toBe(true);
    expect(streakStatus('2025-06-10', 'Europe/Paris', at('2025-06-10T08:00:00+02:00')).active).toBe(true);
  });

  it('expires at 01:00 on America/Santiago 2025-09-07, the first instant of that date', () => {
    expect(streakStatus('2025-09-05', 'America/Santiago', 0).streakExpiresAt).toBe(at('2025-09-07T04:00:00Z'));
  });

  it('expires at the first of two midnights in America/Havana 2025-11-02', () => {
    expect(streakStatus('2025-10-31', 'America/Havana', 0).streakExpiresAt).toBe(at('2025-11-02T00:00:00-04:00'));
  });

  it('follows the user zone: the same date expires earlier in Kiritimati than in Pago Pago', () => {
    expect(streakStatus('2025-06-01', 'Pacific/Kiritimati', 0).streakExpiresAt).toBe(at('2025-06-02T10:00:00Z'));
    expect(streakStatus('2025-06-01', 'Pacific/Pago_Pago', 0).streakExpiresAt).toBe(at('2025-06-03T11:00:00Z'));
  });

  it('expires at the day start of last + 2: 04:00 EDT on New York spring-forward day 2026-03-08', () => {
    const fourAm = [{ effectiveFrom: '2026-01-01', minutes: 240 }];
    const expiresAt = at('2026-03-08T04:00:00-04:00');
    expect(streakStatus('2026-03-06', 'America/New_York', expiresAt - 1, 0, fourAm)).toEqual({ active: true, streakExpiresAt: expiresAt });
    expect(streakStatus('2026-03-06', 'America/New_York', expiresAt, 0, fourAm)).toEqual({ active: false, streakExpiresAt: expiresAt });
    // At midnight the same streak broke four real hours (three on the wall clock) earlier.
    expect(streakStatus('2026-03-06', 'America/New_York', expiresAt - 1).streakExpiresAt).toBe(at('2026-03-08T00:00:00-05:00'));
    // A freeze reaching one date further moves it to 04:00 on 03-09.
    expect(streakStatus('2026-03-06', 'America/New_York', 0, 1, fourAm).streakExpiresAt).toBe(at('2026-03-09T04:00:00-04:00'));
    // Only the minutes of the expiry date count: back to midnight from 03-08 on.
    const backToMidnight = [...fourAm, { effectiveFrom: '2026-03-08', minutes: 0 }];
    expect(streakStatus('2026-03-06', 'America/New_York', 0, 0, backToMidnight).streakExpiresAt).toBe(at('2026-03-08T00:00:00-05:00'));
  });

  it('is inactive with no expiry when there is no qualified date or no zone', () => {
    expect(streakStatus(null, 'UTC', 0)).toEqual({ active: false, streakExpiresAt: null });
    expect(streakStatus('2025-06-01', null, 0)).toEqual({ active: false, streakExpiresAt: null });
    expect(streakStatus('2025-06-01', 'Mars/Olympus', 0)).toEqual({ active: false, streakExpiresAt: null });
  });

  it('is active exactly while today is at most last + 1 (property)', () => {
    fc.assert(
      fc.property(zonedInstantArb, fc.integer({ min: -3, max: 3 }), ({ ms: nowMs, zone }, back) => {
        const today = localDateOf(nowMs, zone);
        // Not in the hour after a clock fell back across midnight (St. John's before 2011), when it shows yesterday again.
        fc.pre(startOfLocalDate(addDays(today, 1), zone) > nowMs);
        const last = addDays(today, back);
        const { active, streakExpiresAt } = streakStatus(last, zone, nowMs);
        expect(active).toBe(nowMs < (streakExpiresAt as number));
        expect(active).toBe(today <= addDays(last, 1));
      }),
      { numRuns: 300 },
    );
  });

  it('is active exactly while today, at the day start, is at most last + freezeReach + 1, fall-backs included (property)', () => {
    fc.assert(
      fc.property(
        zonedInstantArb.chain(({ zone, ms }) => changesAroundArb(localDateOf(ms, zone), 4, 2).map((changes) => ({ zone, ms, changes }))),
        fc.integer({ min: -3, max: 3 }),
        fc.integer({ min: 0, max: 2 }),
        ({ ms: nowMs, zone, changes }, back, reach) => {
          const today = dateAt(nowMs, zone, changes);
          const last = addDays(today, back);
          const { active, streakExpiresAt } = streakStatus(last, zone, nowMs, reach, changes);
          expect(streakExpiresAt).toBe(startOfDay(addDays(last, reach + 2), zone, changes));
          expect(active).toBe(today <= addDays(last, reach + 1));
        },
      ),
      { numRuns: 300 },
    );
  });
});
