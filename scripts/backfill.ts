import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { readConfig } from '../functions/src/config';
import { parseBackfillFlags, type BackfillPlan, type RawBackfillFlags } from './lib/backfillOptions';
import { createRun, loadRun, newRunId } from './lib/backfillRuns';
import { formatSummary, type BackfillReport } from './lib/backfillSummary';
import { runCli, UsageError } from './lib/cli';
import { crashPlanFromEnv } from './lib/crashPlan';
import { withDatabase } from './lib/database';
import { createProgress } from './lib/progress';
import { RejectsFile } from './lib/rejectsFile';
import { markRunFailed } from './lib/markRunFailed';
import { runBackfill } from './lib/runBackfill';
import { sourceOfPlan } from './lib/sourceOfPlan';

const program = new Command('backfill')
  .description('Copy legacy Firestore sessions or users into PostgreSQL, then rebuild the affected streaks in SQL. Idempotent and resumable.')
  .argument('<what>', 'sessions | users')
  .option('--from-file <path>', 'NDJSON export, one {"path", "data"} document per line (streamed; any size)')
  .option('--from-firestore', 'read Firestore with firebase-admin (emulator or real credentials)')
  .option('--collection <id>', 'collection to read (default: sessions / users)')
  .option('--collection-group <id>', 'read every …/<id>/{doc} subcollection, e.g. users/{uid}/sessions')
  .option('--group-parent <id>', 'with --collection-group: the parent collection, for --shard ranges', 'users')
  .option('--partitions <n>', 'Firestore: read N id ranges in parallel', undefined)
  .option('--read-time <ISO>', 'Firestore: read one consistent snapshot at this instant (≤ 1 h ago, ≤ 7 days with PITR)')
  .option('--shard <i/N>', 'Firestore: this process reads id range i of N (run N processes on N machines)')
  .option('--batch-size <n>', 'documents per transaction (default 1000)')
  .option('--dry-run', 'parse, validate and classify against the database; write nothing to it')
  .option('--resume <runId>', 'continue an interrupted run from its last committed batch, with its own options')
  .option('--run-id <id>', 'id for a new run (default: generated and printed)')
  .option('--since <ISO>', 'catch-up: only documents whose --since-field is at or after this instant')
  .option('--since-field <field>', 'the field --since compares (one the legacy writer sets, e.g. createdAt)')
  .option('--default-timezone <zone>', 'zone for sessions without one whose user has none either (else they are rejected)')
  .addOption(new Option('--no-project', 'rebuild streaks without queueing outbox rows for the Firestore projection'))
  .option('--rebuild-chunk <n>', 'users per rebuild transaction (default 5000)')
  .option('--report <file.json>', 'write the JSON report here')
  .option('--rejects <file.ndjson>', 'append rejected documents here (they are always stored in backfill_rejects)')
  .showHelpAfterError();

runCli(async () => {
  program.parse();
  const [what] = program.args as [string];
  const flags = program.opts<RawBackfillFlags>();
  const config = readConfig();
  const parsed = parseBackfillFlags(what, flags, { nowMs: Date.now(), firestoreAvailable: config.google.firestore });
  if (!parsed.ok) throw new UsageError(parsed.problems);
  const command = parsed.command;

  return withDatabase(async (db) => {
    let plan: BackfillPlan;
    let run: { id: string; cursor: unknown; counts: import('./lib/backfillCounts').BackfillCounts } | null = null;
    let startedAt = new Date().toISOString();
    if (command.resume) {
      const stored = await loadRun(db.pool, command.resume);
      if (!stored) throw new UsageError([`--resume: no backfill run ${command.resume} in ${db.describe}`]);
      if (stored.kind !== what) throw new UsageError([`--resume: run ${stored.id} backfilled ${stored.kind}, not ${what}`]);
      plan = stored.options.plan as BackfillPlan;
      run = { id: stored.id, cursor: stored.cursor, counts: stored.counts };
      startedAt = new Date(stored.startedAt).toISOString();
      if (stored.status === 'completed') console.log(`run ${stored.id} already completed; nothing to do`);
    } else {
      plan = command.plan as BackfillPlan;
    }
    const source = await sourceOfPlan(plan, config);
    if (command.resume && JSON.stringify((await loadRun(db.pool, command.resume))?.options.fingerprint) !== JSON.stringify(source.fingerprint)) {
      throw new UsageError([`--resume: the input changed since run ${command.resume} started (${source.describe}); start a new run instead`]);
    }
    if (!command.dryRun && !run) {
      const id = command.runId ?? newRunId();
      await createRun(db.pool, { id, kind: plan.kind, source: source.describe, options: { plan, fingerprint: source.fingerprint } });
      run = { id, cursor: null, counts: (await loadRun(db.pool, id))!.counts };
    }
    console.log(`${command.dryRun ? 'dry run' : `run ${run?.id}`}: backfill ${plan.kind} from ${source.describe} into ${db.describe}`);
    if (run && !command.resume) console.log(`  resume after an interruption with: npm run backfill -- ${plan.kind} --resume ${run.id}`);

    const rejectsFile = command.rejects ? new RejectsFile(command.rejects) : undefined;
    const began = Date.now();
    const progress = createProgress({ label: plan.kind, total: await source.total().catch(() => null) });
    let result;
    try {
      result = await runBackfill({
        pool: db.pool,
        source,
        run,
        rejectsFile,
        progress,
        crash: crashPlanFromEnv(),
        log: (line) => console.log(line),
        settings: {
          kind: plan.kind,
          collection: plan.collection,
          batchSize: plan.batchSize,
          dryRun: command.dryRun,
          since: plan.since ?? undefined,
          defaultTimeZone: plan.defaultTimeZone ?? undefined,
          project: plan.project,
          qualifySeconds: config.qualifySeconds,
          maxSessionHours: config.maxSessionHours,
          rebuildChunkSize: plan.rebuildChunkSize,
        },
      });
    } catch (error) {
      if (run) await markRunFailed(db.pool, run.id);
      console.error(`run ${run?.id ?? '(dry)'} stopped; continue with: npm run backfill -- ${plan.kind} --resume ${run?.id}`);
      throw error;
    } finally {
      progress.finish();
      await rejectsFile?.close();
    }
    const durationMs = Date.now() - began;
    const report: BackfillReport = {
      runId: result.runId,
      kind: plan.kind,
      source: source.describe,
      dryRun: command.dryRun,
      status: 'completed',
      counts: result.counts,
      usersAffected: result.usersAffected,
      startedAt,
      finishedAt: new Date().toISOString(),
      durationMs,
      docsPerSecond: durationMs > 0 ? (result.counts.read * 1000) / durationMs : 0,
    };
    console.log(formatSummary(report));
    if (command.report) writeFileSync(command.report, JSON.stringify(report, null, 2) + '\n');
    return 0;
  });
});
