import { writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { createRun, loadRun, markRunResumed, markRunStopped, recordSourceTotal, type BackfillKind } from '../../../functions/src/db/backfillRuns';
import { readConfig } from '../../../functions/src/config';
import { withDatabase } from '../cli/database';
import { parseCommandLine } from '../cli/flags';
import { createProgress } from '../cli/progress';
import { UsageError } from '../cli/runCli';
import { joinRunGroup, settleGroupRanges } from '../../../functions/src/db/backfillRunGroups';
import { cloudRunTask, taskGroup, taskRunId } from './cloudRunTask';
import { backfillCli, parseBackfillFlags, planAsFlags, type BackfillFlags } from './backfillOptions';
import { formatSummary, type BackfillReport } from './backfillSummary';
import { groupSummaryCommand } from './groupSummaryCommand';
import { newRunId } from './newRunId';
import { RejectsFile } from './rejectsFile';
import { runBackfill, type BackfillResult, type Checkpoints } from './runBackfill';
import { sourceOfPlan, storedRanges, type RangeChoice } from './sourceOfPlan';
import { readStoredRunOptions, type BackfillPlan, type StoredRunOptions } from './storedRunOptions';

const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * `npm run backfill -- …`: validates the command line, creates or resumes the run, runs it, prints
 * the summary and writes the report. Ctrl-C or SIGTERM stops at the next batch boundary and marks
 * the run interrupted; a second one ends the process at once (the cursor still allows a resume).
 */
export async function backfillCommand(argv: readonly string[], hooks: { checkpoints?: Checkpoints } = {}): Promise<number> {
  if (argv[0] === 'summary') return groupSummaryCommand(argv);
  const cli = parseCommandLine(backfillCli, argv);
  if (cli.help) {
    console.log(cli.text);
    return 0;
  }
  if (cli.command === 'summary') throw new UsageError(['summary comes first and takes only --group <id> [--json]: npm run backfill -- summary --group <id>'], 'backfill');
  const kind = cli.command as BackfillKind | null;
  const config = readConfig();
  const job = cloudRunTask(process.env);
  const task = job.ok ? job.task : null;
  const parsed = parseBackfillFlags(kind, cli.values as unknown as BackfillFlags, cli.given, { nowMs: Date.now(), firestoreAvailable: config.google.firestore, task });
  const problems = [...cli.problems, ...(job.ok ? [] : job.problems), ...(parsed.ok ? [] : parsed.problems)];
  if (problems.length > 0 || !parsed.ok || kind === null) throw new UsageError(problems, 'backfill');
  const command = parsed.command;

  return withDatabase(async (db) => {
    let plan: BackfillPlan;
    let run: { id: string; cursor: unknown; counts: BackfillResult['counts']; group: string | null } | null = null;
    let startedAt = new Date().toISOString();
    let files = { report: command.report, rejects: command.rejects };
    let stored: StoredRunOptions | null = null;
    // A Cloud Run Jobs task resumes the run of its (execution, index) whenever there is one: a retried
    // attempt, but also a first attempt the engine restarted after it had recorded something.
    let resumeId = command.resume;
    if (task && !command.dryRun && !resumeId && (await loadRun(db.pool, taskRunId(task)))) resumeId = taskRunId(task);
    if (task) {
      const what = command.dryRun ? 'dry run' : `${resumeId ? 'resuming' : 'starting'} run ${taskRunId(task)} of group ${taskGroup(task)}`;
      console.log(`Cloud Run Jobs: job ${task.job}, execution ${task.execution}, task ${task.index}/${task.count}, attempt ${task.attempt}: ${what}`);
    }
    if (resumeId) {
      const row = await loadRun(db.pool, resumeId);
      if (!row) throw new UsageError([`--resume: no backfill run ${resumeId} in ${db.describe}`], 'backfill');
      if (row.kind !== kind) throw new UsageError([`--resume: run ${row.id} backfilled ${row.kind}, not ${kind}`], 'backfill');
      const read = readStoredRunOptions(row.options);
      if (!read.ok) throw new UsageError([`--resume: the options run ${row.id} was started with cannot be read (${read.problem}); start a new run instead`], 'backfill');
      stored = read.options;
      // A task's command line is the job's: a different one means the job changed under its execution.
      if (command.plan && !isDeepStrictEqual(stored.plan, command.plan)) {
        throw new UsageError([`run ${row.id} of this task was started with other options (${planAsFlags(stored.plan, { report: null, rejects: null })}); the job's arguments changed: execute it anew`], 'backfill');
      }
      plan = stored.plan;
      // A resumed run keeps the files it was asked for, unless this command names others.
      files = { report: command.report ?? stored.report ?? null, rejects: command.rejects ?? stored.rejects ?? null };
      run = { id: row.id, cursor: row.cursor, counts: row.counts, group: row.group };
      await markRunResumed(db.pool, row.id);
      startedAt = new Date(row.startedAt).toISOString();
      if (row.status === 'completed') console.log(`run ${row.id} already completed; nothing to do`);
    } else {
      plan = command.plan as BackfillPlan;
    }
    // A new task joins its group first: the group may hold the key ranges every task must cut alike.
    let choice: RangeChoice = {};
    if (task && !command.dryRun && !run) {
      const group = taskGroup(task);
      const joined = await joinRunGroup(db.pool, { id: group, kind: plan.kind, taskCount: task.count });
      if (joined.kind !== plan.kind || joined.taskCount !== task.count) {
        throw new UsageError([`run group ${group} backfills ${joined.kind} in ${joined.taskCount} tasks; this task says ${plan.kind} in ${task.count}`], 'backfill');
      }
      choice = { group: { stored: joined.ranges, settle: (all) => settleGroupRanges(db.pool, group, all) } };
    }
    const fixed = stored ? storedRanges.safeParse(stored.fingerprint.ranges) : null;
    if (fixed?.success) choice = { fixed: { ranges: fixed.data, from: stored?.ranges ?? 'prefix' } };
    const source = await sourceOfPlan(plan, config, undefined, choice);
    // Compared as values: jsonb stores object keys in its own order, so the stored JSON text differs.
    if (stored && !isDeepStrictEqual(stored.fingerprint, source.fingerprint)) {
      throw new UsageError([`--resume: the input changed since run ${resumeId} started (${source.describe}); start a new run instead`], 'backfill');
    }
    if (!command.dryRun && !run) {
      const id = task ? taskRunId(task) : (command.runId ?? newRunId());
      const group = task ? taskGroup(task) : null;
      const options: StoredRunOptions = { plan, fingerprint: source.fingerprint, report: files.report, rejects: files.rejects, ...(source.ranges ? { ranges: source.ranges } : {}) };
      await createRun(db.pool, { id, kind: plan.kind, source: source.describe, options, group });
      run = { id, cursor: null, counts: (await loadRun(db.pool, id))!.counts, group };
    }
    const resumeCommand = run ? `npm run backfill -- ${plan.kind} --resume ${run.id}` : null;
    console.log(`${command.dryRun ? 'dry run' : `run ${run?.id}`}: backfill ${plan.kind} from ${source.describe} into ${db.describe}`);
    if (source.rangesNote) console.log(`  ${source.rangesNote}`);
    if (resumeCommand) {
      console.log(`  ${resumeId ? 'resumed with' : 'resume after an interruption with'}: ${resumeCommand}`);
      console.log(`  (a resumed run keeps: ${planAsFlags(plan, files)})`);
    }

    let stopSignal: keyof typeof SIGNAL_EXIT | null = null;
    const onSignal = (signal: keyof typeof SIGNAL_EXIT) => {
      if (stopSignal !== null) process.exit(SIGNAL_EXIT[signal]);
      stopSignal = signal;
      console.error(`\n${signal}: stopping after the current batch (send it again to stop at once)`);
    };
    const signals = (['SIGINT', 'SIGTERM'] as const).map((s) => [s, () => onSignal(s)] as const);
    for (const [s, handler] of signals) process.on(s, handler);

    const rejectsFile = files.rejects ? new RejectsFile(files.rejects) : undefined;
    const began = Date.now();
    const total = await source.total().catch(() => null);
    // For the progress `npm run status` shows; a resumed run counts its source again.
    if (run && !command.dryRun) await recordSourceTotal(db.pool, run.id, total);
    const progress = createProgress({ label: plan.kind, total });
    let result: BackfillResult;
    try {
      result = await runBackfill({
        pool: db.pool,
        source,
        run,
        rejectsFile,
        progress,
        checkpoints: hooks.checkpoints,
        stopRequested: () => stopSignal !== null,
        log: (line) => console.log(line),
        settings: { ...plan, dryRun: command.dryRun, qualifySeconds: config.qualifySeconds, freezeCap: config.freezeCap, maxSessionHours: config.maxSessionHours },
      });
    } catch (error) {
      if (run) await markRunStopped(db.pool, run.id, 'failed');
      console.error(resumeCommand ? `run ${run?.id} failed; after fixing the cause, continue with: ${resumeCommand}` : 'the dry run failed');
      throw error;
    } finally {
      for (const [s, handler] of signals) process.off(s, handler);
      progress.finish();
      await rejectsFile?.close();
    }
    if (result.interrupted && run) await markRunStopped(db.pool, run.id, 'interrupted');
    const durationMs = Date.now() - began;
    const report: BackfillReport = {
      runId: result.runId,
      kind: plan.kind,
      source: source.describe,
      dryRun: command.dryRun,
      status: result.interrupted ? 'interrupted' : 'completed',
      counts: result.counts,
      usersAffected: result.usersAffected,
      startedAt,
      finishedAt: new Date().toISOString(),
      durationMs,
      docsPerSecond: durationMs > 0 ? (result.counts.read * 1000) / durationMs : 0,
    };
    console.log(formatSummary(report));
    if (files.report) writeFileSync(files.report, JSON.stringify(report, null, 2) + '\n');
    if (result.interrupted) {
      console.log(`run ${result.runId ?? '(dry)'} interrupted at a batch boundary; everything up to it is kept.`);
      if (resumeCommand) console.log(`continue with: ${resumeCommand}`);
      return SIGNAL_EXIT[stopSignal ?? 'SIGINT'];
    }
    return 0;
  });
}
