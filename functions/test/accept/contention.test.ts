import { performance } from 'node:perf_hooks';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../src/accept/acceptSession';
import { readConfig } from '../../src/config';
import { connect, type Database } from '../../src/db/pool';
import { readStreak } from '../../src/db/userStreaks';
import type { SessionTimes } from '../../src/domain';
import { statementCounter } from '../../../scripts/lib/bench/statementCounter';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';

// PGlite is one backend: it runs one statement at a time, so nothing ever contends there.
if (usesEmbeddedDatabase) console.info('contention.test.ts: skipped on the embedded database (one backend, no concurrency); set DATABASE_URL to run it');

const QUALIFY = 30 * 60;
const DAY = 86_400_000;
const START = Date.parse('2025-01-01T10:00:00-05:00');
/** Two 18-minute sessions a day: a day qualifies only once both are counted, so order matters. */
const sessionNo = (i: number): SessionTimes => {
  const startMs = START + Math.floor(i / 2) * DAY + (i % 2) * 20 * 60_000;
  return { startMs, endMs: startMs + 18 * 60_000, timeZone: 'America/New_York' };
};

let db: TestDatabase;
/** Four function instances: a pool of 10 each, every statement counted. */
let instances: Database[] = [];
let counted: Database;
const counter = statementCounter();
beforeAll(async () => {
  if (usesEmbeddedDatabase) return;
  db = await createTestDatabase();
  const config = readConfig({ ...process.env, DB_POOL_SIZE: '10' }).database;
  instances = await Promise.all([1, 2, 3, 4].map((i) => connect(config, db.url, `instance ${i}`, { interceptors: [counter.interceptor] })));
  counted = instances[0];
  // The zone list is read once per process: not part of any accept's cost.
  await Promise.all(instances.map((instance, i) => accept(instance, `warm-up-${i}`, 0)));
});
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.close()));
  await db?.close();
});

const accept = (on: Database, userId: string, i: number) =>
  acceptSession(on.pool, { userId, sessionId: `${userId}-${i}`, session: sessionNo(i), source: 'callable' }, { qualifySeconds: QUALIFY });

async function storedState(userId: string) {
  const credits = await db.pool.any(sql.type(z.object({ date: z.string(), seconds: z.number() }))`
    select local_date::text as date, focus_seconds as seconds from daily_focus where user_id = ${userId} order by local_date`);
  const runs = await db.pool.any(sql.type(z.object({ start: z.string(), end: z.string() }))`
    select start_date::text as start, end_date::text as end from streak_runs where user_id = ${userId} order by start_date`);
  const versions = await db.pool.anyFirst(sql.type(z.object({ version: z.coerce.number() }))`
    select version from streak_outbox where user_id = ${userId} order by version`);
  const { version: _v, updatedAt: _u, ...streak } = (await readStreak(db.pool, userId))!;
  return { credits, runs, streak, versions };
}

async function othersAlone(tag: string) {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 50 }, (_, u) => accept(counted, `${tag}-${u}`, 0)));
  return performance.now() - t0;
}

(usesEmbeddedDatabase ? describe.skip : describe)('one user\'s concurrent accepts on real PostgreSQL', () => {
  it.each([
    [50, 4],
    [200, 4],
    [200, 1],
  ])('%i concurrent accepts of one user through %i instance(s) cost one statement each, end in the sequential result, and 50 other users keep being served', async (n, spread) => {
    const sequential = `seq-${n}-${spread}`;
    const s0 = performance.now();
    for (let i = 0; i < n; i++) await accept(counted, sequential, i);
    const sequentialMs = performance.now() - s0;

    const hot = `hot-${n}-${spread}`;
    counter.watch(hot);
    const baselineMs = await othersAlone(`alone-${n}-${spread}`);
    const order = Array.from({ length: n }, (_, i) => i).sort(() => Math.random() - 0.5);
    const t0 = performance.now();
    let othersMs = 0;
    const [hotResults, otherResults] = await Promise.all([
      Promise.all(order.map((i, k) => accept(instances[k % spread], hot, i))),
      Promise.all(Array.from({ length: 50 }, (_, u) => accept(counted, `other-${n}-${spread}-${u}`, 0))).then((r) => ((othersMs = performance.now() - t0), r)),
    ]);
    const hotMs = performance.now() - t0;

    const statements = counter.of(hot);
    console.info(
      `contention N=${n} over ${spread} instance(s): ${statements} statements for ${n} accepts of one user (${(statements / n).toFixed(2)} per accept) in ${hotMs.toFixed(0)} ms; ` +
        `50 other users' accepts meanwhile in ${othersMs.toFixed(0)} ms (${((50 / othersMs) * 1000).toFixed(0)}/s), alone ${baselineMs.toFixed(0)} ms (${((50 / baselineMs) * 1000).toFixed(0)}/s); the same ${n} accepts one after another took ${sequentialMs.toFixed(0)} ms`,
    );
    expect(hotResults.every((r) => r.accepted)).toBe(true);
    expect(otherResults.every((r) => r.accepted)).toBe(true);
    // One round trip per accept however the user's accepts collide: the user's lock waits inside the statement.
    expect(statements).toBe(n);

    const [seq, par] = await Promise.all([storedState(sequential), storedState(hot)]);
    expect(par.credits).toEqual(seq.credits);
    expect(par.runs).toEqual(seq.runs);
    expect(par.streak).toEqual(seq.streak);
    expect(par.streak).toMatchObject({ currentStreak: n / 2, longestStreak: n / 2, qualifiedDaysCount: n / 2 });
    // Versions still go up one at a time, one outbox row each.
    expect(par.versions).toEqual(par.versions.map((_, i) => i + 1));
    // No connection leaves with the user's lock: a later accept of the user is not kept waiting.
    const held = await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      select count(*)::int as n from pg_locks
      where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`);
    expect(held).toBe(0);
  });
});
