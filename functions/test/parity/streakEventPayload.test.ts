// Every path builds the streak-updated event in SQL (streak_event_payload, sql/functions): the write
// path, the rebuild and the reprojection. These properties pin it to the reference model's event
// (toStreakEvent, with the runtime's zone rules) field by field, nulls included.
import fc from 'fast-check';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../src/accept/acceptSession';
import { streakEventSchema } from '../../src/contract/streakEvent';
import { toStreakEvent, type StreakEventSource } from './referenceStreakEvent';
import { latestSession, recomputeAll, type SessionEnd } from '../../src/domain';
import { FROM_MS, instantArb } from '../support/arbitraries';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';
import { agreedZoneArb, iso, loadUsers, newRunPrefix, QUALIFY, readStoredStreak, rebuild, tiedHistoryArb, withSessionTimeZone, type ParitySession } from './parityFixtures';
import { storedZoneSpeller } from '../support/storedZones';

// The event's updatedAt comes from the row, so "now" only decides `active`, which the event lacks.
const NOW_MS = Date.UTC(2030, 0, 1);
const outboxRow = z.object({ userId: z.string(), version: z.coerce.number(), payload: z.unknown() });

describe('the streak event SQL writes equals toStreakEvent', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  const outbox = (userIds: readonly string[], minId: number) =>
    db.pool.any(sql.type(outboxRow)`
      select user_id as "userId", version, payload from streak_outbox
      where user_id = any (${sql.array([...userIds], 'text')}) and id > ${minId} order by user_id, version`);
  const lastOutboxId = () => db.pool.oneFirst(sql.type(z.object({ id: z.coerce.number() }))`select coalesce(max(id), 0) as id from streak_outbox`);

  it('streak_event_payload of any stored row, nulls and version 0 included', async () => {
    const stored = await storedZoneSpeller(db.pool);
    const dateArb = instantArb.map((ms) => iso(ms).slice(0, 10));
    const rowArb = fc.record({
      currentStreak: fc.nat({ max: 5000 }),
      longestStreak: fc.nat({ max: 5000 }),
      lastQualifiedDate: fc.option(dateArb, { nil: null }),
      qualifiedDaysCount: fc.nat({ max: 5000 }),
      timezone: fc.option(agreedZoneArb.map(stored), { nil: null }),
      version: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 40 })),
      updatedAt: fc.integer({ min: FROM_MS, max: Date.UTC(2036, 0, 1) }).map(iso),
      freezesAvailable: fc.nat({ max: 100 }),
      frozenDates: fc.uniqueArray(dateArb, { maxLength: 31 }).map((dates) => dates.sort()),
      freezeReach: fc.nat({ max: 10 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 50 }), agreedZoneArb, async (rows, serverZone) => {
        const payloads = await withSessionTimeZone(db.pool, serverZone, (connection) =>
          connection.anyFirst(sql.type(z.object({ payload: z.unknown() }))`
            select streak_event_payload(jsonb_populate_record(null::user_streaks, r.row || jsonb_build_object('user_id', 'u' || r.n))) as payload
            from jsonb_array_elements(${sql.jsonb(rows.map(toRowJson))}) with ordinality as r(row, n) order by r.n`),
        );
        expect(payloads).toStrictEqual(rows.map((row, i) => toStreakEvent(`u${i + 1}`, row, NOW_MS)));
      }),
      { numRuns: usesEmbeddedDatabase ? 40 : 150 },
    );
  });

  it('rebuild_streaks, then enqueue_streak_projection, queue the event toStreakEvent builds from the domain state', async () => {
    // A threshold no day can reach gives a user with sessions and no qualified date.
    const qualifyArb = fc.constantFrom(QUALIFY, QUALIFY, 1_000_000);
    const storedZone = await storedZoneSpeller(db.pool);
    const usersArb = fc.array(fc.oneof({ weight: 4, arbitrary: tiedHistoryArb }, { weight: 1, arbitrary: fc.constant<ParitySession[]>([]) }), { minLength: 1, maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(usersArb, qualifyArb, agreedZoneArb, fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), async (histories, qualifySeconds, serverZone, published) => {
        const users = await loadUsers(db.pool, newRunPrefix(), histories);
        const ids = users.map((u) => u.userId);
        // A streak row at version 0 (never computed): neither the rebuild nor the reprojection queues it.
        const neverComputed = `${ids[0]}-v0`;
        await db.pool.query(sql.unsafe`insert into users (id) values (${neverComputed})`);
        await db.pool.query(sql.unsafe`insert into user_streaks (user_id) values (${neverComputed})`);
        const withRows = users.filter((u) => u.sessions.length > 0);
        const expectedState = (sessions: readonly ParitySession[], stored: StreakEventSource): StreakEventSource => ({
          ...recomputeAll(sessions, qualifySeconds).streak,
          timezone: storedZone((sessions.reduce<SessionEnd | null>((l, s) => latestSession(l, s), null) as SessionEnd).timeZone),
          version: stored.version,
          updatedAt: stored.updatedAt,
        });

        const before = await lastOutboxId();
        const rebuilt = await withSessionTimeZone(db.pool, serverZone, (c) => rebuild(c, [...ids, neverComputed], { qualifySeconds }));
        expect(rebuilt).toEqual(withRows.map((u) => ({ userId: u.userId, version: 1 })));
        const queued = await outbox([...ids, neverComputed], before);
        expect(queued.map((q) => [q.userId, q.version])).toEqual(withRows.map((u) => [u.userId, 1]));
        for (const [i, u] of withRows.entries()) {
          const stored = (await readStoredStreak(db.pool, u.userId)) as StreakEventSource;
          expect(stored).toEqual(expectedState(u.sessions, stored));
          expect(streakEventSchema.parse(queued[i]?.payload)).toStrictEqual(toStreakEvent(u.userId, stored, NOW_MS));
        }

        // Reprojection skips what still waits in the outbox and version 0; the rest moves one version on.
        const relayed = withRows.filter((_, i) => published[i]);
        await db.pool.query(sql.unsafe`update streak_outbox set published_at = now() where user_id = any (${sql.array(relayed.map((u) => u.userId), 'text')})`);
        const beforeProjection = await lastOutboxId();
        await withSessionTimeZone(db.pool, serverZone, (c) => c.query(sql.unsafe`select * from enqueue_streak_projection(${sql.array([...ids, neverComputed], 'text')})`));
        const projected = await outbox([...ids, neverComputed], beforeProjection);
        expect(projected.map((q) => [q.userId, q.version])).toEqual(relayed.map((u) => [u.userId, 2]));
        for (const [i, u] of relayed.entries()) {
          const stored = (await readStoredStreak(db.pool, u.userId)) as StreakEventSource;
          expect(stored).toEqual(expectedState(u.sessions, { ...stored, version: 2 }));
          expect(streakEventSchema.parse(projected[i]?.payload)).toStrictEqual(toStreakEvent(u.userId, stored, NOW_MS));
        }
      }),
      { numRuns: usesEmbeddedDatabase ? 20 : 60 },
    );
  });

  it('the write path queues the same event streak_event_payload builds from the row it wrote', async () => {
    await fc.assert(
      fc.asyncProperty(tiedHistoryArb.filter((h) => h.length > 0), async (sessions) => {
        const userId = `${newRunPrefix()}-w`;
        for (const s of sessions) {
          await acceptSession(db.pool, { userId, sessionId: `${userId}-${s.sessionId}`, session: s, source: 'callable' }, { qualifySeconds: QUALIFY });
        }
        const [written, fromSql] = await Promise.all([
          db.pool.oneFirst(sql.type(z.object({ payload: z.unknown() }))`
            select payload from streak_outbox where user_id = ${userId} order by version desc limit 1`),
          db.pool.oneFirst(sql.type(z.object({ payload: z.unknown() }))`
            select streak_event_payload(s) as payload from user_streaks s where s.user_id = ${userId}`),
        ]);
        expect(fromSql).toStrictEqual(written);
      }),
      { numRuns: usesEmbeddedDatabase ? 15 : 50 },
    );
  });
});

function toRowJson(row: StreakEventSource) {
  return {
    current_streak: row.currentStreak,
    longest_streak: row.longestStreak,
    last_qualified_date: row.lastQualifiedDate,
    qualified_days_count: row.qualifiedDaysCount,
    timezone: row.timezone,
    version: row.version,
    updated_at: row.updatedAt,
    frozen_dates: row.frozenDates ?? [],
    freezes_available: row.freezesAvailable ?? 0,
    freeze_reach: row.freezeReach ?? 0,
  };
}
