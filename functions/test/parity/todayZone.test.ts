// The streak rules run in PostgreSQL, on every path (accept_session one session at a time,
// rebuild_streaks set-based); the TypeScript domain is the reference model they are held to. The
// properties in this folder pin every rule of the SQL engine to the model, so the two cannot drift.
import fc from 'fast-check';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../src/accept/acceptSession';
import { latestSession, type SessionEnd } from '../../src/domain';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';
import { agreedZoneArb, loadUsers, newRunPrefix, QUALIFY, readStoredStreak, rebuild, tiedHistoryArb, withSessionTimeZone, type ParitySession } from './parityFixtures';
import { storedZoneSpeller } from '../support/storedZones';

const todayZone = (sessions: readonly ParitySession[]): SessionEnd | null =>
  sessions.reduce<SessionEnd | null>((latest, s) => latestSession(latest, s), null);

describe("today's zone: SQL agrees with the domain's latestSession", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  it('rebuild_streaks picks the session with the latest end, equal ends by the highest id', async () => {
    const stored = await storedZoneSpeller(db.pool);
    await fc.assert(
      fc.asyncProperty(fc.array(tiedHistoryArb, { minLength: 1, maxLength: 3 }), agreedZoneArb, async (histories, serverZone) => {
        const users = await loadUsers(db.pool, newRunPrefix(), histories);
        await withSessionTimeZone(db.pool, serverZone, (connection) => rebuild(connection, users.map((u) => u.userId)));
        for (const { userId, sessions } of users) {
          const expected = todayZone(sessions);
          const row = await db.pool.one(sql.type(z.object({ users: z.string().nullable(), streaks: z.string().nullable() }))`
            select u.timezone as users, s.timezone as streaks
            from users u left join user_streaks s on s.user_id = u.id where u.id = ${userId}`);
          const zone = expected ? stored(expected.timeZone) : null;
          expect(row).toEqual({ users: zone, streaks: zone });
        }
      }),
      { numRuns: usesEmbeddedDatabase ? 25 : 80 },
    );
  });

  it('leaves nothing for rebuild_streaks to change after the write path accepted the same sessions in any order', async () => {
    const arrivalArb = tiedHistoryArb.filter((h) => h.length > 0).chain((sessions) =>
      fc.shuffledSubarray(sessions, { minLength: sessions.length, maxLength: sessions.length }).map((order) => ({ sessions, order })),
    );
    const stored = await storedZoneSpeller(db.pool);
    await fc.assert(
      fc.asyncProperty(arrivalArb, async ({ sessions, order }) => {
        const userId = `${newRunPrefix()}-w`;
        // Session ids are unique per user in the write path; a common prefix keeps their order.
        const own = (s: ParitySession) => ({ ...s, sessionId: `${userId}-${s.sessionId}` });
        for (const s of order.map(own)) {
          await acceptSession(db.pool, { userId, sessionId: s.sessionId, session: s, source: 'backfill' }, { qualifySeconds: QUALIFY });
        }
        const accepted = await readStoredStreak(db.pool, userId);
        expect(accepted?.timezone).toBe(stored(todayZone(sessions.map(own))!.timeZone));
        expect(await rebuild(db.pool, [userId])).toEqual([]);
        expect(await readStoredStreak(db.pool, userId)).toEqual(accepted);
      }),
      { numRuns: usesEmbeddedDatabase ? 15 : 50 },
    );
  });
});
