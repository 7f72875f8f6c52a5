import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { acceptSession } from '../functions/src/accept/acceptSession';
import { readConfig } from '../functions/src/config';
import { connect, type Database } from '../functions/src/db/pool';
import { percentiles } from './lib/bench/latency';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';
import { migrate } from './lib/migrate/migrator';
import { createScratchDatabase } from './lib/migrate/scratchDatabase';

const spec: CliSpec = {
  name: 'bench:accept',
  description: 'Throughput and latency of the accept write path against DATABASE_URL, compared with pgbench -N on the same server.',
  flags: [
    { flag: '--users', value: '<n>', int: { min: 1, max: 10_000 }, default: 8, description: 'concurrent users, one in-flight session each' },
    { flag: '--seconds', value: '<n>', int: { min: 1, max: 86_400 }, default: 15, description: 'duration of each measured phase' },
    { flag: '--history-days', value: '<n>', int: { min: 1, max: 100_000 }, default: 1000, description: 'qualified days of history for the history-latency comparison' },
    { flag: '--samples', value: '<n>', int: { min: 1, max: 100_000 }, default: 300, description: 'sessions measured per user in the history comparison' },
    { flag: '--no-pgbench', description: 'skip the pgbench baseline' },
  ],
};

const DAY = 86_400_000;
const START = Date.parse('2020-01-01T12:00:00Z');
const QUALIFY = 30 * 60;

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  const opts = cli.values as { users: number; seconds: number; historyDays: number; samples: number; pgbench: boolean };
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) cli.problems.push('set DATABASE_URL to a PostgreSQL server (the benchmark creates and drops its own databases there)');
  if (cli.problems.length > 0 || !serverUrl) throw new UsageError(cli.problems, spec.name);

  const scratch = await createScratchDatabase(serverUrl, 'bench_accept');
  const config = readConfig({ ...process.env, DB_POOL_SIZE: String(opts.users + 2), DB_STATEMENT_TIMEOUT_MS: '30000' }).database;
  let db: Database | undefined;
  try {
    await migrate(scratch.url);
    db = await connect(config, scratch.url, scratch.name);
    console.log(`accept: ${opts.users} concurrent users for ${opts.seconds} s against ${scratch.name}`);
    const throughput = await measureThroughput(db, opts.users, opts.seconds);
    console.log(`  sessions/s ${throughput.rate.toFixed(0)}  latency ms ${JSON.stringify(percentiles(throughput.latencies))}  (${throughput.count} sessions)`);

    let ratio: number | undefined;
    if (opts.pgbench) {
      const tps = runPgbench(serverUrl, opts.users, opts.seconds);
      ratio = throughput.rate / tps;
      console.log(`pgbench -N -c ${opts.users} -j 2 -T ${opts.seconds}: ${tps.toFixed(0)} tps`);
      console.log(`  ratio accept/pgbench ${ratio.toFixed(2)} (target >= 0.5)`);
    }

    console.log(`history: ${opts.historyDays} qualified days, then ${opts.samples} sessions each for that user and a new one`);
    await seedHistory(db, 'bench-history', opts.historyDays);
    const withHistory = await sequentialLatencies(db, 'bench-history', opts.historyDays, opts.samples);
    const fresh = await sequentialLatencies(db, 'bench-fresh', 0, opts.samples);
    const p50History = percentiles(withHistory).p50;
    const p50Fresh = percentiles(fresh).p50;
    console.log(`  p50 ms: with history ${p50History}, new user ${p50Fresh}; ratio ${(p50History / p50Fresh).toFixed(2)} (target <= 1.5)`);
    console.log(JSON.stringify({ sessionsPerSecond: throughput.rate, latencyMs: percentiles(throughput.latencies), acceptOverPgbench: ratio, historyP50Ms: p50History, freshP50Ms: p50Fresh }));
    return 0;
  } finally {
    await db?.close();
    await scratch.drop();
  }
});

/** Each user submits one session per local day, day after day, so every accept changes the streak. */
async function measureThroughput(db: Database, users: number, seconds: number) {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: users }, async (_, u) => {
      for (let day = 0; performance.now() < deadline; day++) {
        const t0 = performance.now();
        await acceptOne(db, `bench-tp-${u}`, day);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { rate: latencies.length / seconds, latencies, count: latencies.length };
}

async function seedHistory(db: Database, userId: string, days: number) {
  for (let day = 0; day < days; day++) await acceptOne(db, userId, day);
}

async function sequentialLatencies(db: Database, userId: string, fromDay: number, samples: number) {
  const latencies: number[] = [];
  for (let day = fromDay; day < fromDay + samples; day++) {
    const t0 = performance.now();
    await acceptOne(db, userId, day);
    latencies.push(performance.now() - t0);
  }
  return latencies;
}

function acceptOne(db: Database, userId: string, day: number) {
  const startMs = START + day * DAY;
  return acceptSession(
    db.pool,
    { userId, sessionId: `${userId}-${day}`, session: { startMs, endMs: startMs + 40 * 60_000, timeZone: 'Europe/Paris' }, source: 'callable' },
    { qualifySeconds: QUALIFY },
  );
}

function runPgbench(serverUrl: string, clients: number, seconds: number): number {
  const pgbench = (args: string[]) => {
    const result = spawnSync('pgbench', args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`pgbench ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout + result.stderr;
  };
  const scratchName = `bench_pgbench_${process.pid}`;
  const admin = (sql: string) => {
    const r = spawnSync('psql', [serverUrl, '-qc', sql], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  };
  admin(`drop database if exists ${scratchName}`);
  admin(`create database ${scratchName}`);
  const url = new URL(serverUrl);
  url.pathname = `/${scratchName}`;
  try {
    pgbench(['-i', '-q', '-s', '10', url.toString()]);
    const out = pgbench(['-N', '-c', String(clients), '-j', '2', '-T', String(seconds), url.toString()]);
    const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
    if (!match) throw new Error(`could not read tps from pgbench:\n${out}`);
    return Number(match[1]);
  } finally {
    admin(`drop database if exists ${scratchName} with (force)`);
  }
}
