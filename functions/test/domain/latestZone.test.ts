import fc from 'fast-check';
import { latestSession, latestZone, type SessionEnd } from '../../src/domain';
import { zoneArb } from '../support/arbitraries';

const end = (sessionId: string, endMs: number, timeZone: string): SessionEnd => ({ sessionId, endMs, timeZone });

describe('latestZone', () => {
  it('takes the zone of the session that ends later, whichever arrives first', () => {
    expect(latestZone(end('a', 2_000, 'Asia/Tokyo'), end('b', 1_000, 'Europe/Paris'))).toBe('Asia/Tokyo');
    expect(latestZone(end('b', 1_000, 'Europe/Paris'), end('a', 2_000, 'Asia/Tokyo'))).toBe('Asia/Tokyo');
  });

  it('gives equal ends to the higher sessionId, in code-unit order', () => {
    expect(latestZone(end('B', 1_000, 'Asia/Tokyo'), end('a', 1_000, 'Europe/Paris'))).toBe('Europe/Paris');
    expect(latestZone(end('_', 1_000, 'Asia/Tokyo'), end('Z', 1_000, 'Europe/Paris'))).toBe('Asia/Tokyo');
    expect(latestZone(end('-', 1_000, 'Asia/Tokyo'), end('0', 1_000, 'Europe/Paris'))).toBe('Europe/Paris');
  });

  it('takes the incoming zone for a user with no stored session', () => {
    expect(latestZone(null, end('a', 1_000, 'America/Havana'))).toBe('America/Havana');
  });

  it('picks the same session whatever the arrival order', () => {
    const sessionsArb = fc.uniqueArray(
      fc.record({ sessionId: fc.stringMatching(/^[A-Za-z0-9_-]{1,2}$/), endMs: fc.integer({ min: 0, max: 3 }), timeZone: zoneArb }),
      { selector: (s) => s.sessionId, minLength: 1, maxLength: 8 },
    );
    fc.assert(
      fc.property(sessionsArb.chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length }))), ([sessions, shuffled]) => {
        const fold = (list: SessionEnd[]) => list.reduce<SessionEnd | null>((latest, s) => latestSession(latest, s), null);
        expect(fold(shuffled)).toBe(fold(sessions));
      }),
    );
  });
});
