import { spawn } from 'node:child_process';
import path from 'node:path';
import { migrate } from '../migrate/migrator';
import { createScratchDatabase } from '../migrate/scratchDatabase';

// The baselines of bench:backfill: the valid rows loaded with COPY into a fresh database, then one
// rebuild of the derived tables. Each baseline gets its own database, so neither rebuild finds
// pages, hint bits or statistics the other one left behind. Statements go through psql, as COPY does.

const ROOT = path.resolve(__dirname, '../../..');
const PLAIN_REBUILD = path.join(__dirname, 'plainRebuild.sql');

/** `product`: rebuild_streaks (sql/functions), what the backfill calls. `plain`: plainRebuild.sql, the yardstick. */
export type BaselineRebuild = 'product' | 'plain';

export interface BaselineFiles {
  /** `session_id,user_id,start,end,zone,source` rows: the sessions the backfill should store. */
  sessionsCsv: string;
  /** One user id a line. */
  usersCsv: string;
}

/** Rows in the derived tables: the work a rebuild did. */
export interface DerivedCounts {
  dailyFocus: number;
  streakRuns: number;
  userStreaks: number;
  outbox: number;
  usersWithZone: number;
}

export interface BaselineResult {
  copyMs: number;
  rebuildMs: number;
  counts: DerivedCounts;
}

export type Scratch = Awaited<ReturnType<typeof createScratchDatabase>>;

export async function freshDatabase(serverUrl: string, label: string): Promise<Scratch> {
  const scratch = await createScratchDatabase(serverUrl, `bench_${label}`);
  await migrate(scratch.url);
  return scratch;
}

export function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

async function psql(db: string, args: string[]): Promise<string> {
  const r = await runProcess('psql', [db, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ...args]);
  if (r.code !== 0) throw new Error(`psql ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const started = Date.now();
  await work();
  return Date.now() - started;
};

/** COPY of the valid rows, then the chosen rebuild, timed apart (each psql call pays its connection, ~10 ms). */
export async function runBaseline(db: string, files: BaselineFiles, rebuild: BaselineRebuild, qualifySeconds: number): Promise<BaselineResult> {
  const copyMs = await timed(async () => {
    await psql(db, ['-c', `\\copy users (id) from '${files.usersCsv}' csv`]);
    await psql(db, ['-c', `\\copy focus_sessions (session_id, user_id, start_time, end_time, timezone, source) from '${files.sessionsCsv}' csv`]);
  });
  const rebuildMs = await timed(() =>
    rebuild === 'product'
      ? psql(db, ['-c', `select count(*) from rebuild_streaks(array(select id from users), ${qualifySeconds}, true)`])
      : psql(db, ['-1', '-v', `qualify=${qualifySeconds}`, '-f', PLAIN_REBUILD]),
  );
  return { copyMs, rebuildMs, counts: await derivedCounts(db) };
}

export async function derivedCounts(db: string): Promise<DerivedCounts> {
  const row = await psql(db, ['-F', ' ', '-c', `select (select count(*) from daily_focus), (select count(*) from streak_runs), (select count(*) from user_streaks),
    (select count(*) from streak_outbox), (select count(*) from users where timezone is not null)`]);
  const [dailyFocus, streakRuns, userStreaks, outbox, usersWithZone] = row.trim().split(' ').map(Number) as [number, number, number, number, number];
  return { dailyFocus, streakRuns, userStreaks, outbox, usersWithZone };
}
