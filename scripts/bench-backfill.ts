import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';
import { migrate } from './lib/migrate/migrator';
import { createScratchDatabase } from './lib/migrate/scratchDatabase';

// Benchmark (not a test): backfill of a seeded synthetic export vs plain COPY + the same set-based rebuild.
const spec: CliSpec = {
  name: 'bench:backfill',
  description: 'Backfill a seeded synthetic NDJSON export into a fresh database on DATABASE_URL; compare with COPY + set-based rebuild.',
  flags: [
    { flag: '--sessions', value: '<n>', int: { min: 1, max: 1_000_000_000 }, default: 1_000_000, description: 'sessions in the export' },
    { flag: '--users', value: '<n>', int: { min: 1, max: 1_000_000_000 }, default: 20_000, description: 'distinct users (at most --sessions)' },
    { flag: '--seed', value: '<n>', int: { min: 0, max: 2 ** 32 - 1 }, default: 42, description: 'PRNG seed' },
    { flag: '--batch-size', value: '<n>', int: { min: 1, max: 10_000 }, default: 1000, description: 'backfill batch size' },
    { flag: '--keep', description: 'keep the generated files and databases' },
  ],
};

const ROOT = path.resolve(__dirname, '..');
const ZONES = ['America/New_York', 'America/Los_Angeles', 'Europe/Paris', 'Europe/London', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Sydney', 'America/Sao_Paulo', 'Asia/Kathmandu', 'UTC'];
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/** Streams the export (NDJSON, mixed encodings, ~0.5% repeated lines, ~0.2% bad) and the CSV of what should land. */
async function generate(dir: string, sessions: number, users: number, seed: number): Promise<{ ndjson: string; sessionsCsv: string; usersCsv: string; valid: number }> {
  const random = mulberry32(seed);
  const ndjson = path.join(dir, 'export.ndjson');
  const sessionsCsv = path.join(dir, 'sessions.csv');
  const usersCsv = path.join(dir, 'users.csv');
  const out = createWriteStream(ndjson);
  const csv = createWriteStream(sessionsCsv);
  const home = Array.from({ length: users }, () => ZONES[Math.floor(random() * ZONES.length)] as string);
  const base = Date.UTC(2024, 0, 1);
  let valid = 0;
  for (let i = 0; i < sessions; i++) {
    let id = '';
    for (let k = 0; k < 20; k++) id += ALPHABET[Math.floor(random() * ALPHABET.length)];
    const user = Math.floor(random() * users);
    const zone = random() < 0.005 ? (ZONES[Math.floor(random() * ZONES.length)] as string) : (home[user] as string);
    const start = base + Math.floor(random() * 365 * 86_400) * 1000;
    const minutes = 10 + Math.floor(random() * 80);
    const bad = random() < 0.002;
    const end = bad ? start - 60_000 : start + minutes * 60_000;
    const kind = i % 3;
    const time = (ms: number) => (kind === 0 ? new Date(ms).toISOString() : kind === 1 ? ms : { _seconds: Math.floor(ms / 1000), _nanoseconds: (ms % 1000) * 1e6 });
    const line = JSON.stringify({ path: `sessions/${id}`, data: { userId: `user${user}`, startTime: time(start), endTime: time(end), timezone: zone, durationMinutes: minutes } }) + '\n';
    await write(out, line);
    if (random() < 0.005) await write(out, line);
    if (!bad) {
      valid += 1;
      await write(csv, `${id},user${user},${new Date(start).toISOString()},${new Date(end).toISOString()},${zone},backfill\n`);
    }
  }
  out.end();
  csv.end();
  await Promise.all([once(out, 'finish'), once(csv, 'finish')]);
  const u = createWriteStream(usersCsv);
  for (let i = 0; i < users; i++) await write(u, `user${i}\n`);
  u.end();
  await once(u, 'finish');
  return { ndjson, sessionsCsv, usersCsv, valid };
}

async function freshDatabase(serverUrl: string, label: string) {
  const scratch = await createScratchDatabase(serverUrl, `bench_${label}`);
  await migrate(scratch.url);
  return scratch;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  const opts = cli.values as { sessions: number; users: number; seed: number; batchSize: number; keep?: boolean };
  const problems = cli.problems;
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) problems.push('set DATABASE_URL to a PostgreSQL server (the benchmark creates and drops its own databases there)');
  const { sessions, users } = opts;
  if (users > sessions) problems.push('--users must be at most --sessions');
  if (problems.length > 0) throw new UsageError(problems, spec.name);

  const dir = mkdtempSync(path.join(tmpdir(), 'bench-backfill-'));
  console.log(`generating ${sessions.toLocaleString('en-US')} sessions of ${users.toLocaleString('en-US')} users (seed ${opts.seed}) in ${dir}`);
  const t0 = Date.now();
  const files = await generate(dir, sessions, users, opts.seed);
  console.log(`  ${(statSync(files.ndjson).size / 1e6).toFixed(0)} MB export, ${files.valid.toLocaleString('en-US')} valid sessions, in ${seconds(Date.now() - t0)}`);

  const backfillScratch = await freshDatabase(serverUrl as string, 'backfill');
  const baselineScratch = await freshDatabase(serverUrl as string, 'baseline');
  const [backfillDb, baselineDb] = [backfillScratch.url, baselineScratch.url];
  try {
    // The backfill, as an engineer runs it: its own process, measured by /usr/bin/time (peak RSS).
    const report = path.join(dir, 'report.json');
    const env = { ...process.env, DATABASE_URL: backfillDb, METADATA_SERVER_DETECTION: 'none', DB_STATEMENT_TIMEOUT_MS: '600000' };
    const started = Date.now();
    const backfill = await run('/usr/bin/time', ['-f', 'PEAK_RSS_KB=%M', process.execPath, '--import', 'tsx', 'scripts/backfill.ts', 'sessions', '--from-file', files.ndjson, '--batch-size', String(opts.batchSize), '--rebuild-chunk', '20000', '--report', report], env);
    const backfillMs = Date.now() - started;
    if (backfill.code !== 0) throw new Error(`backfill failed:\n${backfill.stdout}\n${backfill.stderr}`);
    const peakKb = Number(/PEAK_RSS_KB=(\d+)/.exec(backfill.stderr)?.[1]);
    const result = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(report, 'utf8')));

    // Baseline: COPY the same valid rows into the tables, then the same set-based rebuild.
    const baseStarted = Date.now();
    const copyUsers = await run('psql', [baselineDb, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy users (id) from '${files.usersCsv}' csv`], process.env);
    const copySessions = await run('psql', [baselineDb, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy focus_sessions (session_id, user_id, start_time, end_time, timezone, source) from '${files.sessionsCsv}' csv`], process.env);
    if (copyUsers.code !== 0 || copySessions.code !== 0) throw new Error(`COPY failed: ${copyUsers.stderr}${copySessions.stderr}`);
    const copyMs = Date.now() - baseStarted;
    const client = new Client({ connectionString: baselineDb });
    await client.connect();
    const rebuildStarted = Date.now();
    await client.query(`select count(*) from rebuild_streaks(array(select id from users), 1800, true)`);
    const rebuildMs = Date.now() - rebuildStarted;
    await client.end();
    const baselineMs = Date.now() - baseStarted;

    const check = new Client({ connectionString: backfillDb });
    await check.connect();
    const same = await check.query(`select count(*)::int as n from focus_sessions`);
    await check.end();

    console.log(`backfill:  ${result.counts.read.toLocaleString('en-US')} documents in ${seconds(backfillMs)} = ${Math.round((result.counts.read * 1000) / backfillMs).toLocaleString('en-US')} docs/s, peak RSS ${(peakKb / 1024).toFixed(0)} MB`);
    console.log(`           inserted ${result.counts.inserted.toLocaleString('en-US')}, duplicates ${result.counts.duplicates}, rejected ${result.counts.rejected}, users rebuilt ${result.counts.usersRebuilt}`);
    console.log(`baseline:  COPY ${seconds(copyMs)} + set-based rebuild ${seconds(rebuildMs)} = ${seconds(baselineMs)}`);
    console.log(`ratio:     ${(backfillMs / baselineMs).toFixed(2)}× the baseline (target ≤ 2.5×); peak RSS target ≤ 256 MB`);
    if (same.rows[0].n !== files.valid) console.log(`WARNING: backfill stored ${same.rows[0].n} sessions, expected ${files.valid}`);
  } finally {
    if (!opts.keep) {
      rmSync(dir, { recursive: true, force: true });
      await backfillScratch.drop();
      await baselineScratch.drop();
    }
  }
  return 0;
});
