import fc from 'fast-check';
import { acceptSession } from '../../src/accept/acceptSession';
import { toStreak } from '../../src/accept/toStreak';
import { readStreak } from '../../src/db/userStreaks';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';
import { relayOutbox } from '../../src/outbox/relayOutbox';
import { handleStreakMessage } from '../../src/projection/handleStreakMessage';
import { InMemoryStreakStore } from '../../src/projection/InMemoryStreakStore';
import { messageEvent } from '../support/messageEvent';
import { logs as outboxLogs } from '../../src/outbox/logs';
import { logs as projectionLogs } from '../../src/projection/logs';
import { silenceLogs } from '../support/silenceLogs';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// SQL's truth reaches the apps: accept → outbox → relay → Pub/Sub (in memory) → projector → streaks/{uid}.
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});
beforeEach(() => {
  silenceLogs(outboxLogs);
  silenceLogs(projectionLogs);
});

const DAY = 86_400_000;
const NOW = Date.parse('2025-07-01T12:00:00Z');

it('ends with streaks/{uid} equal to getMyStreak, whatever order and duplicates Pub/Sub delivers', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ day: fc.integer({ min: 0, max: 12 }), minutes: fc.integer({ min: 5, max: 90 }) }), { minLength: 1, maxLength: 10 }),
      fc.infiniteStream(fc.nat()),
      async (days, coins) => {
        const uid = `proj-${Math.random().toString(36).slice(2)}`;
        for (const [i, { day, minutes }] of days.entries()) {
          const startMs = Date.parse('2025-06-01T08:00:00Z') + day * DAY + i * 100 * 60_000;
          await acceptSession(db.pool, { userId: uid, sessionId: `${uid}-${i}`, session: { startMs, endMs: startMs + minutes * 60_000, timeZone: 'Europe/Paris' }, source: 'callable' }, { qualifySeconds: 1800 });
        }
        // Nothing was published at accept time (as if Pub/Sub were down): the relay does it.
        const publisher = new InMemoryPublisher();
        await relayOutbox(db.pool, publisher, { batchSize: 50 });
        const events = publisher.publishedFor(uid);
        expect(events.length).toBeGreaterThan(0);

        const store = new InMemoryStreakStore();
        const deliveries = [...events, ...events.slice(0, 2)].map((e) => ({ e, k: coins.next().value as number })).sort((a, b) => a.k - b.k);
        for (const { e } of deliveries) await handleStreakMessage(messageEvent(e, { time: new Date(NOW).toISOString() }), { store: async () => store, now: () => NOW });

        const sql = toStreak(uid, await readStreak(db.pool, uid), NOW);
        const doc = store.get(uid);
        expect(doc).toMatchObject({
          userId: uid,
          version: sql.version,
          currentStreak: sql.currentStreak,
          longestStreak: sql.longestStreak,
          lastQualifiedDate: sql.lastQualifiedDate,
          qualifiedDaysCount: sql.qualifiedDaysCount,
          timezone: sql.timezone,
        });
        expect(doc?.streakExpiresAt === null ? null : (doc?.streakExpiresAt as Date).toISOString()).toBe(sql.streakExpiresAt);
      },
    ),
    { numRuns: 15 },
  );
});
