import fc from 'fast-check';
import { sql } from 'slonik';
import { z } from 'zod';
import { recomputeAll, startOfLocalDate, streakStatus, type SessionTimes } from '../../functions/src/domain';
import { streakEventSchema } from '../../functions/src/contract/streakEvent';
import { historyArb, zoneArb } from '../../functions/test/support/arbitraries';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { rebuildStreaks } from '../../functions/src/db/streakRebuild';
import { storedZoneSpeller } from '../../functions/test/support/storedZones';

const QUALIFY = 1800;
// PGlite ships its own, older tz database: Morocco's post-2018 rules differ from Node's ICU data there.
// Real PostgreSQL reads the system's (a close version); the full zone list runs against it.
const DIVERGENT_ZONES_IN_EMBEDDED = new Set(usesEmbeddedDatabase ? ['Africa/Casablanca'] : []);
const agreed = (zone: string) => !DIVERGENT_ZONES_IN_EMBEDDED.has(zone);
const iso = (ms: number) => new Date(ms).toISOString();

describe('rebuild_streaks agrees with the domain', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  async function load(users: SessionTimes[][]): Promise<string[]> {
    for (const t of ['streak_outbox', 'user_streaks', 'streak_runs', 'daily_focus', 'focus_sessions', 'users']) await db.pool.query(sql.unsafe`delete from ${sql.identifier([t])}`);
    const ids = users.map((_, i) => `u${i}`);
    await db.pool.query(sql.unsafe`insert into users (id) select unnest(${sql.array(ids, 'text')})`);
    // Zones as the write paths store them (CET as Europe/Brussels); the domain reads the names sent.
    const stored = await storedZoneSpeller(db.pool);
    const rows = users.flatMap((sessions, u) => sessions.map((s, i) => [`s${u}_${i}`, `u${u}`, iso(s.startMs), iso(s.endMs), stored(s.timeZone)]));
    await db.pool.query(sql.unsafe`
      insert into focus_sessions (session_id, user_id, start_time, end_time, timezone, source)
      select id, u, s, e, tz, 'backfill' from ${sql.unnest(rows, ['text', 'text', 'timestamptz', 'timestamptz', 'text'])} as t(id, u, s, e, tz)`);
    return ids;
  }

  it('builds the same credits, runs and streaks as recomputeAll for random histories in tricky zones', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(historyArb.map((h) => h.filter((s) => s.endMs > s.startMs && agreed(s.timeZone))), { minLength: 1, maxLength: 3 }), async (users) => {
        const ids = await load(users);
        await rebuildStreaks(db.pool, ids, { qualifySeconds: QUALIFY, project: true });
        for (const [u, sessions] of users.entries()) {
          const expected = recomputeAll(sessions, QUALIFY);
          const credits = await db.pool.any(sql.type(z.object({ d: z.string(), s: z.number() }))`
            select to_char(local_date, 'YYYY-MM-DD') as d, focus_seconds as s from daily_focus where user_id = ${`u${u}`} order by local_date`);
          expect(credits.map((c) => [c.d, c.s])).toEqual([...expected.credits]);
          const runs = await db.pool.any(sql.type(z.object({ start: z.string(), end: z.string() }))`
            select to_char(start_date, 'YYYY-MM-DD') as start, to_char(end_date, 'YYYY-MM-DD') as end from streak_runs where user_id = ${`u${u}`} order by start_date`);
          expect(runs).toEqual(expected.runs);
          const streak = await db.pool.maybeOne(sql.type(z.object({ currentStreak: z.number(), longestStreak: z.number(), lastQualifiedDate: z.string().nullable(), qualifiedDaysCount: z.number() }))`
            select current_streak as "currentStreak", longest_streak as "longestStreak",
                   to_char(last_qualified_date, 'YYYY-MM-DD') as "lastQualifiedDate", qualified_days_count as "qualifiedDaysCount"
            from user_streaks where user_id = ${`u${u}`}`);
          expect(streak).toEqual(sessions.length === 0 ? null : expected.streak);
        }
      }),
      { numRuns: usesEmbeddedDatabase ? 40 : 150 },
    );
  });

  it('finds the first instant of a local date like startOfLocalDate, also where midnight repeats or is skipped', async () => {
    const dateArb = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2036, 0, 1) }).map((ms) => iso(ms).slice(0, 10));
    const cases = fc.sample(fc.tuple(dateArb, zoneArb.filter(agreed)), usesEmbeddedDatabase ? 400 : 2000);
    const fixed: Array<[string, string]> = [
      ['2025-11-02', 'America/Havana'], ['2011-12-30', 'Pacific/Apia'], ['2011-12-31', 'Pacific/Apia'],
      ['2010-11-07', 'America/St_Johns'], ['2025-09-07', 'America/Santiago'], ['2010-03-05', 'Antarctica/Casey'],
    ];
    const all = [...fixed, ...cases];
    const stored = await storedZoneSpeller(db.pool);
    const rows = await db.pool.any(sql.type(z.object({ ms: z.coerce.number() }))`
      select floor(extract(epoch from local_day_start(d, tz)) * 1000)::bigint as ms
      from ${sql.unnest(all.map(([d, zone]) => [d, stored(zone)]), ['date', 'text'])} with ordinality as t(d, tz, n) order by n`);
    expect(rows.map((r) => r.ms)).toEqual(all.map(([d, z]) => startOfLocalDate(d, z)));
  });

  it('bumps versions and queues outbox rows only when a streak changes, with the event contract as payload', async () => {
    const day = Date.UTC(2024, 2, 9, 15);
    const ids = await load([[{ startMs: day, endMs: day + 40 * 60_000, timeZone: 'America/New_York' }], []]);
    const first = await rebuildStreaks(db.pool, ids, { qualifySeconds: QUALIFY, project: true });
    expect(first).toEqual([{ userId: 'u0', version: 1 }]);
    expect(await rebuildStreaks(db.pool, ids, { qualifySeconds: QUALIFY, project: true })).toEqual([]);
    const payloads = await db.pool.anyFirst(sql.type(z.object({ payload: z.unknown() }))`select payload from streak_outbox`);
    expect(payloads).toHaveLength(1);
    const event = streakEventSchema.parse(payloads[0]);
    expect(event).toMatchObject({ userId: 'u0', version: 1, currentStreak: 1, lastQualifiedDate: '2024-03-09', timezone: 'America/New_York' });
    expect(event.streakExpiresAt).toBe(iso(streakStatus('2024-03-09', 'America/New_York', day).streakExpiresAt as number));
    // A higher threshold un-qualifies the date: a change, so a new version.
    expect(await rebuildStreaks(db.pool, ids, { qualifySeconds: 3600, project: false })).toEqual([{ userId: 'u0', version: 2 }]);
    expect(await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from streak_outbox`)).toBe(1);
  });
});
