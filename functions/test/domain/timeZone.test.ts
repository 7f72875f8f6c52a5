import { isValidTimeZone, runtimeCanonicalTimeZone } from '../../src/domain';
import { TRICKY_ZONES } from '../support/arbitraries';

describe('isValidTimeZone', () => {
  it.each(['UTC', 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'Etc/GMT+12', 'America/Port-au-Prince', ...TRICKY_ZONES])(
    'accepts the IANA name %s',
    (name) => {
      expect(isValidTimeZone(name)).toBe(true);
    },
  );

  it.each(['Asia/Calcutta', 'US/Eastern', 'Europe/Kiev', 'America/Buenos_Aires', 'GMT', 'Etc/UTC'])('accepts the alias %s', (name) => {
    expect(isValidTimeZone(name)).toBe(true);
  });

  it.each(['', ' ', 'Mars/Olympus', 'Europe/Pariss', '+05:00', '-03:30', '+0545', 'UTC+1', 'Europe/Paris ', '/Europe/Paris', 'Europe//Paris', 'Europe/Paris/'])(
    'rejects %j',
    (name) => {
      expect(isValidTimeZone(name)).toBe(false);
    },
  );

  it('rejects values that are not strings', () => {
    for (const value of [null, undefined, 0, 330, {}, ['UTC']]) expect(isValidTimeZone(value)).toBe(false);
  });
});

describe('runtimeCanonicalTimeZone', () => {
  it('names the zone ICU resolves a name to, whatever its case, and null for a name it does not know', () => {
    expect(runtimeCanonicalTimeZone('Europe/Paris')).toBe('Europe/Paris');
    expect(runtimeCanonicalTimeZone('europe/paris')).toBe('Europe/Paris');
    for (const name of ['Mars/Olympus', '+05:00', '']) expect(runtimeCanonicalTimeZone(name)).toBeNull();
  });
});
