import { performance } from 'node:perf_hooks';
import { sql } from 'slonik';
import { z } from 'zod';
import { deleteAccount } from '../../src/account/deleteAccount';
import { logs as accountLogs } from '../../src/account/logs';
import { acceptSession } from '../../src/accept/acceptSession';
import { readConfig } from '../../src/config';
import { rebuildStreaks } from '../../src/db/streakRebuild';
import { connect, type Database } from '../../src/db/pool';
import { silenceLogs } from '../support/silenceLogs';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';

// A deletion racing with accepts of the same user, on real PostgreSQL (PGlite is one backend, nothing
// races there). Whatever the interleaving, the user ends with either nothing, or exactly the sessions
// accepted after the deletion with every derived row agreeing with them: never a mix.
if (usesEmbeddedDatabase) console.info('deletionRace.test.ts: skipped on the embedded database (one backend, no concurrency); set DATABASE_URL to run it');

const DAY = 86_400_000;
const START = Date.parse('2025-01-01T08:00:00Z');
const QUALIFY = 30 * 60;

let db: TestDatabase;
/** Separate pools, as separate function instances have. */
let instances: Database[] = [];
beforeAll(async () => {
  if (usesEmbeddedDatabase) return;
  db = await createTestDatabase();
  const config = readConfig({ ...process.env, DB_POOL_SIZE: '6' }).database;
  instances = await Promise.all([1, 2, 3, 4].map((i) => connect(config, db.url, `instance ${i}`)));
});
beforeEach(() => silenceLogs(accountLogs));
afterAll(async () => {
  await Promise.all(instances.map((i) => i.close()));
  await db?.close();
});

/** Session `day`: 40 minutes on its own UTC date, so each qualifies alone. */
const accept = (instance: Database, userId: string, day: number) =>
  acceptSession(instance.pool, { userId, sessionId: `d${day}`, session: { startMs: START + day * DAY, endMs: START + day * DAY + 40 * 60_000, timeZone: 'UTC' }, source: 'callable' }, { qualifySeconds: QUALIFY });

const state = (userId: string) =>
  db.pool.one(sql.type(z.object({ sessions: z.array(z.object({ id: z.string(), afterDeletion: z.boolean() })), days: z.array(z.string()), seconds: z.array(z.number()), streak: z.object({ count: z.number(), version: z.number() }).nullable(), floor: z.number().nullable() }))`
    select coalesce((select json_agg(json_build_object('id', f.session_id, 'afterDeletion', f.created_at >= d.deleted_at) order by f.start_time)
                     from focus_sessions f left join deleted_users d on d.user_id = f.user_id where f.user_id = ${userId}), '[]') as sessions,
           coalesce((select json_agg(x.local_date::text order by x.local_date) from daily_focus x where x.user_id = ${userId}), '[]') as days,
           coalesce((select json_agg(x.focus_seconds order by x.local_date) from daily_focus x where x.user_id = ${userId}), '[]') as seconds,
           (select json_build_object('count', s.qualified_days_count, 'version', s.version) from user_streaks s where s.user_id = ${userId}) as streak,
           (select d.version_floor::int from deleted_users d where d.user_id = ${userId}) as floor`);

(usesEmbeddedDatabase ? describe.skip : describe)('a deletion racing with accepts of the same user (real PostgreSQL)', () => {
  it.each([0, 1, 10, 25])('ends with nothing or only what was accepted after it, never a mix (deletion once %i accepts committed)', async (deleteAfter) => {
    const userId = `racer-${deleteAfter}`;
    for (let day = 0; day < 20; day++) await accept(instances[0]!, userId, day);
    let committed = 0;
    let startDeletion!: () => void;
    const deletion = new Promise<void>((resolve) => (startDeletion = resolve)).then(() => deleteAccount(userId, { db: instances[3]!.pool, documents: null, now: Date.now, by: 'race' }));
    if (deleteAfter === 0) startDeletion();
    const outcomes = Array.from({ length: 40 }, (_, i) =>
      accept(instances[i % 3]!, userId, 20 + i).then(
        () => {
          if (++committed === deleteAfter) startDeletion();
          return { day: 20 + i, ok: true };
        },
        () => ({ day: 20 + i, ok: false }),
      ),
    );
    const [settled] = await Promise.all([Promise.all(outcomes), deletion]);
    const after = await state(userId);

    // Nothing from before the deletion survives, and what survives was written after it.
    expect(after.sessions.filter((s) => !s.afterDeletion)).toEqual([]);
    expect(after.sessions.some((s) => Number(s.id.slice(1)) < 20)).toBe(false);
    // Every surviving session was accepted; the derived rows are exactly those of the survivors.
    const accepted = new Set(settled.filter((o) => o.ok).map((o) => `d${o.day}`));
    expect(after.sessions.every((s) => accepted.has(s.id))).toBe(true);
    const expectedDays = after.sessions.map((s) => new Date(START + Number(s.id.slice(1)) * DAY).toISOString().slice(0, 10)).sort();
    expect(after.days).toEqual(expectedDays);
    expect(after.seconds.every((s) => s === 2400)).toBe(true);
    if (after.sessions.length === 0) {
      expect(after.streak).toBeNull();
    } else {
      expect(after.streak?.count).toBe(after.sessions.length);
      expect(after.streak!.version).toBeGreaterThan(after.floor!);
    }
    expect(after.floor).toBeGreaterThanOrEqual(20);
    console.info(`deletion race (once ${deleteAfter} accepts committed): ${settled.filter((o) => o.ok).length}/40 accepts succeeded, ${after.sessions.length} sessions survive, all accepted after the deletion; floor ${after.floor}, version ${after.streak?.version ?? '-'}`);
  });

  it('deletes a user with 10,000 sessions in one transaction (measured)', async () => {
    const userId = 'ten-thousand';
    await db.pool.query(sql.unsafe`insert into users (id) values (${userId})`);
    await db.pool.query(sql.unsafe`
      insert into focus_sessions (user_id, session_id, start_time, end_time, timezone, source)
      select ${userId}, 's' || i, timestamptz '2000-01-03 08:00Z' + i * interval '1 day', timestamptz '2000-01-03 08:45Z' + i * interval '1 day', 'UTC', 'backfill'
      from generate_series(1, 10000) as i`);
    await db.pool.transaction((tx) => rebuildStreaks(tx, [userId], { qualifySeconds: QUALIFY, project: true }));
    await db.pool.query(sql.unsafe`insert into users (id) values ('bystander')`);
    const before = await db.pool.one(sql.unsafe`select (select count(*)::int from daily_focus where user_id = ${userId}) as days, (select count(*)::int from streak_runs where user_id = ${userId}) as runs`);
    expect(before).toEqual({ days: 10000, runs: 1 });

    const t0 = performance.now();
    const result = await deleteAccount(userId, { db: db.pool, documents: null, now: Date.now, by: 'measure' });
    const ms = performance.now() - t0;
    expect(result.deleted).toEqual({ sessions: 10000, days: 10000, friendships: 0, requests: 0 });
    expect(await state(userId)).toMatchObject({ sessions: [], days: [], streak: null });
    expect(await db.pool.oneFirst(sql.unsafe`select count(*)::int from users where id = 'bystander'`)).toBe(1);
    console.info(`deleteAccount of a user with 10,000 sessions (10,000 days, SQL only): ${ms.toFixed(0)} ms`);
  });
});
