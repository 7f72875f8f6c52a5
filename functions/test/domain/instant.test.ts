import { parseInstant } from '../../src/domain';

describe('parseInstant', () => {
  it.each([
    ['2025-03-09T01:30:00-05:00', Date.UTC(2025, 2, 9, 6, 30)],
    ['2025-03-09T06:30:00.123Z', Date.UTC(2025, 2, 9, 6, 30, 0, 123)],
    ['2025-03-09T06:30Z', Date.UTC(2025, 2, 9, 6, 30)],
    ['2025-03-09T12:15:00+05:45', Date.UTC(2025, 2, 9, 6, 30)],
    ['2025-03-09T20:30:00+14:00', Date.UTC(2025, 2, 9, 6, 30)],
    ['2025-03-09T03:00:00-03:30', Date.UTC(2025, 2, 9, 6, 30)],
    ['2025-03-09T06:30:00+0000', Date.UTC(2025, 2, 9, 6, 30)],
    ['2025-03-09T06:30:00-00:00', Date.UTC(2025, 2, 9, 6, 30)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2025-03-09T06:30:00.123456789Z', Date.UTC(2025, 2, 9, 6, 30, 0, 123)],
    ['2025-03-09T06:30:00.5Z', Date.UTC(2025, 2, 9, 6, 30, 0, 500)],
  ])('reads %s as its instant', (text, ms) => {
    expect(parseInstant(text)).toBe(ms);
  });

  it('reads integer epoch milliseconds as themselves', () => {
    expect(parseInstant(1_741_501_800_000)).toBe(1_741_501_800_000);
    expect(parseInstant(0)).toBe(0);
  });

  it.each([
    ['a time without an offset', '2025-03-09T06:30:00'],
    ['a date alone', '2025-03-09'],
    ['February 30th', '2025-02-30T00:00:00Z'],
    ['February 29th of a common year', '2025-02-29T00:00:00Z'],
    ['hour 24', '2025-03-09T24:00:00Z'],
    ['minute 60', '2025-03-09T06:60:00Z'],
    ['a leap second', '2025-06-30T23:59:60Z'],
    ['an offset of 24 hours', '2025-03-09T06:30:00+24:00'],
    ['an offset with minute 60', '2025-03-09T06:30:00+05:60'],
    ['a space instead of T', '2025-03-09 06:30:00Z'],
    ['garbage', 'yesterday'],
    ['an empty string', ''],
    ['an epoch in a string', '1741501800000'],
    ['an RFC 2822 date', 'Sun, 09 Mar 2025 06:30:00 GMT'],
    ['trailing text', '2025-03-09T06:30:00Zjunk'],
  ])('rejects %s', (_what, text) => {
    expect(parseInstant(text)).toBeNull();
  });

  it('rejects numbers that are not integer epoch milliseconds', () => {
    for (const value of [Number.NaN, Infinity, -Infinity, 1.5, 8.64e15 + 1, 1e300]) expect(parseInstant(value)).toBeNull();
  });

  it('rejects values of other types', () => {
    for (const value of [null, undefined, true, {}, [], new Date(0), { seconds: 1, nanoseconds: 0 }]) {
      expect(parseInstant(value)).toBeNull();
    }
  });
});
