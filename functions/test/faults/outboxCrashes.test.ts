import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../src/accept/acceptSession';
import { readConfig } from '../../src/config';
import type { StreakEvent } from '../../src/contract/streakEvent';
import { connect, type Database } from '../../src/db/pool';
import { logs as outboxLogs } from '../../src/outbox/logs';
import type { StreakPublisher } from '../../src/outbox/publisher';
import { relayOutbox } from '../../src/outbox/relayOutbox';
import { handleStreakMessage } from '../../src/projection/handleStreakMessage';
import { InMemoryStreakStore } from '../../src/projection/InMemoryStreakStore';
import { logs as projectionLogs } from '../../src/projection/logs';
import { messageEvent } from '../support/messageEvent';
import { silenceLogs } from '../support/silenceLogs';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// Crashes around the outbox: the process dies between commit and publish, the publisher throws or
// never answers after the commit, and a relay's lease runs out while its publish is slow so a second
// relay publishes the same rows. Every change still reaches the (in-memory) projection, newest version wins.
const NOW = Date.parse('2025-03-10T12:00:00Z');
const DAY = 86_400_000;

/** Pub/Sub and the projector in one: an acknowledged publish is a delivery to streaks/{userId}. */
function projectingPublisher(store: InMemoryStreakStore, latencyMs = 0) {
  const published: StreakEvent[] = [];
  const publisher: StreakPublisher = {
    async publish(event) {
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
      await handleStreakMessage(messageEvent(event), { store: async () => store, now: () => Date.now() });
      published.push(event);
    },
  };
  return { publisher, published };
}

const crashing: StreakPublisher = { publish: async () => Promise.reject(new Error('process crashed after commit')) };
const silent: StreakPublisher = { publish: () => new Promise<void>(() => {}) };

let db: TestDatabase;
let second: Database;
beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 6 });
  second = await connect(readConfig({ ...process.env, DB_POOL_SIZE: '4' }).database, db.url, 'relay 2');
});
afterAll(async () => {
  await second?.close();
  await db?.close();
});
beforeEach(() => {
  silenceLogs(outboxLogs);
  silenceLogs(projectionLogs);
});
afterEach(() => jest.restoreAllMocks());

const streaks = () =>
  db.pool.any(
    sql.type(z.object({ userId: z.string(), version: z.coerce.number(), currentStreak: z.number(), longestStreak: z.number(), lastQualifiedDate: z.string().nullable(), qualifiedDaysCount: z.number() }))`
      select user_id as "userId", version, current_streak as "currentStreak", longest_streak as "longestStreak", last_qualified_date::text as "lastQualifiedDate", qualified_days_count as "qualifiedDaysCount"
      from user_streaks`,
  );
/** Every pending row due now, as if its backoff or lease had elapsed. */
const makeAllDue = (pool: Database['pool']) =>
  pool.query(sql.unsafe`update streak_outbox set next_attempt_at = now() - interval '1 millisecond' where published_at is null and superseded_at is null`);
const pending = () => db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from streak_outbox where published_at is null and superseded_at is null`);

/** Every user's projection equals their SQL streak: same version, same values. */
async function expectProjectionCurrent(store: InMemoryStreakStore, userPrefix: string): Promise<number> {
  const rows = (await streaks()).filter((r) => r.userId.startsWith(userPrefix));
  expect(rows.length).toBeGreaterThan(0);
  const stale = rows.filter((r) => {
    const doc = store.get(r.userId);
    return !doc || doc.version !== r.version || doc.currentStreak !== r.currentStreak || doc.longestStreak !== r.longestStreak || doc.lastQualifiedDate !== r.lastQualifiedDate || doc.qualifiedDaysCount !== r.qualifiedDaysCount;
  });
  expect(stale.map((r) => `${r.userId} v${r.version}: projected ${JSON.stringify(store.get(r.userId)?.version)}`)).toEqual([]);
  return rows.length;
}

const session = (userId: string, k: number) => ({
  userId,
  sessionId: `s-${k}`,
  session: { startMs: NOW - (40 - k) * DAY, endMs: NOW - (40 - k) * DAY + 35 * 60_000, timeZone: 'Europe/Paris' },
  source: 'callable' as const,
});

it('delivers every change committed before a crash, a throwing or a silent publisher, newest version last', async () => {
  const store = new InMemoryStreakStore();
  const healthy = projectingPublisher(store);
  const faults = ['dies', 'throws', 'never-answers', 'ok'] as const;
  const count: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: 12 }, async (_, u) => {
      for (let k = 0; k < 8; k++) {
        const fault = faults[(u + k) % faults.length] as (typeof faults)[number];
        count[fault] = (count[fault] ?? 0) + 1;
        const publisher = fault === 'throws' ? crashing : fault === 'never-answers' ? silent : healthy.publisher;
        // 'dies': the process is gone right after the commit, so the publish never happens at all.
        const publish = fault === 'dies' ? undefined : { publisher, timeoutMs: 100 };
        await acceptSession(db.pool, session(`crash-${u}`, k), { qualifySeconds: 1800, publish });
      }
    }),
  );
  const leftForRelay = await pending();
  expect(leftForRelay).toBeGreaterThan(0);

  // The scheduled relay runs later: backoffs and leases have elapsed by then.
  let passes = 0;
  while ((await pending()) > 0 && passes < 10) {
    await makeAllDue(db.pool);
    await relayOutbox(db.pool, healthy.publisher, { publishTimeoutMs: 1000, backoff: { baseMs: 1, maxMs: 5 } });
    passes++;
  }
  expect(await pending()).toBe(0);
  const users = await expectProjectionCurrent(store, 'crash-');
  // eslint-disable-next-line no-console
  console.log(`faults (commit then crash): ${Object.values(count).reduce((a, b) => a + b, 0)} accepts ${JSON.stringify(count)}; ${leftForRelay} rows left for the relay, settled in ${passes} passes; ${users} users projected at their newest version (${healthy.published.length} events published)`);
});

it('ends at the newest version when a lease expires during a slow publish and a second relay publishes the same rows', async () => {
  const store = new InMemoryStreakStore();
  // Relay A publishes slowly (400 ms) under a 60 ms lease; relay B starts after the lease ran out, claims the
  // same rows and publishes them first, while writers add newer versions; A's acknowledgements land last.
  const slow = projectingPublisher(store, 400);
  const fast = projectingPublisher(store, 5);
  const options = { batchSize: 50, leaseMs: 60, publishTimeoutMs: 2000, backoff: { baseMs: 1, maxMs: 5 } };
  const write = (round: number) =>
    Promise.all(Array.from({ length: 10 }, async (_, u) => acceptSession(db.pool, session(`lease-${u}`, round), { qualifySeconds: 1800 })));
  await write(0);
  await write(1);

  const relayA = relayOutbox(db.pool, slow.publisher, { ...options, maxBatches: 1 });
  await new Promise((r) => setTimeout(r, 150));
  // B's first pass takes the rows A is still publishing; newer versions are written while A still waits.
  await relayOutbox(second.pool, fast.publisher, options);
  const writer = (async () => {
    for (let round = 2; round < 6; round++) await write(round);
  })();
  const relayB = (async () => {
    await writer;
    let passes = 0;
    while ((await pending()) > 0 && passes++ < 50) {
      await makeAllDue(second.pool);
      await relayOutbox(second.pool, fast.publisher, options);
    }
  })();
  await Promise.all([relayA, writer, relayB]);
  await makeAllDue(db.pool);
  await relayOutbox(db.pool, fast.publisher, options);
  expect(await pending()).toBe(0);

  const users = await expectProjectionCurrent(store, 'lease-');
  const fastKeys = new Set(fast.published.map((e) => `${e.userId}#${e.version}`));
  const twice = slow.published.filter((e) => fastKeys.has(`${e.userId}#${e.version}`)).length;
  // eslint-disable-next-line no-console
  console.log(`faults (lease expired mid-publish): relay A published ${slow.published.length} slowly, relay B ${fast.published.length}; ${twice} versions published by both; ${store.writes} projection writes; ${users} users at their newest version`);
  // The fault really happened: a version went out from both relays.
  expect(twice).toBeGreaterThan(0);
});
