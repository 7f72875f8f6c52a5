import { writeFileSync } from 'node:fs';
import { enqueueStreakProjectionReporting, projectionEligibility, type UserProblem, streakUsersAfter, usersWithoutStreak } from '../functions/src/db/streakRebuild';
import { withDatabase } from './lib/cli/database';
import { writableFile } from './lib/cli/fileFlags';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { createProgress } from './lib/cli/progress';
import { runCli, UsageError } from './lib/cli/runCli';
import { parseSelection } from './lib/maintenance/userSelection';

const spec: CliSpec = {
  name: 'reproject',
  description:
    'Queue the current streaks for the Firestore projection (one outbox row per user). A user whose current version still waits in the outbox is skipped; otherwise the version is bumped, because the projector ignores versions it already holds.',
  flags: [
    { flag: '--all', description: 'every user with a computed streak' },
    { flag: '--user', value: '<id>', variadic: true, description: 'these users' },
    { flag: '--chunk', value: '<n>', int: { min: 1, max: 100_000 }, default: 2000, description: 'users per transaction' },
    { flag: '--dry-run', description: 'count what would be queued, queue nothing' },
    { flag: '--report', value: '<file.json>', description: 'write the JSON report here' },
  ],
};

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  const flags = cli.values as { all?: boolean; user?: string[]; chunk: number; dryRun?: boolean; report?: string };
  const problems = cli.problems;
  const selection = parseSelection(flags, problems);
  const reportFile = writableFile(flags.report, '--report', problems);
  if (problems.length > 0 || selection === null) throw new UsageError(problems, spec.name);

  return withDatabase(async (db) => {
    const started = Date.now();
    const ids = 'all' in selection ? null : selection.ids;
    const notFound = ids === null ? [] : await usersWithoutStreak(db.pool, ids);
    if (notFound.length > 0) console.error(`not found (no streak for these users in ${db.describe}): ${notFound.join(', ')}`);
    const before = await projectionEligibility(db.pool, ids);
    let queued = 0;
    // Users whose stored streak cannot become an event (e.g. a zone PostgreSQL lacks): named, not queued.
    const problems: UserProblem[] = [];
    if (!flags.dryRun) {
      const progress = createProgress({ label: 'reproject', total: before.eligible });
      // Keyset over user ids, one transaction per chunk.
      let after = '';
      for (;;) {
        const chunkIds = await streakUsersAfter(db.pool, after, flags.chunk, ids);
        if (chunkIds.length === 0) break;
        after = chunkIds[chunkIds.length - 1] as string;
        const chunk = await enqueueStreakProjectionReporting(db.pool, chunkIds);
        queued += chunk.queued.length;
        problems.push(...chunk.problems);
        progress.update(queued, queued);
      }
      progress.finish();
    }
    const skipped = { waitingInOutbox: before.waiting, neverComputed: before.neverComputed, notFound: notFound.length };
    const report = { dryRun: Boolean(flags.dryRun), eligible: before.eligible, queued, skipped, notFound, notQueued: problems, durationMs: Date.now() - started };
    for (const p of problems) console.error(`not queued: user ${p.userId}: ${p.problem}`);
    console.log(
      flags.dryRun
        ? `would queue ${before.eligible} streaks for projection`
        : `queued ${queued} streaks for projection (new versions) in ${(report.durationMs / 1000).toFixed(1)} s`,
    );
    const reasons = [
      skipped.waitingInOutbox > 0 ? `${skipped.waitingInOutbox} whose current version still waits in the outbox (the relay publishes it; nothing to add)` : null,
      skipped.neverComputed > 0 ? `${skipped.neverComputed} with no computed streak yet (version 0)` : null,
      notFound.length > 0 ? `${notFound.length} not found: ${notFound.join(', ')}` : null,
    ].filter((r): r is string => r !== null);
    if (reasons.length > 0) console.log(`skipped ${reasons.map((r) => `\n  ${r}`).join('')}`);
    if (reportFile) writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n');
    return 0;
  });
});
