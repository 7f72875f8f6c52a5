import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';
import { derivedCounts, freshDatabase, runBaseline, runProcess, type BaselineResult, type DerivedCounts, type Scratch } from './lib/bench/backfillBaseline';
import { entityRecord, type ExportValue } from './lib/bench/entityRecord';
import { LogWriter } from './lib/bench/logWriter';

// Benchmark (not a test): backfill of a seeded synthetic export vs COPY + a set-based rebuild. The
// target (backfill ≤ 1.5× COPY + the plain rebuild, scripts/lib/bench/plainRebuild.sql) is set against
// a yardstick; COPY + rebuild_streaks, the rebuild the backfill itself calls, is printed as context.
const spec: CliSpec = {
  name: 'bench:backfill',
  description: 'Backfill a seeded synthetic NDJSON export into a fresh database on DATABASE_URL; compare with COPY + the plain rebuild (the target) and COPY + rebuild_streaks.',
  flags: [
    { flag: '--sessions', value: '<n>', int: { min: 1, max: 1_000_000_000 }, default: 1_000_000, description: 'sessions in the export' },
    { flag: '--users', value: '<n>', int: { min: 1, max: 1_000_000_000 }, default: 20_000, description: 'distinct users (at most --sessions)' },
    { flag: '--seed', value: '<n>', int: { min: 0, max: 2 ** 32 - 1 }, default: 42, description: 'PRNG seed' },
    { flag: '--batch-size', value: '<n>', int: { min: 1, max: 10_000 }, default: 5000, description: 'backfill batch size (default: the backfill default)' },
    { flag: '--from-export', description: 'also write the same documents as a managed Firestore export (EntityProto records in LevelDB log files) and backfill it with --from-export' },
    { flag: '--export-files', value: '<n>', int: { min: 1, max: 1000 }, default: 8, description: 'with --from-export: output-N files the sessions are spread over' },
    { flag: '--keep', description: 'keep the generated files and databases' },
  ],
};

const QUALIFY_SECONDS = 1800;
const TARGET_RATIO = 1.5;
const TARGET_RSS_MB = 256;
const TARGET_EXPORT_RATIO = 1.2;
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

/** output-0 … output-(n-1) of a managed export of `sessions`, each with its own log writer; a record goes to file i mod n. */
function exportWriter(dir: string, files: number) {
  const kindDir = path.join(dir, 'all_namespaces', 'kind_sessions');
  mkdirSync(kindDir, { recursive: true });
  const outs: Array<{ stream: WriteStream; writer: LogWriter }> = Array.from({ length: files }, (_, i) => ({ stream: createWriteStream(path.join(kindDir, `output-${i}`)), writer: new LogWriter() }));
  createWriteStream(path.join(dir, 'bench.overall_export_metadata')).end();
  return {
    async add(i: number, record: Uint8Array) {
      const out = outs[i % files] as (typeof outs)[number];
      const bytes = out.writer.bytes(record);
      if (!out.stream.write(bytes)) await once(out.stream, 'drain');
    },
    async close() {
      await Promise.all(outs.map(({ stream }) => (stream.end(), once(stream, 'finish'))));
    },
  };
}

/**
 * Streams the export (NDJSON, mixed encodings, ~0.5% repeated lines, ~0.2% bad) and the CSV of what should land;
 * with `exportFiles`, the same documents as a managed export too (a JSON {_seconds} time is a Timestamp there).
 */
async function generate(dir: string, sessions: number, users: number, seed: number, exportFiles: number | null): Promise<{ ndjson: string; exportDir: string | null; sessionsCsv: string; usersCsv: string; valid: number }> {
  const random = mulberry32(seed);
  const ndjson = path.join(dir, 'export.ndjson');
  const sessionsCsv = path.join(dir, 'sessions.csv');
  const usersCsv = path.join(dir, 'users.csv');
  const out = createWriteStream(ndjson);
  const csv = createWriteStream(sessionsCsv);
  const exportDir = exportFiles === null ? null : path.join(dir, 'export');
  const exported = exportDir === null ? null : exportWriter(exportDir, exportFiles as number);
  let records = 0;
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
    const twice = random() < 0.005;
    await write(out, line);
    if (twice) await write(out, line);
    if (exported) {
      const entityTime = (ms: number): ExportValue => (kind === 0 ? new Date(ms).toISOString() : kind === 1 ? ms : { micros: ms * 1000 });
      const record = entityRecord(`sessions/${id}`, { userId: `user${user}`, startTime: entityTime(start), endTime: entityTime(end), timezone: zone, durationMinutes: minutes });
      await exported.add(records++, record);
      if (twice) await exported.add(records++, record);
    }
    if (!bad) {
      valid += 1;
      await write(csv, `${id},user${user},${new Date(start).toISOString()},${new Date(end).toISOString()},${zone},backfill\n`);
    }
  }
  out.end();
  csv.end();
  await Promise.all([once(out, 'finish'), once(csv, 'finish'), exported?.close()]);
  const u = createWriteStream(usersCsv);
  for (let i = 0; i < users; i++) await write(u, `user${i}\n`);
  u.end();
  await once(u, 'finish');
  return { ndjson, exportDir, sessionsCsv, usersCsv, valid };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The derived rows each database ends with, side by side: the yardstick must do the product's amount of work. */
function countsTable(columns: Record<string, DerivedCounts>): string[] {
  const names = Object.keys(columns);
  const rows: Array<[string, keyof DerivedCounts]> = [['daily_focus', 'dailyFocus'], ['streak_runs', 'streakRuns'], ['user_streaks', 'userStreaks'], ['streak_outbox', 'outbox'], ['users with zone', 'usersWithZone']];
  const cell = (text: string) => text.padStart(16);
  return [
    ''.padEnd(16) + names.map(cell).join(''),
    ...rows.map(([label, key]) => label.padEnd(16) + names.map((c) => cell((columns[c] as DerivedCounts)[key].toLocaleString('en-US'))).join('')),
  ];
}

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  const opts = cli.values as { sessions: number; users: number; seed: number; batchSize: number; fromExport?: boolean; exportFiles: number; keep?: boolean };
  const problems = cli.problems;
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) problems.push('set DATABASE_URL to a PostgreSQL server (the benchmark creates and drops its own databases there)');
  const { sessions, users } = opts;
  if (users > sessions) problems.push('--users must be at most --sessions');
  if (problems.length > 0) throw new UsageError(problems, spec.name);

  const dir = mkdtempSync(path.join(tmpdir(), 'bench-backfill-'));
  console.log(`generating ${sessions.toLocaleString('en-US')} sessions of ${users.toLocaleString('en-US')} users (seed ${opts.seed}) in ${dir}`);
  const t0 = Date.now();
  const files = await generate(dir, sessions, users, opts.seed, opts.fromExport ? opts.exportFiles : null);
  const exportMb = files.exportDir === null ? null : (Number((await runProcess('du', ['-sk', files.exportDir])).stdout.split('\t')[0]) / 1e3).toFixed(0);
  console.log(`  ${(statSync(files.ndjson).size / 1e6).toFixed(0)} MB export${exportMb === null ? '' : ` (and ${exportMb} MB as a managed export in ${opts.exportFiles} files)`}, ${files.valid.toLocaleString('en-US')} valid sessions, in ${seconds(Date.now() - t0)}`);

  // Three fresh databases: the backfill's and one per baseline, so no run finds another's pages or rows.
  const scratches: Scratch[] = [];
  try {
    for (const label of ['backfill', 'baseline_product', 'baseline_plain', ...(files.exportDir ? ['export'] : [])]) scratches.push(await freshDatabase(serverUrl as string, label));
    const [backfillDb, productDb, plainDb, exportDb] = scratches.map((s) => s.url) as [string, string, string, string | undefined];
    // The backfill, as an engineer runs it: its own process, measured by /usr/bin/time (peak RSS).
    const timedBackfill = async (database: string, source: string[], name: string) => {
      const report = path.join(dir, `${name}.json`);
      const env = { ...process.env, DATABASE_URL: database, METADATA_SERVER_DETECTION: 'none', DB_STATEMENT_TIMEOUT_MS: '600000', QUALIFY_MINUTES: String(QUALIFY_SECONDS / 60) };
      const started = Date.now();
      const run = await runProcess('/usr/bin/time', ['-f', 'PEAK_RSS_KB=%M', process.execPath, '--import', 'tsx', 'scripts/backfill.ts', 'sessions', ...source, '--batch-size', String(opts.batchSize), '--rebuild-chunk', '20000', '--report', report], env);
      const ms = Date.now() - started;
      if (run.code !== 0) throw new Error(`backfill (${name}) failed:\n${run.stdout}\n${run.stderr}`);
      return { run, ms, peakMb: Number(/PEAK_RSS_KB=(\d+)/.exec(run.stderr)?.[1]) / 1024, result: JSON.parse(readFileSync(report, 'utf8')) };
    };
    const { run: backfill, ms: backfillMs, peakMb, result } = await timedBackfill(backfillDb, ['--from-file', files.ndjson], 'report');
    const backfillCounts = await derivedCounts(backfillDb);
    const fromExport = files.exportDir && exportDb ? await timedBackfill(exportDb, ['--from-export', files.exportDir], 'export-report') : null;

    // The same valid rows with COPY, then each rebuild in its own database, one after the other.
    const product = await runBaseline(productDb, files, 'product', QUALIFY_SECONDS);
    const plain = await runBaseline(plainDb, files, 'plain', QUALIFY_SECONDS);
    const stored = Number((await runProcess('psql', [backfillDb, '-XAtc', 'select count(*) from focus_sessions'])).stdout.trim());

    const n = (x: number) => x.toLocaleString('en-US');
    const total = (b: BaselineResult) => b.copyMs + b.rebuildMs;
    console.log(`backfill:  ${n(result.counts.read)} documents in ${seconds(backfillMs)} = ${n(Math.round((result.counts.read * 1000) / backfillMs))} docs/s`);
    console.log(`           inserted ${n(result.counts.inserted)}, duplicates ${result.counts.duplicates}, rejected ${result.counts.rejected}, users rebuilt ${result.counts.usersRebuilt}`);
    // The backfill logs each closing rebuild chunk: its time apart from the load (read, parse, insert).
    const chunks = [...backfill.stdout.matchAll(/rebuilt (\d+) users \(\d+ so far\) in (\d+) ms/g)].map((m) => Number(m[2]));
    const rebuildChunksMs = chunks.reduce((a, b) => a + b, 0);
    console.log(`           of which the closing rebuild (${chunks.length} rebuild_streaks chunk${chunks.length === 1 ? '' : 's'}) ${seconds(rebuildChunksMs)}, the rest (start, read, parse, insert) ${seconds(backfillMs - rebuildChunksMs)}`);
    console.log(`baseline:  COPY ${seconds(plain.copyMs)} + plain rebuild ${seconds(plain.rebuildMs)} = ${seconds(total(plain))}`);
    console.log(`context:   COPY ${seconds(product.copyMs)} + rebuild_streaks ${seconds(product.rebuildMs)} = ${seconds(total(product))}`);
    console.log(`ratio:     ${(backfillMs / total(plain)).toFixed(2)}× COPY + plain rebuild (target ≤ ${TARGET_RATIO}×)`);
    console.log(`           ${(backfillMs / total(product)).toFixed(2)}× COPY + rebuild_streaks (context: the rebuild the backfill calls)`);
    console.log(`peak RSS:  ${peakMb.toFixed(0)} MB at ${n(sessions)} sessions / ${n(users)} users (target ≤ ${TARGET_RSS_MB} MB, and flat from 100k to 1M sessions:`);
    console.log(`           compare with ${sessions >= 1_000_000 ? 'npm run bench:backfill -- --sessions 100000 --users 2000' : 'the default 1M run, npm run bench:backfill'})`);
    console.log('rows:      ' + countsTable({ backfill: backfillCounts, rebuild_streaks: product.counts, plain: plain.counts }).join('\n           '));
    if (stored !== files.valid) console.log(`WARNING: backfill stored ${stored} sessions, expected ${files.valid}`);
    if (fromExport && exportDb) {
      const c = fromExport.result.counts;
      console.log(`export:    ${n(c.read)} documents in ${seconds(fromExport.ms)} = ${n(Math.round((c.read * 1000) / fromExport.ms))} docs/s (NDJSON file: ${n(Math.round((result.counts.read * 1000) / backfillMs))} docs/s)`);
      console.log(`           inserted ${n(c.inserted)}, duplicates ${c.duplicates}, rejected ${c.rejected}, users rebuilt ${c.usersRebuilt}`);
      console.log(`           ${(fromExport.ms / backfillMs).toFixed(2)}× the NDJSON source's time (target ≤ ${TARGET_EXPORT_RATIO}×); peak RSS ${fromExport.peakMb.toFixed(0)} MB (NDJSON ${peakMb.toFixed(0)} MB; target ≤ ${TARGET_RSS_MB} MB)`);
      const same = JSON.stringify(await derivedCounts(exportDb)) === JSON.stringify(backfillCounts);
      if (!same) console.log('WARNING: the export backfill derived other rows than the NDJSON backfill');
    }
  } finally {
    if (!opts.keep) {
      rmSync(dir, { recursive: true, force: true });
      for (const s of scratches) await s.drop();
    } else console.log(`kept ${dir} and databases ${scratches.map((s) => s.name).join(', ')}`);
  }
  return 0;
});
