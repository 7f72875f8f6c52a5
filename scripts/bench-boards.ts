import { sql } from 'slonik';
import { z } from 'zod';
import { readConfig } from '../functions/src/config';
import { boardStatement, type BoardKind } from '../functions/src/db/friendsLeaderboard';
import { connect } from '../functions/src/db/pool';
import { percentiles } from './lib/bench/latency';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';
import { migrate } from './lib/migrate/migrator';
import { createScratchDatabase } from './lib/migrate/scratchDatabase';

// Benchmark (not a test): the two friends leaderboard statements on a large database, generated
// set-based in a scratch database on DATABASE_URL's server: their plans (EXPLAIN ANALYZE, BUFFERS) and timings.
const spec: CliSpec = {
  name: 'bench:boards',
  description: 'Build a scratch database with many users, friendships and a year of daily focus on DATABASE_URL; print the plans and timings of both leaderboard statements.',
  flags: [
    { flag: '--users', value: '<n>', int: { min: 1000, max: 10_000_000 }, default: 100_000, description: 'users' },
    { flag: '--friendships', value: '<n>', int: { min: 2, max: 100_000_000 }, default: 1_000_000, description: 'friendships rows (each pair is stored in both directions)' },
    { flag: '--days', value: '<n>', int: { min: 7, max: 3650 }, default: 365, description: 'days of daily_focus per user (about 5 in 8 days hold focus)' },
    { flag: '--caller-friends', value: '<n>', int: { min: 1, max: 10_000 }, default: 500, description: 'friends of the measured caller (FRIENDS_MAX is 500)' },
    { flag: '--runs', value: '<n>', int: { min: 1, max: 100_000 }, default: 200, description: 'timed runs per board and caller' },
    { flag: '--keep', description: 'keep the scratch database (its name is printed)' },
  ],
};

const ZONES = ['America/New_York', 'America/Los_Angeles', 'Europe/Paris', 'Europe/London', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Sydney', 'America/Sao_Paulo', 'Asia/Kathmandu', 'Pacific/Kiritimati'];
const OFFSETS = [1, 7, 31, 101, 1009, 4001, 9973, 19997, 39989, 49999];
const any = z.object({}).passthrough();
const plan = z.object({ 'QUERY PLAN': z.string() });

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) {
    console.log(cli.text);
    return 0;
  }
  const flags = cli.values as { users: number; friendships: number; days: number; callerFriends: number; runs: number; keep?: boolean };
  const problems = [...cli.problems];
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) problems.push('set DATABASE_URL to a PostgreSQL server (a scratch database is created there)');
  const pairsPerUser = Math.round(flags.friendships / 2 / flags.users);
  if (pairsPerUser < 1 || pairsPerUser > OFFSETS.length) problems.push(`--friendships / --users must give 1..${OFFSETS.length} pairs per user`);
  if (problems.length > 0 || !serverUrl) throw new UsageError(problems, 'bench:boards');

  const scratch = await createScratchDatabase(serverUrl, 'bench_boards');
  console.log(`scratch database ${scratch.name}`);
  await migrate(scratch.url);
  const db = await connect({ ...readConfig().database, statementTimeoutMs: 3_600_000, poolSize: 2 }, scratch.url, scratch.name);
  const nowMs = Date.now();
  const today = new Date(nowMs).toISOString().slice(0, 10);
  const timed = async (label: string, work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    console.log(`  ${label.padEnd(34)} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  try {
    console.log(`generating ${flags.users.toLocaleString('en-US')} users, ~${flags.friendships.toLocaleString('en-US')} friendships rows, ${flags.days} days of focus (set-based):`);
    const offsets = OFFSETS.slice(0, pairsPerUser);
    await db.pool.transaction(async (tx) => {
      // A bulk load of rows whose references hold by construction: foreign key triggers are skipped.
      await tx.query(sql.unsafe`set local session_replication_role = replica`);
      await timed('users', () => tx.query(sql.type(any)`
        insert into users (id, timezone)
        select 'u' || lpad(i::text, 7, '0'), (${sql.array(ZONES, 'text')})[1 + i % ${ZONES.length}]
        from generate_series(1, ${flags.users}) i`));
      // Streaks: some alive, some expired (last qualified 0-3 days ago), ties on purpose (few distinct values).
      await timed('user_streaks', () => tx.query(sql.type(any)`
        insert into user_streaks (user_id, current_streak, longest_streak, last_qualified_date, qualified_days_count, timezone, version)
        select u.id, i % 40, i % 40 + i % 13, ${today}::date - (i % 4), i % 40 + i % 13 + 20, u.timezone, 1
        from users u, lateral (select substr(u.id, 2)::int as i) n`));
      await timed('friendships', () => tx.query(sql.type(any)`
        with pairs as (
          select i as a, ((i - 1 + o) % ${flags.users}) + 1 as b from generate_series(1, ${flags.users}) i, unnest(${sql.array(offsets, 'int4')}) o
          union
          select 1, 2 + ((k * 199) % (${flags.users} - 2)) from generate_series(0, ${flags.callerFriends} - 1) k
        ),
        ids as (select 'u' || lpad(a::text, 7, '0') as a, 'u' || lpad(b::text, 7, '0') as b from pairs where a <> b)
        insert into friendships (user_id, friend_id)
        select a, b from ids union select b, a from ids
        on conflict do nothing`));
      await timed('daily_focus', () => tx.query(sql.type(any)`
        insert into daily_focus (user_id, local_date, focus_seconds)
        select u.id, d.day, abs(hashtext(u.id || d.day::text)) % 7200
        from users u cross join (select (${today}::date - g) as day from generate_series(0, ${flags.days} - 1) g) d
        where abs(hashtext(d.day::text || u.id)) % 8 < 5
        order by 1, 2`));
    });
    await timed('vacuum analyze', () => db.pool.query(sql.unsafe`vacuum analyze`));
    const sizes = await db.pool.any(sql.type(z.object({ table: z.string(), rows: z.number(), size: z.string() }))`
      select c.relname as table, c.reltuples::bigint::float8 as rows, pg_size_pretty(pg_total_relation_size(c.oid)) as size
      from pg_class c where c.relname in ('users', 'user_streaks', 'friendships', 'friend_requests', 'daily_focus') order by c.relname`);
    for (const s of sizes) console.log(`  ${s.table.padEnd(14)} ${Math.round(s.rows).toLocaleString('en-US').padStart(12)} rows ${s.size.padStart(9)}`);

    const heavy = 'u0000001';
    const typical = `u${String(Math.floor(flags.users / 2)).padStart(7, '0')}`;
    const friendsOf = (id: string) => db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from friendships where user_id = ${id}`);
    console.log(`\ncallers: ${heavy} with ${await friendsOf(heavy)} friends, ${typical} with ${await friendsOf(typical)} friends; now ${new Date(nowMs).toISOString()}, limit 50`);
    for (const kind of ['streak', 'weekFocus'] as BoardKind[]) {
      const explained = await db.pool.anyFirst(sql.type(plan)`explain (analyze, buffers) ${boardStatement(kind, heavy, nowMs, 50)}`);
      console.log(`\nEXPLAIN (ANALYZE, BUFFERS) of the ${kind} board for ${heavy}:\n${explained.join('\n')}`);
    }
    console.log('\ntimings (statement round trip through the pool, after a warm-up):');
    for (const kind of ['streak', 'weekFocus'] as BoardKind[]) {
      for (const caller of [heavy, typical]) {
        for (let i = 0; i < 5; i++) await db.pool.any(boardStatement(kind, caller, nowMs, 50));
        const samples: number[] = [];
        for (let i = 0; i < flags.runs; i++) {
          const started = performance.now();
          await db.pool.any(boardStatement(kind, caller, nowMs, 50));
          samples.push(performance.now() - started);
        }
        const p = percentiles(samples);
        console.log(`  ${kind.padEnd(9)} ${caller} (${await friendsOf(caller)} friends): p50 ${p.p50} ms, p95 ${p.p95} ms, p99 ${p.p99} ms over ${flags.runs} runs`);
      }
    }
  } finally {
    await db.close();
    if (flags.keep) console.log(`kept ${scratch.name}`);
    else await scratch.drop();
  }
  return 0;
});
