import fc from 'fast-check';
import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { readConfig } from '../../functions/src/config';
import { joinRunGroup, loadRunGroup, settleGroupRanges } from '../../functions/src/db/backfillRunGroups';
import { countRunUsers } from '../../functions/src/db/backfillRunUsers';
import { createRun, emptyCounts, groupRuns, loadRun, markRunResumed, markRunStopped, saveCounts } from '../../functions/src/db/backfillRuns';
import { parseBackfillFlags, type BackfillFlags } from '../lib/backfill/backfillOptions';
import type { BackfillPlan } from '../lib/backfill/storedRunOptions';
import { claimGroupRebuild } from '../lib/backfill/claimGroupRebuild';
import { cloudRunTask, taskRunId, type CloudRunTask } from '../lib/backfill/cloudRunTask';
import { storeSource } from '../lib/backfill/firestoreSource';
import { groupSummary } from '../lib/backfill/groupSummary';
import { inRange, keyRanges } from '../lib/backfill/keyRanges';
import { comparePaths, rangesOfPoints, rangesOfTask } from '../lib/backfill/partitionRanges';
import { runBackfill, type BackfillSettings } from '../lib/backfill/runBackfill';
import { sourceOfPlan, storedRanges } from '../lib/backfill/sourceOfPlan';
import { memoryStore } from './support/memoryStore';
import { storedOptions } from './support/storedOptions';
import { emptyTables, migrationState } from './support/snapshot';
import { messyExportDocuments } from './support/messyExportDocuments';

// Cloud Run Jobs as the engine: the task's environment, the flags it conflicts with, and a run group's
// tasks (run here side by side in one process, against PostgreSQL) rebuilding their users once.

const env = (over: Record<string, string | undefined> = {}) => ({
  CLOUD_RUN_JOB: 'backfill-sessions',
  CLOUD_RUN_EXECUTION: 'backfill-sessions-x7k2p',
  CLOUD_RUN_TASK_INDEX: '3',
  CLOUD_RUN_TASK_COUNT: '16',
  CLOUD_RUN_TASK_ATTEMPT: '0',
  ...over,
});

describe('the environment of a Cloud Run Jobs task', () => {
  it('is no task outside a job, and a task with every variable set', () => {
    expect(cloudRunTask({ PATH: '/bin' })).toEqual({ ok: true, task: null });
    expect(cloudRunTask(env())).toEqual({ ok: true, task: { job: 'backfill-sessions', execution: 'backfill-sessions-x7k2p', index: 3, count: 16, attempt: 0 } });
  });

  it('refuses a half-set or malformed environment with a clear problem', () => {
    expect(cloudRunTask({ CLOUD_RUN_TASK_INDEX: '1' })).toEqual({ ok: false, problems: ['CLOUD_RUN_TASK_INDEX set without CLOUD_RUN_EXECUTION: not a Cloud Run Jobs task'] });
    expect(cloudRunTask(env({ CLOUD_RUN_TASK_COUNT: undefined }))).toEqual({ ok: false, problems: ['Cloud Run Jobs environment: CLOUD_RUN_TASK_COUNT is not set'] });
    expect(cloudRunTask(env({ CLOUD_RUN_TASK_INDEX: '16' }))).toEqual({ ok: false, problems: ['Cloud Run Jobs environment: CLOUD_RUN_TASK_INDEX must be below CLOUD_RUN_TASK_COUNT'] });
    expect(cloudRunTask(env({ CLOUD_RUN_TASK_ATTEMPT: '-1' }))).toEqual({ ok: false, problems: ['Cloud Run Jobs environment: CLOUD_RUN_TASK_ATTEMPT must be an integer'] });
    expect(cloudRunTask(env({ CLOUD_RUN_EXECUTION: 'Bad Name' }))).toMatchObject({ ok: false });
  });

  it("derives one run id per (execution, index), the same for every attempt", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.nat(), fc.nat(), fc.nat({ max: 10 }), fc.nat({ max: 10 }), (count, a, b, attemptA, attemptB) => {
        const parse = (index: number, attempt: number) => {
          const r = cloudRunTask(env({ CLOUD_RUN_TASK_COUNT: String(count), CLOUD_RUN_TASK_INDEX: String(index % count), CLOUD_RUN_TASK_ATTEMPT: String(attempt) }));
          if (!r.ok || !r.task) throw new Error(JSON.stringify(r));
          return r.task;
        };
        const [ta, tb] = [parse(a, attemptA), parse(b, attemptB)];
        expect(taskRunId(ta) === taskRunId(tb)).toBe(ta.index === tb.index);
        expect(taskRunId(ta)).toMatch(/^[A-Za-z0-9_.:-]{1,100}$/);
      }),
    );
  });
});

describe('backfill flags inside a Cloud Run Jobs task', () => {
  const task: CloudRunTask = { job: 'bf', execution: 'bf-abc', index: 2, count: 4, attempt: 0 };
  const defaults: BackfillFlags = { groupParent: 'users', partitions: 1, batchSize: 5000, project: true, rebuildChunk: 5000 };
  const parse = (flags: Partial<BackfillFlags>, t: CloudRunTask | null = task) =>
    parseBackfillFlags('sessions', { ...defaults, ...flags }, new Set(Object.keys(flags)), { nowMs: Date.now(), firestoreAvailable: true, task: t });

  it('make the task its shard INDEX/COUNT when --shard is not given', () => {
    const parsed = parse({ fromFirestore: true, partitions: 2 });
    expect(parsed.ok && parsed.command.plan?.source).toEqual({ type: 'firestore', readTimeMs: null, shard: { index: 2, count: 4 }, partitions: 2 });
    expect(parse({ fromFirestore: true, shard: '2/4' }).ok).toBe(true);
  });

  it('split a managed export over the tasks by file (the task is the export shard)', () => {
    const dir = path.join(__dirname, 'fixtures/emulator-export');
    const parsed = parse({ fromExport: dir });
    expect(parsed.ok && parsed.command.plan?.source).toEqual({ type: 'export', dir, shard: { index: 2, count: 4 } });
  });

  it('refuse flags that say otherwise than the task', () => {
    const problems = (flags: Partial<BackfillFlags>) => {
      const parsed = parse(flags);
      return parsed.ok ? [] : parsed.problems;
    };
    expect(problems({ fromFirestore: true, shard: '0/2' })).toEqual([expect.stringMatching(/^--shard 0\/2 conflicts with this Cloud Run Jobs task 2\/4/)]);
    expect(problems({ fromFirestore: true, runId: 'mine' })).toEqual([expect.stringMatching(/^--run-id: a Cloud Run Jobs task's run id is derived .*\(bf-abc-task-2\)/)]);
    expect(problems({ resume: 'bf-other' })).toEqual([expect.stringMatching(/^--resume bf-other: this Cloud Run Jobs task resumes its own run bf-abc-task-2 by itself/)]);
    expect(problems({ fromFile: __filename })).toEqual(['a Cloud Run Jobs execution of 4 tasks needs a source it can split over them: --from-firestore (key ranges) or --from-export (its files)']);
    expect(problems({ fromFirestore: true, since: '2024-01-01T00:00:00Z', sinceField: 'createdAt' })).toEqual([expect.stringMatching(/nor run as several Cloud Run Jobs tasks/)]);
  });
});

// The fixture's readable documents, as Firestore would hold them.
const { documents, users } = messyExportDocuments();

const settings: BackfillSettings = {
  kind: 'sessions', collection: 'sessions', batchSize: 2, dryRun: false, project: true,
  qualifySeconds: 1800, maxSessionHours: 24, rebuildChunkSize: 2,
};
const TASKS = 3;

// The embedded database serves every connection from one session, so concurrent transactions there
// interleave in one backend: its tasks run one after another, and the race itself is proven on PostgreSQL.
async function settleTasks<T>(tasks: (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
  if (!usesEmbeddedDatabase) return Promise.allSettled(tasks.map((task) => task()));
  const settled: PromiseSettledResult<T>[] = [];
  for (const task of tasks) settled.push(await task().then((value) => ({ status: 'fulfilled' as const, value }), (reason: unknown) => ({ status: 'rejected' as const, reason })));
  return settled;
}
async function runTasks<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
  return (await settleTasks(tasks)).map((outcome) => {
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  });
}
if (usesEmbeddedDatabase) console.info('backfillJobs.test.ts: on the embedded database the tasks run one after another and the race for the rebuild is skipped (one backend, nothing races there); set DATABASE_URL to run them side by side');

describe('a run group: the tasks of one execution, against PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ poolSize: 12 });
  });
  afterAll(async () => {
    await db.close();
  });

  const source = (index: number, count: number) => storeSource(memoryStore(documents, { collection: 'sessions', users }), { ranges: keyRanges(index, count, 1), fingerprint: {} });
  const taskId = (group: string, index: number) => `${group}-task-${index}`;
  const inShard = (index: number) =>
    Object.keys(documents).filter((p) => /^sessions\/[^/]+$/.test(p) && keyRanges(index, TASKS, 1).some((r) => inRange(p.split('/')[1]!, r))).length;

  async function startTask(group: string, index: number) {
    await joinRunGroup(db.pool, { id: group, kind: 'sessions', taskCount: TASKS });
    await createRun(db.pool, { id: taskId(group, index), kind: 'sessions', source: 'memory', options: storedOptions({ source: { type: 'firestore', shard: { index, count: TASKS }, readTimeMs: 1_700_000_000_000, partitions: 1 } }), group });
    const row = (await loadRun(db.pool, taskId(group, index)))!;
    return { id: row.id, cursor: row.cursor, counts: row.counts, group: row.group };
  }

  async function singleRun() {
    await emptyTables(db.pool);
    await createRun(db.pool, { id: 'single', kind: 'sessions', source: 'memory', options: {} });
    const run = (await loadRun(db.pool, 'single'))!;
    const result = await runBackfill({ pool: db.pool, source: source(0, 1), settings, run });
    return { state: await migrationState(db.pool), counts: result.counts };
  }

  it('reaches the state of one process, rebuilding every user once, in the task that reads last', async () => {
    const single = await singleRun();
    await emptyTables(db.pool);
    const runs = await runTasks(Array.from({ length: TASKS }, (_, i) => () => startTask('exec-a', i)));
    const results = await runTasks(runs.map((run, i) => () => runBackfill({ pool: db.pool, source: source(i, TASKS), settings, run })));
    // Streak versions included: a user several tasks touched is rebuilt (and projected) once, not once per task.
    expect(await migrationState(db.pool)).toEqual(single.state);
    const group = (await loadRunGroup(db.pool, 'exec-a'))!;
    const rebuilders = results.filter((r) => r.counts.usersRebuilt > 0);
    expect(rebuilders.map((r) => r.runId)).toEqual([group.rebuilder]);
    expect(rebuilders[0]!.counts.usersRebuilt).toBe(single.counts.usersRebuilt);

    const summary = groupSummary(group, await groupRuns(db.pool, 'exec-a'), await countRunUsers(db.pool, runs.map((r) => r.id)), Date.now());
    expect(summary).toMatchObject({
      status: 'completed',
      tasks: { expected: TASKS, started: TASKS, completed: TASKS, running: 0, stalled: 0, failed: 0, notStarted: 0 },
      counts: { read: single.counts.read, inserted: single.counts.inserted, duplicates: single.counts.duplicates, rejected: single.counts.rejected, rejectsByReason: single.counts.rejectsByReason },
      users: { affected: single.counts.usersRebuilt, pendingRebuild: 0, rebuilt: single.counts.usersRebuilt },
      rebuild: { state: 'done', by: group.rebuilder },
      readTimes: ['2023-11-14T22:13:20.000Z'],
      warnings: [],
    });
  });

  it('a task that crashed mid-read resumes its own run; the users wait for the rebuild until it has, and nothing is counted twice', async () => {
    const single = await singleRun();
    await emptyTables(db.pool);
    const runs = await runTasks(Array.from({ length: TASKS }, (_, i) => () => startTask('exec-b', i)));
    // The task whose key ranges hold the most sessions dies after its first committed batch.
    const victim = [0, 1, 2].sort((a, b) => inShard(b) - inShard(a))[0]!;
    const boom = new Error(`task ${victim} lost its VM`);
    const outcomes = await settleTasks(
      runs.map((run, i) => () => runBackfill({ pool: db.pool, source: source(i, TASKS), settings, run, checkpoints: { at: (p, n) => { if (i === victim && p === 'between' && n === 1) throw boom; } } })),
    );
    expect(outcomes.map((o) => o.status)).toEqual([0, 1, 2].map((i) => (i === victim ? 'rejected' : 'fulfilled')));
    const ids = runs.map((r) => r.id);
    const waiting = groupSummary((await loadRunGroup(db.pool, 'exec-b'))!, await groupRuns(db.pool, 'exec-b'), await countRunUsers(db.pool, ids), Date.now());
    expect(waiting).toMatchObject({ status: 'running', tasks: { completed: 2, running: 1 }, rebuild: { state: 'waiting', by: null } });
    expect(waiting.users.pendingRebuild).toBeGreaterThan(0);

    // The engine's second attempt: the same run id, its cursor and counts.
    const saved = (await loadRun(db.pool, ids[victim]!))!;
    expect(saved.counts.read).toBeGreaterThan(0);
    const resumed = await runBackfill({ pool: db.pool, source: source(victim, TASKS), settings, run: { id: saved.id, cursor: saved.cursor, counts: saved.counts, group: saved.group } });
    expect(resumed.counts.usersRebuilt).toBe(single.counts.usersRebuilt);
    expect(await migrationState(db.pool)).toEqual(single.state);
    const summary = groupSummary((await loadRunGroup(db.pool, 'exec-b'))!, await groupRuns(db.pool, 'exec-b'), await countRunUsers(db.pool, ids), Date.now());
    expect(summary).toMatchObject({ status: 'completed', rebuild: { state: 'done', by: ids[victim] }, users: { pendingRebuild: 0 }, counts: { read: single.counts.read, inserted: single.counts.inserted } });
  });

  (usesEmbeddedDatabase ? it.skip : it)('of tasks finishing their read at the same moment, exactly one claims the rebuild', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), async (count) => {
        const group = `race-${++round}`;
        await joinRunGroup(db.pool, { id: group, kind: 'sessions', taskCount: count });
        const ids = Array.from({ length: count }, (_, i) => taskId(group, i));
        for (const id of ids) await createRun(db.pool, { id, kind: 'sessions', source: 'memory', options: {}, group });
        // Each task commits its read, then asks: the way runBackfill does, all at once.
        const claims = await Promise.all(ids.map(async (id) => {
          await saveCounts(db.pool, id, { ...emptyCounts(), sourceDone: true });
          return claimGroupRebuild(db.pool, group, id);
        }));
        expect(claims.filter((c) => c.rebuilds)).toHaveLength(1);
        const rebuilder = (await loadRunGroup(db.pool, group))!.rebuilder;
        // Its retried attempt keeps the claim; the others still do not get it.
        for (const id of ids) expect((await claimGroupRebuild(db.pool, group, id)).rebuilds).toBe(id === rebuilder);
      }),
      { numRuns: 15 },
    );
  });

  it('a failed task needs attention until its retry resumes it', async () => {
    await emptyTables(db.pool);
    await startTask('exec-f', 0);
    await markRunStopped(db.pool, 'exec-f-task-0', 'failed');
    const summary = async () => groupSummary((await loadRunGroup(db.pool, 'exec-f'))!, await groupRuns(db.pool, 'exec-f'), { users: 0, pending: 0 }, Date.now());
    expect(await summary()).toMatchObject({ status: 'needs attention', tasks: { failed: 1 }, warnings: expect.arrayContaining([expect.stringMatching(/^task run exec-f-task-0 is failed: .*--resume exec-f-task-0$/)]) });
    await markRunResumed(db.pool, 'exec-f-task-0');
    expect(await summary()).toMatchObject({ status: 'running', tasks: { failed: 0, running: 1 } });
  });

  it('does not warn about moments when the tasks read one export (one snapshot, whoever reads it)', async () => {
    await emptyTables(db.pool);
    await joinRunGroup(db.pool, { id: 'exec-e', kind: 'sessions', taskCount: 2 });
    for (const index of [0, 1]) {
      await createRun(db.pool, { id: `exec-e-task-${index}`, kind: 'sessions', source: 'export', options: storedOptions({ source: { type: 'export', dir: '/exports/2026-12-01', shard: { index, count: 2 } } }), group: 'exec-e' });
    }
    const summary = groupSummary((await loadRunGroup(db.pool, 'exec-e'))!, await groupRuns(db.pool, 'exec-e'), { users: 0, pending: 0 }, Date.now());
    expect(summary.readTimes).toEqual([]);
    expect(summary.warnings).toEqual([]);
    expect(summary.runs.map((r) => r.shard)).toEqual(['0/2', '1/2']);
  });

  it('warns when the tasks read different moments', async () => {
    await emptyTables(db.pool);
    await joinRunGroup(db.pool, { id: 'exec-c', kind: 'sessions', taskCount: 2 });
    await createRun(db.pool, { id: 'exec-c-task-0', kind: 'sessions', source: 'memory', options: storedOptions(), group: 'exec-c' });
    await createRun(db.pool, { id: 'exec-c-task-1', kind: 'sessions', source: 'memory', options: storedOptions(), group: 'exec-c' });
    const summary = groupSummary((await loadRunGroup(db.pool, 'exec-c'))!, await groupRuns(db.pool, 'exec-c'), { users: 0, pending: 0 }, Date.now());
    expect(summary.readTimes).toEqual([null]);
    expect(summary.warnings).toEqual([expect.stringMatching(/^the tasks read different moments .*same --read-time/)]);
    expect(await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from backfill_runs where run_group = 'exec-c'`)).toBe(2);
  });
});

describe("collection groups cut by Firestore's partitions", () => {
  const segment = fc.constantFrom('a', 'a-b', 'a.b', 'b', 'users', 'Z', '0', 'ab', 'a0');
  const docPath = fc.array(fc.tuple(segment, segment), { minLength: 1, maxLength: 3 }).map((pairs) => pairs.flat().join('/'));
  const inPathRange = (key: string, r: { from: string | null; to: string | null }) =>
    (r.from === null || comparePaths(key, r.from) >= 0) && (r.to === null || comparePaths(key, r.to) < 0);

  it('turn split points in any order, repeated, into ranges that hold every key exactly once, dealt to tasks without loss', () => {
    fc.assert(
      fc.property(fc.array(docPath, { maxLength: 12 }), fc.array(docPath, { maxLength: 30 }), fc.integer({ min: 1, max: 5 }), (points, keys, tasks) => {
        const all = rangesOfPoints(points);
        const dealt = Array.from({ length: tasks }, (_, i) => rangesOfTask(all, i, tasks)).flat();
        expect(dealt).toHaveLength(all.length);
        for (const key of keys) expect(dealt.filter((r) => inPathRange(key, r))).toHaveLength(1);
      }),
    );
  });

  it('order paths segment by segment, as Firestore does', () => {
    expect(['users/a-b/s/1', 'users/a/s/1', 'users/a/s/1/x/2'].sort(comparePaths)).toEqual(['users/a/s/1', 'users/a/s/1/x/2', 'users/a-b/s/1']);
  });

  describe('against PostgreSQL', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase({ poolSize: 6 });
    });
    afterAll(async () => {
      await db.close();
    });
    const plan = (shard: { index: number; count: number }, partitions: number): BackfillPlan => ({
      kind: 'sessions', source: { type: 'firestore', readTimeMs: null, shard, partitions }, collection: 'sessions', group: true, groupParent: 'users',
      batchSize: 2, since: null, defaultTimeZone: null, project: true, rebuildChunkSize: 2,
    });
    const groupSettings: BackfillSettings = { ...settings };
    const store = (partitions: boolean) => memoryStore(documents, { group: 'sessions', users, partitions });

    it('one process reads the partitions, and a crashed run resumes inside them to the state of an uninterrupted one', async () => {
      await emptyTables(db.pool);
      await createRun(db.pool, { id: 'prefix', kind: 'sessions', source: 'memory', options: {} });
      const prefix = await sourceOfPlan(plan({ index: 0, count: 1 }, 3), readConfig(), store(false));
      expect(prefix.rangesNote).toBe('key ranges: document-id prefixes (this store offers no partitions)');
      await runBackfill({ pool: db.pool, source: prefix, settings: groupSettings, run: (await loadRun(db.pool, 'prefix'))! });
      const expected = { ...((await migrationState(db.pool)) as object), rejects: undefined };

      await emptyTables(db.pool);
      const source = await sourceOfPlan(plan({ index: 0, count: 1 }, 3), readConfig(), store(true));
      expect(source.ranges).toBe('partitions');
      expect(source.rangesNote).toMatch(/^key ranges: Firestore's partitions \(3 partitions of the collection group, 3 read here\)$/);
      // Sorted (the store answered in reverse) and contiguous from the first key to the last.
      const ranges = source.fingerprint.ranges as Array<{ from: string | null; to: string | null }>;
      expect(ranges[0]!.from).toBeNull();
      expect(ranges[ranges.length - 1]!.to).toBeNull();
      ranges.slice(1).forEach((r, i) => expect(r.from).toBe(ranges[i]!.to));
      ranges.slice(1, -1).forEach((r) => expect(comparePaths(r.from!, r.to!)).toBeLessThan(0));
      await createRun(db.pool, { id: 'parts', kind: 'sessions', source: 'memory', options: { fingerprint: source.fingerprint, ranges: 'partitions' } });
      const boom = new Error('lost the VM');
      await expect(runBackfill({ pool: db.pool, source, settings: groupSettings, run: (await loadRun(db.pool, 'parts'))!, checkpoints: { at: (p, n) => { if (p === 'between' && n === 3) throw boom; } } })).rejects.toBe(boom);
      const saved = (await loadRun(db.pool, 'parts'))!;
      // The resume cuts as the run started, from its stored ranges, whatever Firestore would answer now.
      const again = await sourceOfPlan(plan({ index: 0, count: 1 }, 3), readConfig(), store(false), { fixed: { ranges: storedRanges.parse((saved.options.fingerprint as { ranges: unknown }).ranges), from: 'partitions' } });
      expect(again.fingerprint).toEqual(source.fingerprint);
      await runBackfill({ pool: db.pool, source: again, settings: groupSettings, run: saved });
      expect({ ...((await migrationState(db.pool)) as object), rejects: undefined }).toEqual(expected);
    });

    it("the tasks of a group cut by the one answer the first task stored", async () => {
      await emptyTables(db.pool);
      await joinRunGroup(db.pool, { id: 'exec-p', kind: 'sessions', taskCount: 2 });
      const sources = [];
      for (const index of [0, 1]) {
        const group = await loadRunGroup(db.pool, 'exec-p');
        sources.push(await sourceOfPlan(plan({ index, count: 2 }, 2), readConfig(), store(true), { group: { stored: group!.ranges, settle: (all) => settleGroupRanges(db.pool, 'exec-p', all) } }));
      }
      const stored = (await loadRunGroup(db.pool, 'exec-p'))!.ranges!;
      expect(sources.map((s) => s.ranges)).toEqual(['partitions', 'partitions']);
      expect(sources.flatMap((s) => s.fingerprint.ranges as unknown[])).toEqual(expect.arrayContaining(stored));
      expect(sources.flatMap((s) => s.fingerprint.ranges as unknown[])).toHaveLength(stored.length);
      // Separate --shard processes, with no group to share one answer, keep the prefix ranges.
      expect((await sourceOfPlan(plan({ index: 0, count: 2 }, 2), readConfig(), store(true))).rangesNote).toMatch(/document-id prefixes \(separate --shard processes/);
    });
  });
});
