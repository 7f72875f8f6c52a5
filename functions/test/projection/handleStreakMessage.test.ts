import fc from 'fast-check';
import { handleStreakMessage, MAX_EVENT_AGE_MS } from '../../src/projection/handleStreakMessage';
import { InMemoryStreakStore } from '../../src/projection/InMemoryStreakStore';
import { logs } from '../../src/projection/logs';
import { toStreakDocument } from '../../src/projection/streakDocument';
import type { StreakStore } from '../../src/projection/streakStore';
import { streakEvent } from '../support/streakEvent';
import { silenceLogs } from '../support/silenceLogs';
import { messageEvent } from '../support/messageEvent';

const expectedDocument = (userId: string, version: number) => toStreakDocument(streakEvent(userId, version), (d) => d);

describe('the streak projector', () => {
  let store: InMemoryStreakStore;
  const deps = () => ({ store: async () => store });
  const deliver = (userId: string, version: number) => handleStreakMessage(messageEvent(streakEvent(userId, version)), deps());

  beforeEach(() => {
    store = new InMemoryStreakStore();
    silenceLogs(logs);
  });
  afterEach(() => jest.restoreAllMocks());

  it('writes streaks/{userId} with timestamps for updatedAt and streakExpiresAt and the local date as a string', async () => {
    await expect(deliver('ada', 1)).resolves.toEqual({ outcome: 'written', userId: 'ada', version: 1 });
    const doc = store.get('ada')!;
    expect(doc).toEqual(expectedDocument('ada', 1));
    expect(doc.updatedAt).toBeInstanceOf(Date);
    expect(doc.streakExpiresAt).toEqual(new Date(streakEvent('ada', 1).streakExpiresAt!));
    expect(doc.lastQualifiedDate).toBe(streakEvent('ada', 1).lastQualifiedDate);
  });

  it('keeps null instants null for a user without a qualified day', async () => {
    const empty = { ...streakEvent('ada', 1), lastQualifiedDate: null, streakExpiresAt: null, timezone: null, currentStreak: 0, longestStreak: 0, qualifiedDaysCount: 0 };
    await handleStreakMessage(messageEvent(empty), deps());
    expect(store.get('ada')).toMatchObject({ lastQualifiedDate: null, streakExpiresAt: null, timezone: null });
  });

  it('ends at the newest version for in-order deliveries', async () => {
    for (let v = 1; v <= 20; v++) await deliver('ada', v);
    expect(store.get('ada')).toEqual(expectedDocument('ada', 20));
    expect(store.writes).toBe(20);
  });

  it('ignores older versions delivered after newer ones (reversed order)', async () => {
    for (let v = 20; v >= 1; v--) await deliver('ada', v);
    expect(store.get('ada')).toEqual(expectedDocument('ada', 20));
    expect(store.writes).toBe(1);
  });

  it('treats a duplicate delivery as a no-op', async () => {
    await deliver('ada', 3);
    await expect(deliver('ada', 3)).resolves.toEqual({ outcome: 'unchanged', userId: 'ada', version: 3, storedVersion: 3 });
    expect(store.writes).toBe(1);
  });

  it('keeps users apart when their deliveries interleave', async () => {
    for (let v = 1; v <= 10; v++) {
      await deliver('ada', v);
      await deliver('bob', 11 - v);
    }
    expect(store.get('ada')).toEqual(expectedDocument('ada', 10));
    expect(store.get('bob')).toEqual(expectedDocument('bob', 10));
  });

  it('always ends at the newest version, whatever the order, duplicates and interleaving of deliveries', async () => {
    const deliveries = fc
      .record({ users: fc.integer({ min: 1, max: 4 }), versions: fc.integer({ min: 1, max: 40 }) })
      .chain(({ users, versions }) => {
        const all = Array.from({ length: users }, (_, u) => Array.from({ length: versions }, (_, v) => ({ userId: `u${u}`, version: v + 1 }))).flat();
        return fc
          .array(fc.constantFrom(...all), { maxLength: all.length })
          .chain((duplicates) => fc.shuffledSubarray([...all, ...duplicates], { minLength: all.length + duplicates.length }))
          .map((order) => ({ users, versions, order }));
      });
    await fc.assert(
      fc.asyncProperty(deliveries, fc.boolean(), async ({ users, versions, order }, concurrently) => {
        store = new InMemoryStreakStore();
        if (concurrently) await Promise.all(order.map((d) => deliver(d.userId, d.version)));
        else for (const d of order) await deliver(d.userId, d.version);
        for (let u = 0; u < users; u++) expect(store.get(`u${u}`)).toEqual(expectedDocument(`u${u}`, versions));
        expect(store.userIds()).toHaveLength(users);
      }),
      { numRuns: 200 },
    );
  });

  describe('drops and logs, never retries, a malformed message', () => {
    const cases: Array<[string, ReturnType<typeof messageEvent>, string]> = [
      ['data that is not JSON', messageEvent('{"userId": "ada", '), 'not-json'],
      ['an empty message', { time: new Date().toISOString(), data: { message: {} } }, 'not-json'],
      ['a missing field', messageEvent({ ...streakEvent('ada', 1), currentStreak: undefined }), 'invalid-event'],
      ['an unknown field', messageEvent({ ...streakEvent('ada', 1), bonus: 1 }), 'invalid-event'],
      ['a version of zero', messageEvent({ ...streakEvent('ada', 1), version: 0 }), 'invalid-event'],
      ['a date that is not YYYY-MM-DD', messageEvent({ ...streakEvent('ada', 1), lastQualifiedDate: '03/01/2025' }), 'invalid-event'],
      ['a JSON array', messageEvent([streakEvent('ada', 1)]), 'invalid-event'],
      ['attributes that contradict the data', messageEvent(streakEvent('ada', 2), { attributes: { userId: 'ada', version: '3' } }), 'attributes-mismatch'],
    ];
    it.each(cases)('%s', async (_, event, reason) => {
      const storeFactory = jest.fn(async (): Promise<StreakStore> => store);
      await expect(handleStreakMessage(event, { store: storeFactory })).resolves.toEqual({ outcome: 'malformed' });
      expect(logs.malformedMessage).toHaveBeenCalledTimes(1);
      expect(logs.malformedMessage).toHaveBeenCalledWith(event.data?.message?.messageId, reason, expect.any(Array));
      // Nothing was written, and no Firestore client was even built for it.
      expect(storeFactory).not.toHaveBeenCalled();
    });
  });

  it('accepts a message without attributes, as the contract makes data authoritative', async () => {
    await expect(handleStreakMessage(messageEvent(streakEvent('ada', 1), { attributes: {} }), deps())).resolves.toMatchObject({ outcome: 'written' });
  });

  it('drops a message older than the maximum event age, with a log, instead of retrying it', async () => {
    const now = Date.parse('2025-03-10T12:00:00Z');
    const old = messageEvent(streakEvent('ada', 1), { time: new Date(now - MAX_EVENT_AGE_MS - 1000).toISOString() });
    await expect(handleStreakMessage(old, { ...deps(), now: () => now })).resolves.toEqual({ outcome: 'stale' });
    expect(logs.staleMessage).toHaveBeenCalledTimes(1);
    expect(store.get('ada')).toBeUndefined();

    const recent = messageEvent(streakEvent('ada', 1), { time: new Date(now - MAX_EVENT_AGE_MS + 60_000).toISOString() });
    await expect(handleStreakMessage(recent, { ...deps(), now: () => now })).resolves.toMatchObject({ outcome: 'written' });
  });

  it('throws when the store fails, so Pub/Sub delivers the message again', async () => {
    const failing: StreakStore = { writeIfNewer: async () => Promise.reject(new Error('14 UNAVAILABLE')) };
    await expect(handleStreakMessage(messageEvent(streakEvent('ada', 1)), { store: async () => failing })).rejects.toThrow('UNAVAILABLE');
  });
});
