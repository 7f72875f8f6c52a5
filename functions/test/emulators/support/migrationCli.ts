import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type CommonQueryMethods } from 'slonik';
import { createTestDatabase, type TestDatabase } from '../../support/testDatabase';

// Helpers of the emulator tests that drive the migration CLIs (backfill, verify, reproject) as child
// processes, the way an engineer runs them, against scratch databases and the emulators.

const ROOT = path.resolve(__dirname, '../../../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();

/**
 * Runs `scripts/<script>` with tsx against `databaseUrl`. The child inherits the suite's environment,
 * FIRESTORE_EMULATOR_HOST and GCLOUD_PROJECT included, so `--from-firestore` reads the emulator.
 */
export function runCli(script: string, args: string[], databaseUrl: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [path.join(ROOT, 'scripts', script), ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, METADATA_SERVER_DETECTION: 'none', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.once('error', (error) => {
      running.delete(child);
      reject(error);
    });
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Fails with the child's output when it did not exit with `code`. */
export function expectExit(result: CliResult, code: number): void {
  if (result.code !== code) {
    throw new Error(`expected exit ${code}, got ${result.code ?? result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
}

/** Kills, by pid, every CLI child still running (a test that timed out leaves one behind). */
export async function stopCliChildren(): Promise<void> {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  running.clear();
}

/** Scratch databases for one test file, all dropped by closeAll. */
export function scratchDatabases() {
  const open: TestDatabase[] = [];
  return {
    async create(): Promise<TestDatabase> {
      const db = await createTestDatabase({ poolSize: 3 });
      open.push(db);
      return db;
    },
    async closeAll(): Promise<void> {
      for (const db of open.splice(0)) await db.close().catch(() => {});
    },
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** The SQL rows a backfill decides (focus_sessions, daily_focus, user_streaks), without timestamps. */
export async function sqlState(db: CommonQueryMethods, options: { versions?: boolean } = {}) {
  const streaks = await db.any(sql.unsafe`
    select user_id, current_streak, longest_streak, last_qualified_date::text, qualified_days_count, timezone, version::int as version
    from user_streaks order by user_id`);
  return {
    sessions: await db.any(sql.unsafe`
      select user_id, session_id, start_time::text, end_time::text, timezone, source from focus_sessions order by user_id, session_id`),
    daily: await db.any(sql.unsafe`select user_id, local_date::text, focus_seconds from daily_focus order by user_id, local_date`),
    streaks: options.versions === false ? streaks.map(({ version: _, ...rest }) => rest) : streaks,
  };
}

export async function rejectsOf(db: CommonQueryMethods): Promise<Array<{ document_path: string; reason: string }>> {
  return (await db.any(sql.unsafe`select document_path, reason from backfill_rejects order by document_path, reason`)) as Array<{ document_path: string; reason: string }>;
}

/** A port the OS hands out now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
