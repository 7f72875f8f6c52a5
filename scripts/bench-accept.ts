import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { acceptSession } from '../functions/src/accept/acceptSession';
import { params, rateLimitFor } from '../functions/src/config';
import { readConfig } from '../functions/src/config';
import { connect, type Database } from '../functions/src/db/pool';
import { cpuMeter, describeCpu } from './lib/bench/cpuMeter';
import { percentiles } from './lib/bench/latency';
import { statementCounter } from './lib/bench/statementCounter';
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
    { flag: '--levels', value: '<list>', default: '8,32,128', description: 'concurrent-user levels of the scaling phase, comma separated ("" skips it); each runs as deployed: callers over instances of CONCURRENCY (40), a DB_POOL_SIZE pool each (both read from the environment)' },
    { flag: '--hot', value: '<n>', int: { min: 0, max: 10_000 }, default: 200, description: 'concurrent accepts of one user per round in the contention phase (0 skips it)' },
    { flag: '--hot-instances', value: '<n>', int: { min: 1, max: 16 }, default: 4, description: 'function instances (pools) the hot user\'s accepts are spread over' },
  ],
};

const DAY = 86_400_000;
const START = Date.parse('2020-01-01T12:00:00Z');
const QUALIFY = 30 * 60;

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  const opts = cli.values as { users: number; seconds: number; historyDays: number; samples: number; pgbench: boolean; levels: string; hot: number; hotInstances: number };
  const levels = opts.levels.trim() === '' ? [] : opts.levels.split(',').map((v) => Number(v.trim()));
  if (levels.some((l) => !Number.isInteger(l) || l < 1 || l > 10_000)) cli.problems.push(`--levels must be integers from 1 to 10000, got ${JSON.stringify(opts.levels)}`);
  const perInstance = Number(process.env.CONCURRENCY ?? params.concurrency.options?.default);
  if (!Number.isInteger(perInstance) || perInstance < 1) cli.problems.push(`CONCURRENCY must be a positive integer, got ${JSON.stringify(process.env.CONCURRENCY)}`);
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) cli.problems.push('set DATABASE_URL to a PostgreSQL server (the benchmark creates and drops its own databases there)');
  if (cli.problems.length > 0 || !serverUrl) throw new UsageError(cli.problems, spec.name);

  const scratch = await createScratchDatabase(serverUrl, 'bench_accept');
  const config = readConfig({ ...process.env, DB_POOL_SIZE: String(opts.users + 2), DB_STATEMENT_TIMEOUT_MS: '30000' }).database;
  // Every statement the accepts send is counted: round trips per accept are a figure of this benchmark.
  const roundTrips = statementCounter();
  // Every accept takes a rate-limit token as the callable does (its cost is measured); the limit is raised out of the way.
  rateLimit = rateLimitFor(readConfig({ ...process.env, ACCEPT_RATE_PER_MINUTE: '1000000', ACCEPT_RATE_BURST: '1000000' }), 'acceptFocusSession');
  let db: Database | undefined;
  try {
    await migrate(scratch.url);
    db = await connect(config, scratch.url, scratch.name, { interceptors: [roundTrips.interceptor] });
    console.log(`accept: ${opts.users} concurrent users for ${opts.seconds} s against ${scratch.name}`);
    // Warm first, as the scaling phases are: the fresh tables' first rows, plans and buffers are not the steady state.
    await measureThroughput(db, opts.users, Math.min(3, opts.seconds), 'warm');
    const cpu = await cpuMeter(db.pool);
    const statementsBefore = roundTrips.total;
    const throughput = await measureThroughput(db, opts.users, opts.seconds);
    const roundTripsPerAccept = (roundTrips.total - statementsBefore) / throughput.count;
    const cpuSpent = await cpu.stop();
    console.log(`  sessions/s ${throughput.rate.toFixed(0)}  latency ms ${JSON.stringify(percentiles(throughput.latencies))}  (${throughput.count} sessions)`);
    console.log(`  round trips per accept ${roundTripsPerAccept.toFixed(2)} (target 1)`);
    console.log(`  ${describeCpu(cpuSpent, throughput.count, 'accept')}`);

    let ratio: number | undefined;
    let sqlOnly: number | undefined;
    if (opts.pgbench) {
      const tps = runPgbench(serverUrl, opts.users, opts.seconds);
      ratio = throughput.rate / tps;
      console.log(`pgbench -N -c ${opts.users} -j 2 -T ${opts.seconds}: ${tps.toFixed(0)} tps`);
      console.log(`  ratio accept/pgbench ${ratio.toFixed(2)} (target >= 0.5)`);
      // The same statement driven by pgbench's C client: what the database alone allows, without Node.
      const direct = runPgbenchScript(scratch.url, opts.users, opts.seconds, ACCEPT_SCRIPT);
      sqlOnly = direct / tps;
      console.log(`accept_session alone from pgbench (-M prepared -c ${opts.users}): ${direct.toFixed(0)} tps, ${sqlOnly.toFixed(2)}x pgbench -N (the ceiling of the one-statement accept on this server)`);
    }

    console.log(`history: ${opts.historyDays} qualified days, then ${opts.samples} sessions each for that user and a new one`);
    await seedHistory(db, 'bench-history', opts.historyDays);
    const withHistory = await sequentialLatencies(db, 'bench-history', opts.historyDays, opts.samples);
    const fresh = await sequentialLatencies(db, 'bench-fresh', 0, opts.samples);
    const p50History = percentiles(withHistory).p50;
    const p50Fresh = percentiles(fresh).p50;
    console.log(`  p50 ms: with history ${p50History}, new user ${p50Fresh}; ratio ${(p50History / p50Fresh).toFixed(2)} (target <= 1.2)`);

    const scaling: Array<Record<string, unknown> & { users: number; acceptsPerSecond: number }> = [];
    // Each level runs as deployed: callers spread over instances of CONCURRENCY requests each, every
    // instance with its pool of DB_POOL_SIZE connections (the product's defaults unless overridden).
    const deployed = readConfig(process.env);
    for (const level of levels) {
      const counter = statementCounter();
      const instanceCount = Math.ceil(level / perInstance);
      const instances = await Promise.all(
        Array.from({ length: instanceCount }, (_, i) =>
          connect({ ...config, poolSize: deployed.database.poolSize }, scratch.url, `${scratch.name} (${level} users, instance ${i})`, { interceptors: [counter.interceptor] }),
        ),
      );
      try {
        await Promise.all(instances.map((instance, i) => acceptOne(instance, `warm-${level}-${i}`, 0)));
        const before = counter.total;
        const r = await measureThroughput(instances, level, opts.seconds, `lvl${level}`);
        const perAccept = (counter.total - before) / r.count;
        console.log(
          `scaling: ${level} concurrent users over ${instanceCount} instance(s) x ${deployed.database.poolSize} connections for ${opts.seconds} s: accepts/s ${r.rate.toFixed(0)}  latency ms ${JSON.stringify(percentiles(r.latencies))}  statements/accept ${perAccept.toFixed(2)}`,
        );
        scaling.push({ users: level, instances: instanceCount, poolSize: deployed.database.poolSize, acceptsPerSecond: r.rate, latencyMs: percentiles(r.latencies), statementsPerAccept: perAccept });
      } finally {
        await Promise.all(instances.map((instance) => instance.close()));
      }
      // Beside the deployed model, the same callers on one pool of level + 2 connections (capped at 40).
      const single = await connect({ ...config, poolSize: Math.min(40, level + 2) }, scratch.url, `${scratch.name} (${level} users, one pool)`);
      try {
        await acceptOne(single, `warm-single-${level}`, 0);
        const r = await measureThroughput(single, level, opts.seconds, `one${level}`);
        console.log(`  the same ${level} users on one pool of ${Math.min(40, level + 2)} connections: accepts/s ${r.rate.toFixed(0)}  latency ms ${JSON.stringify(percentiles(r.latencies))}`);
        scaling[scaling.length - 1]!.singlePoolAcceptsPerSecond = r.rate;
      } finally {
        await single.close();
      }
    }
    if (scaling.length > 1) {
      const first = scaling[0];
      for (const level of scaling.slice(1)) {
        console.log(`  ${level.users} users: ${((100 * level.acceptsPerSecond) / first.acceptsPerSecond).toFixed(0)}% of the ${first.users}-user throughput (target >= 80%)`);
      }
    }

    let contention;
    if (opts.hot > 0) {
      const counter = statementCounter();
      const instances = await Promise.all(
        Array.from({ length: opts.hotInstances }, (_, i) => connect({ ...config, poolSize: 10 }, scratch.url, `${scratch.name} (instance ${i})`, { interceptors: [counter.interceptor] })),
      );
      try {
        await Promise.all(instances.map((instance, i) => acceptOne(instance, `warm-hot-${i}`, 0)));
        const before = counter.total;
        const r = await measureHotUser(instances, opts.hot, opts.seconds);
        const perAccept = (counter.total - before) / r.count;
        console.log(
          `contention: one user, ${opts.hot} concurrent accepts a round over ${opts.hotInstances} instances for ${opts.seconds} s: accepts/s ${r.rate.toFixed(0)}  latency ms ${JSON.stringify(percentiles(r.latencies))}  statements/accept ${perAccept.toFixed(2)} (bound 3)`,
        );
        contention = { concurrent: opts.hot, instances: opts.hotInstances, acceptsPerSecond: r.rate, latencyMs: percentiles(r.latencies), statementsPerAccept: perAccept };
      } finally {
        await Promise.all(instances.map((instance) => instance.close()));
      }
    }
    console.log(JSON.stringify({ sessionsPerSecond: throughput.rate, roundTripsPerAccept, latencyMs: percentiles(throughput.latencies), cpuMs: cpuSpent, acceptOverPgbench: ratio, sqlOnlyOverPgbench: sqlOnly, historyP50Ms: p50History, freshP50Ms: p50Fresh, scaling, contention }));
    return 0;
  } finally {
    await db?.close();
    await scratch.drop();
  }
});

let rateLimit: ReturnType<typeof rateLimitFor> | undefined;

/** Rounds of `concurrent` accepts of one user at once, spread over the instances, until the time is up. */
async function measureHotUser(instances: Database[], concurrent: number, seconds: number) {
  const latencies: number[] = [];
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  for (let round = 0; performance.now() < deadline; round++) {
    await Promise.all(
      Array.from({ length: concurrent }, async (_, k) => {
        const t = performance.now();
        await acceptOne(instances[k % instances.length], 'bench-hot', round * concurrent + k);
        latencies.push(performance.now() - t);
      }),
    );
  }
  return { rate: latencies.length / ((performance.now() - t0) / 1000), latencies, count: latencies.length };
}

/** Each user submits one session per local day, day after day, so every accept changes the streak. */
/** `users` callers, each on one of the instances (round robin), one in-flight session each. */
async function measureThroughput(instances: Database | Database[], users: number, seconds: number, tag = 'tp') {
  const pools = Array.isArray(instances) ? instances : [instances];
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: users }, async (_, u) => {
      for (let day = 0; performance.now() < deadline; day++) {
        const t0 = performance.now();
        await acceptOne(pools[u % pools.length], `bench-${tag}-${u}`, day);
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
    { qualifySeconds: QUALIFY, rateLimit },
  );
}

// One session a day per pgbench client on a random day far from the Node phases' users and days, as
// the callable sends it (rate-limit token included).
const ACCEPT_SCRIPT = `\\set d random(100000, 400000)
select accept_session('pgbench-' || :client_id, 'pgbench-' || :d, timestamptz '2020-01-01 12:00Z' + :d * interval '1 day', timestamptz '2020-01-01 12:40Z' + :d * interval '1 day', 'Europe/Paris', 'callable', ${QUALIFY}, 'acceptFocusSession', 1e9, 1e9, false, null);
`;

function pgbench(args: string[]): string {
  const result = spawnSync('pgbench', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pgbench ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout + result.stderr;
}

function tpsOf(out: string): number {
  const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
  if (!match) throw new Error(`could not read tps from pgbench:\n${out}`);
  return Number(match[1]);
}

function runPgbenchScript(url: string, clients: number, seconds: number, script: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'bench-accept-'));
  try {
    const file = join(dir, 'accept.sql');
    writeFileSync(file, script);
    return tpsOf(pgbench(['-n', '-M', 'prepared', '-f', file, '-c', String(clients), '-j', '2', '-T', String(seconds), url]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runPgbench(serverUrl: string, clients: number, seconds: number): number {
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
    return tpsOf(pgbench(['-N', '-c', String(clients), '-j', '2', '-T', String(seconds), url.toString()]));
  } finally {
    admin(`drop database if exists ${scratchName} with (force)`);
  }
}
