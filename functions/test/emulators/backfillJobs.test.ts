import path from 'node:path';
import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { sql } from 'slonik';
import { z } from 'zod';
import { usesEmbeddedDatabase } from '../support/testDatabase';
import { adminFirestore, clearFirestore } from './support/stack';
import { expectExit, readJson, rejectsOf, runCli, scratchDatabases, sqlState, stopCliChildren, tempDir } from './support/migrationCli';

// Cloud Run Jobs simulated: N processes of the real backfill CLI, each with the variables the engine
// sets in a task, read the Firestore emulator into one PostgreSQL database. One task is killed
// (SIGKILL) after its first committed batch and started again as the engine's retry
// (CLOUD_RUN_TASK_ATTEMPT=1, same command line, no --resume). The result must equal one process
// reading the same documents, and the run group's summary must add the tasks up.

jest.setTimeout(300_000);

const TASKS = 4;
const EXECUTION = 'backfill-sessions-sim1';
// Ids spread over the whole id alphabet, so every task's key range holds several batches.
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const USERS = ['ana', 'ben', 'cy', 'dee', 'eli'];

async function seed(firestore: Firestore): Promise<void> {
  const batch = firestore.batch();
  for (const [u, user] of USERS.entries()) batch.set(firestore.doc(`users/${user}`), { timezone: ['America/New_York', 'Europe/Paris', 'Asia/Kathmandu', 'UTC', 'Asia/Tokyo'][u] });
  for (let i = 0; i < 96; i++) {
    const id = `${ALPHABET[(i * 37) % 62]}${ALPHABET[(i * 11) % 62]}sim${i}`;
    const user = USERS[i % USERS.length]!;
    const start = Date.UTC(2024, 5, 1 + Math.floor(i / USERS.length), 9);
    // Every 16th document is one the backfill refuses, so rejects add up over the tasks too.
    const data = i % 16 === 5 ? { userId: user, startTime: 'not a time', endTime: 'never' } : { userId: user, startTime: Timestamp.fromMillis(start), endTime: Timestamp.fromMillis(start + 40 * 60_000) };
    batch.set(firestore.doc(`sessions/${id}`), data);
  }
  await batch.commit();
}

const taskEnv = (index: number, attempt: number) => ({
  CLOUD_RUN_JOB: 'backfill-sessions',
  CLOUD_RUN_EXECUTION: EXECUTION,
  CLOUD_RUN_TASK_INDEX: String(index),
  CLOUD_RUN_TASK_COUNT: String(TASKS),
  CLOUD_RUN_TASK_ATTEMPT: String(attempt),
});

describe('Cloud Run Jobs simulated: N task processes of the backfill CLI against the Firestore emulator', () => {
  const databases = scratchDatabases();
  const dir = tempDir('backfill-jobs-');
  const firestore = adminFirestore();

  beforeEach(async () => {
    await clearFirestore();
  });
  afterAll(async () => {
    await stopCliChildren();
    await databases.closeAll();
    await clearFirestore();
  });

  (usesEmbeddedDatabase ? it.skip : it)('a killed task retried with CLOUD_RUN_TASK_ATTEMPT=1 resumes its own run; the group ends as one process would, counted once, summed right', async () => {
    await seed(firestore);
    const readTime = new Date().toISOString();
    // The engine runs one command line for every task.
    const args = ['sessions', '--from-firestore', '--read-time', readTime, '--batch-size', '3', '--rebuild-chunk', '2'];

    const single = await databases.create();
    const singleReport = path.join(dir, 'single.json');
    expectExit(await runCli('backfill.ts', [...args, '--report', singleReport], single.url), 0);
    const expected = readJson(singleReport);
    expect(expected.counts).toMatchObject({ read: 96, rejected: 6, rejectsByReason: { invalid_time: 6 } });

    const db = await databases.create();
    const killedIndex = 2;
    const first = await Promise.all(
      Array.from({ length: TASKS }, (_, i) =>
        i === killedIndex
          ? runCli('test/support/crashingBackfill.ts', args, db.url, { ...taskEnv(i, 0), BACKFILL_CRASH_AT: 'between:1' })
          : runCli('backfill.ts', args, db.url, taskEnv(i, 0)),
      ),
    );
    for (const [i, r] of first.entries()) if (i !== killedIndex) expectExit(r, 0);
    const killed = first[killedIndex]!;
    expect(killed.signal === 'SIGKILL' || killed.code === 137).toBe(true);
    const runId = `${EXECUTION}-task-${killedIndex}`;
    const saved = await db.pool.one(sql.type(z.object({ status: z.string(), group: z.string(), counts: z.object({ read: z.number(), sourceDone: z.boolean() }).passthrough() }))`
      select status, run_group as "group", counts from backfill_runs where id = ${runId}`);
    // Killed mid-run: after its first batch, before its source's end.
    expect(saved).toMatchObject({ status: 'running', group: EXECUTION, counts: { read: 3, sourceDone: false } });

    // While one task is missing, the group's users wait for the rebuild and the summary says so.
    const waiting = await runCli('backfill.ts', ['summary', '--group', EXECUTION, '--json'], db.url);
    expectExit(waiting, 0);
    expect(JSON.parse(waiting.stdout)).toMatchObject({ status: 'running', tasks: { expected: TASKS, completed: TASKS - 1, running: 1 }, rebuild: { state: 'waiting', by: null } });
    expect(JSON.parse(waiting.stdout).users.pendingRebuild).toBeGreaterThan(0);

    const retried = await runCli('backfill.ts', args, db.url, taskEnv(killedIndex, 1));
    expectExit(retried, 0);
    expect(retried.stdout).toContain(`task ${killedIndex}/${TASKS}, attempt 1: resuming run ${runId} of group ${EXECUTION}`);
    expect(retried.stdout).toContain('every task has read its source; this task rebuilds the users');

    // Versions included: every user was rebuilt (and projected) once, as by the single process.
    expect(await sqlState(db.pool)).toEqual(await sqlState(single.pool));
    expect(await rejectsOf(db.pool)).toEqual(await rejectsOf(single.pool));
    const outbox = sql.type(z.object({ user_id: z.string(), n: z.number() }))`select user_id, count(*)::int as n from streak_outbox group by user_id order by user_id`;
    expect(await db.pool.any(outbox)).toEqual(await single.pool.any(outbox));

    const summary = await runCli('backfill.ts', ['summary', '--group', EXECUTION, '--json'], db.url);
    expectExit(summary, 0);
    const s = JSON.parse(summary.stdout);
    const c = expected.counts;
    expect(s).toMatchObject({
      group: EXECUTION,
      status: 'completed',
      tasks: { expected: TASKS, started: TASKS, completed: TASKS, running: 0, stalled: 0, failed: 0, notStarted: 0 },
      counts: { read: c.read, inserted: c.inserted, duplicates: c.duplicates, rejected: c.rejected, rejectsByReason: c.rejectsByReason },
      users: { affected: expected.usersAffected, pendingRebuild: 0, rebuilt: c.usersRebuilt },
      rebuild: { state: 'done', by: runId },
      readTimes: [new Date(readTime).toISOString()],
      warnings: [],
    });
    const status = await runCli('status.ts', ['--json'], db.url);
    const runs = JSON.parse(status.stdout).backfill.runs as Array<{ id: string; group: string | null; shard: string | null }>;
    expect(runs.map((r) => [r.group, r.shard]).sort()).toEqual(Array.from({ length: TASKS }, (_, i) => [EXECUTION, `${i}/${TASKS}`]));
  });
});
