import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { readConfig } from '../functions/src/config';
import { connect } from '../functions/src/db/pool';
import { percentiles } from './lib/bench/latency';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';
import { migrate } from './lib/migrate/migrator';
import { createScratchDatabase } from './lib/migrate/scratchDatabase';
import { readStatus } from './lib/status/readStatus';

// Benchmark (not a test): `npm run status` on a migration-sized database, generated set-based in a
// scratch database on DATABASE_URL's server. Its target: under 2 s, since every figure comes from an
// index or a small table and none from a scan of focus_sessions.
const spec: CliSpec = {
  name: 'bench:status',
  description: 'Build a scratch database with many sessions over 14 days, outbox rows and bridge rejects on DATABASE_URL; time `npm run status -- --json` (a fresh process each run) and the reading of its sections in process.',
  flags: [
    { flag: '--sessions', value: '<n>', int: { min: 1000, max: 100_000_000 }, default: 1_000_000, description: 'focus_sessions rows, arrived over the last 14 days' },
    { flag: '--users', value: '<n>', int: { min: 10, max: 10_000_000 }, default: 20_000, description: 'users' },
    { flag: '--outbox', value: '<n>', int: { min: 0, max: 100_000_000 }, default: 100_000, description: 'streak_outbox rows (one in ten pending)' },
    { flag: '--rejects', value: '<n>', int: { min: 0, max: 10_000_000 }, default: 5_000, description: 'bridge rejects of the last 14 days' },
    { flag: '--runs', value: '<n>', int: { min: 1, max: 1000 }, default: 5, description: 'timed runs of each kind' },
    { flag: '--keep', description: 'keep the scratch database (its name is printed)' },
  ],
};

const ROOT = path.resolve(__dirname, '..');
const DAY_MS = 86_400_000;
const any = z.object({}).passthrough();

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) {
    console.log(cli.text);
    return 0;
  }
  const flags = cli.values as { sessions: number; users: number; outbox: number; rejects: number; runs: number; keep?: boolean };
  const problems = [...cli.problems];
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) problems.push('set DATABASE_URL to a PostgreSQL server (a scratch database is created there)');
  if (problems.length > 0 || !serverUrl) throw new UsageError(problems, 'bench:status');

  const scratch = await createScratchDatabase(serverUrl, 'bench_status');
  console.log(`scratch database ${scratch.name}`);
  await migrate(scratch.url);
  const db = await connect({ ...readConfig().database, statementTimeoutMs: 3_600_000, poolSize: 2 }, scratch.url, scratch.name);
  const fromMs = Date.now() - 14 * DAY_MS;
  const from = new Date(fromMs).toISOString();
  try {
    const started = performance.now();
    await db.pool.transaction(async (tx) => {
      // A bulk load of rows whose references hold by construction: foreign key triggers are skipped.
      await tx.query(sql.unsafe`set local session_replication_role = replica`);
      await tx.query(sql.type(any)`
        insert into users (id, timezone) select 'u' || i, 'Europe/Paris' from generate_series(1, ${flags.users}) i`);
      // Sessions arrive evenly over the 14 days: half from the callables, a fifth from the bridge, the rest backfilled.
      await tx.query(sql.type(any)`
        insert into focus_sessions (user_id, session_id, start_time, end_time, timezone, source, created_at)
        select 'u' || (1 + i % ${flags.users}), 's' || i, t - interval '40 minutes', t, 'Europe/Paris',
               (array['callable', 'callable', 'callable', 'callable', 'callable', 'bridge', 'bridge', 'backfill', 'backfill', 'backfill'])[1 + i % 10], t
        from generate_series(1, ${flags.sessions}) i,
             lateral (select ${from}::timestamptz + (i::float8 / ${flags.sessions}) * interval '14 days' as t) a`);
      await tx.query(sql.type(any)`
        insert into streak_outbox (user_id, version, payload, created_at, published_at)
        select 'u' || (1 + i % ${flags.users}), i, '{}'::jsonb, c, case when i % 10 <> 0 then c + interval '1 second' end
        from generate_series(1, ${flags.outbox}) i,
             lateral (select ${from}::timestamptz + (i::float8 / greatest(${flags.outbox}, 1)) * interval '14 days' as c) a`);
      await tx.query(sql.type(any)`
        insert into backfill_rejects (run_id, document_path, reason, detail, created_at)
        select null, 'sessions/r' || i, (array['invalid_time', 'too_long', 'unknown_zone', 'deleted_user'])[1 + i % 4], 'bench',
               ${from}::timestamptz + (i::float8 / greatest(${flags.rejects}, 1)) * interval '14 days'
        from generate_series(1, ${flags.rejects}) i`);
      // The rows arrived after the migration set the rollup's watermark: move it back to before the first.
      await tx.query(sql.type(any)`delete from session_hours`);
      await tx.query(sql.type(any)`update session_hours_watermark set until = date_trunc('hour', ${from}::timestamptz, 'UTC')`);
    });
    await db.pool.query(sql.unsafe`vacuum analyze`);
    console.log(`generated ${flags.sessions.toLocaleString('en-US')} sessions of ${flags.users.toLocaleString('en-US')} users over 14 days, ${flags.outbox.toLocaleString('en-US')} outbox rows, ${flags.rejects.toLocaleString('en-US')} rejects in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const status = () => {
      const t = performance.now();
      const child = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'scripts/status.ts'), '--json'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, DATABASE_URL: scratch.url, METADATA_SERVER_DETECTION: 'none' },
      });
      const ms = performance.now() - t;
      if (child.status !== 0 && child.status !== 1) throw new Error(`npm run status failed (${child.status}):\n${child.stderr}`);
      const total = z.object({ sessions: z.object({ bySource: z.record(z.number()) }) }).parse(JSON.parse(child.stdout)).sessions.bySource;
      return { ms, sessions: Object.values(total).reduce((a, b) => a + b, 0) };
    };
    const first = status();
    console.log(`\nfirst status (rolls up 14 days of hours): ${first.ms.toFixed(0)} ms, ${first.sessions.toLocaleString('en-US')} sessions counted`);
    const runs = Array.from({ length: flags.runs }, () => status().ms);
    const p = percentiles(runs);
    console.log(`npm run status -- --json, a fresh process each: p50 ${p.p50} ms, max ${Math.max(...runs).toFixed(0)} ms over ${flags.runs} runs (target < 2,000 ms)`);
    const sections: number[] = [];
    for (let i = 0; i < flags.runs; i++) {
      const t = performance.now();
      await readStatus({ db, nowMs: Date.now(), writes: true });
      sections.push(performance.now() - t);
    }
    const s = percentiles(sections);
    console.log(`reading every section in process: p50 ${s.p50} ms, max ${Math.max(...sections).toFixed(0)} ms over ${flags.runs} runs (the rest is starting Node and tsx)`);
  } finally {
    await db.close();
    if (flags.keep) console.log(`kept ${scratch.name}`);
    else await scratch.drop();
  }
  return 0;
});
