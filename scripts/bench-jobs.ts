import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';
import { freshDatabase, runProcess, type Scratch } from './lib/bench/backfillBaseline';
import { detectEmulatorMode } from './lib/stack/emulatorMode';
import { startFirestoreEmulator } from './lib/stack/firestoreEmulator';
import { freeEmulatorPorts, LOOPBACK } from './lib/stack/ports';

// Benchmark (not a test): the sessions backfill from a Firestore emulator into one PostgreSQL, as N
// simulated Cloud Run Jobs tasks (N processes with the task variables) and as one process reading
// N partitions; total time and the most connections the database held at once (pg_stat_activity).
const spec: CliSpec = {
  name: 'bench:jobs',
  description: 'Backfill seeded sessions from a local Firestore emulator as N simulated Cloud Run Jobs tasks vs one process with --partitions N: time and peak connections. Needs DATABASE_URL and the Cloud CLI Firestore emulator.',
  flags: [
    { flag: '--sessions', value: '<n>', int: { min: 1, max: 1_000_000 }, default: 20_000, description: 'sessions seeded into the emulator' },
    { flag: '--users', value: '<n>', int: { min: 1, max: 100_000 }, default: 500, description: 'distinct users' },
    { flag: '--tasks', value: '<n>', int: { min: 1, max: 16 }, default: 4, description: 'simulated tasks, and the partitions of the one process' },
    { flag: '--batch-size', value: '<n>', int: { min: 1, max: 10_000 }, default: 1000, description: 'backfill batch size' },
  ],
};

const PROJECT = 'demo-bench-jobs';
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The most backends connected to `db` while `work` runs, sampled every 50 ms (the sampler's own connection not counted). */
async function peakConnections<T>(db: string, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  const { createPool, sql } = await import('slonik');
  const { z } = await import('zod');
  const pool = await createPool(db, { maximumPoolSize: 1 });
  let peak = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      const n = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`select (count(*) - 1)::int as n from pg_stat_activity where datname = current_database()`);
      peak = Math.max(peak, n);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    return { result: await work(), peak };
  } finally {
    running = false;
    await sampler;
    await pool.end();
  }
}

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  const opts = cli.values as { sessions: number; users: number; tasks: number; batchSize: number };
  const problems = [...cli.problems];
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) problems.push('set DATABASE_URL to a PostgreSQL server (the benchmark creates and drops its own databases there)');
  const mode = detectEmulatorMode();
  if (mode.kind === 'none' || !mode.cloudCli) problems.push(`needs the Cloud CLI Firestore emulator and Java (${mode.kind === 'none' ? mode.reason : 'not installed'})`);
  if (problems.length > 0 || mode.kind === 'none' || !mode.cloudCli) throw new UsageError(problems, spec.name);

  const ports = await freeEmulatorPorts();
  const emulator = await startFirestoreEmulator({ jar: mode.cloudCli.firestoreJar, port: ports.firestore, websocketPort: ports.firestoreWebsocket, projectId: PROJECT });
  const host = `${LOOPBACK}:${ports.firestore}`;
  process.env.FIRESTORE_EMULATOR_HOST = host;
  const scratches: Scratch[] = [];
  try {
    const { initializeApp } = await import('firebase-admin/app');
    const { getFirestore, Timestamp } = await import('firebase-admin/firestore');
    const firestore = getFirestore(initializeApp({ projectId: PROJECT }));
    const t0 = Date.now();
    for (let u = 0; u < opts.users; u += 500) {
      const batch = firestore.batch();
      for (let i = u; i < Math.min(u + 500, opts.users); i++) batch.set(firestore.doc(`users/user${i}`), { timezone: 'UTC' });
      await batch.commit();
    }
    const base = Date.UTC(2024, 0, 1);
    for (let s = 0; s < opts.sessions; s += 500) {
      const batch = firestore.batch();
      for (let i = s; i < Math.min(s + 500, opts.sessions); i++) {
        const start = base + (i % 365) * 86_400_000 + (i % 7) * 3_600_000;
        batch.set(firestore.collection('sessions').doc(), { userId: `user${i % opts.users}`, startTime: Timestamp.fromMillis(start), endTime: Timestamp.fromMillis(start + 40 * 60_000) });
      }
      await batch.commit();
    }
    console.log(`seeded ${opts.sessions.toLocaleString('en-US')} sessions of ${opts.users} users into the emulator in ${seconds(Date.now() - t0)}`);

    for (const label of ['jobs_one', 'jobs_tasks']) scratches.push(await freshDatabase(serverUrl as string, label));
    const [oneDb, tasksDb] = scratches.map((s) => s.url) as [string, string];
    const args = ['--import', 'tsx', 'scripts/backfill.ts', 'sessions', '--from-firestore', '--batch-size', String(opts.batchSize)];
    const env = (db: string, extra: Record<string, string> = {}) => ({ ...process.env, DATABASE_URL: db, FIRESTORE_EMULATOR_HOST: host, GCLOUD_PROJECT: PROJECT, METADATA_SERVER_DETECTION: 'none', ...extra });
    const check = (r: { code: number | null; stdout: string; stderr: string }) => {
      if (r.code !== 0) throw new Error(`backfill failed:\n${r.stdout}\n${r.stderr}`);
    };

    const oneStarted = Date.now();
    const one = await peakConnections(oneDb, () => runProcess(process.execPath, [...args, '--partitions', String(opts.tasks)], env(oneDb)));
    const oneMs = Date.now() - oneStarted;
    check(one.result);

    const tasksStarted = Date.now();
    const tasks = await peakConnections(tasksDb, () =>
      Promise.all(
        Array.from({ length: opts.tasks }, (_, i) =>
          runProcess(process.execPath, args, env(tasksDb, { CLOUD_RUN_JOB: 'bench', CLOUD_RUN_EXECUTION: 'bench-1', CLOUD_RUN_TASK_INDEX: String(i), CLOUD_RUN_TASK_COUNT: String(opts.tasks), CLOUD_RUN_TASK_ATTEMPT: '0' })),
        ),
      ),
    );
    const tasksMs = Date.now() - tasksStarted;
    tasks.result.forEach(check);

    const count = async (db: string, table: string) => Number((await runProcess('psql', [db, '-XAtc', `select count(*) from ${table}`])).stdout.trim());
    const pool = Number(process.env.DB_POOL_SIZE ?? 5);
    console.log(`one process, --partitions ${opts.tasks}:  ${seconds(oneMs)}, peak ${one.peak} connections, ${(await count(oneDb, 'focus_sessions')).toLocaleString('en-US')} sessions, ${await count(oneDb, 'user_streaks')} streaks`);
    console.log(`${opts.tasks} simulated tasks:         ${seconds(tasksMs)}, peak ${tasks.peak} connections, ${(await count(tasksDb, 'focus_sessions')).toLocaleString('en-US')} sessions, ${await count(tasksDb, 'user_streaks')} streaks`);
    console.log(`(DB_POOL_SIZE ${pool} per process: at most ${pool} and ${opts.tasks * pool} connections; each process starts node and tsx, about a second here)`);
  } finally {
    for (const s of scratches) await s.drop();
    await emulator.stop();
  }
  return 0;
});
