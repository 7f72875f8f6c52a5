import { writeFileSync } from 'node:fs';
import { readConfig } from '../functions/src/config';
import { countUsersWithSessions } from '../functions/src/db/focusSessions';
import { rebuildStreaksReporting, type UserProblem } from '../functions/src/db/streakRebuild';
import { unknownUsers } from '../functions/src/db/users';
import { withDatabase } from './lib/cli/database';
import { writableFile } from './lib/cli/fileFlags';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { createProgress } from './lib/cli/progress';
import { runCli, UsageError } from './lib/cli/runCli';
import { parseSelection, userChunks } from './lib/maintenance/userSelection';

const spec: CliSpec = {
  name: 'recompute',
  description: 'Rebuild daily credit, runs and streaks from focus_sessions in SQL (after a QUALIFY_MINUTES change or a bug fix). Versions move only where a streak changed.',
  flags: [
    { flag: '--all', description: 'every user with sessions' },
    { flag: '--user', value: '<id>', variadic: true, description: 'these users' },
    { flag: '--chunk', value: '<n>', int: { min: 1, max: 100_000 }, default: 2000, description: 'users per transaction' },
    { flag: '--no-project', description: 'do not queue outbox rows for changed streaks' },
    { flag: '--dry-run', description: 'compute in a transaction that is rolled back: reports what would change, keeps nothing' },
    { flag: '--report', value: '<file.json>', description: 'write the JSON report here' },
  ],
};

class RollBack extends Error {}

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  const flags = cli.values as { all?: boolean; user?: string[]; chunk: number; project: boolean; dryRun?: boolean; report?: string };
  const problems = cli.problems;
  const selection = parseSelection(flags, problems);
  const reportFile = writableFile(flags.report, '--report', problems);
  const config = readConfig();
  if (problems.length > 0 || selection === null) throw new UsageError(problems, spec.name);

  return withDatabase(async (db) => {
    const notFound = 'all' in selection ? [] : await unknownUsers(db.pool, selection.ids);
    if (notFound.length > 0) console.error(`not found (no such user in ${db.describe}): ${notFound.join(', ')}`);
    const found = 'all' in selection ? selection : { ids: selection.ids.filter((id) => !notFound.includes(id)) };
    const total = 'all' in found ? await countUsersWithSessions(db.pool) : found.ids.length;
    console.log(`${flags.dryRun ? 'DRY RUN: ' : ''}recompute ${total} users in ${db.describe} (qualify at ${config.qualifySeconds / 60} min)`);
    const progress = createProgress({ label: 'recompute', total });
    const started = Date.now();
    let users = 0;
    let changed = 0;
    // Users left as they were because a row of theirs cannot be rebuilt (e.g. a zone PostgreSQL lacks).
    const problems: UserProblem[] = [];
    for await (const ids of userChunks(db.pool, found, flags.chunk)) {
      await db.pool
        .transaction(async (tx) => {
          const result = await rebuildStreaksReporting(tx, ids, { qualifySeconds: config.qualifySeconds, freezeCap: config.freezeCap, project: flags.project });
          changed += result.changed.length;
          problems.push(...result.problems);
          if (flags.dryRun) throw new RollBack();
        })
        .catch((e) => {
          if (!(e instanceof RollBack)) throw e;
        });
      users += ids.length;
      progress.update(users, users);
    }
    progress.finish();
    const projected = flags.project && !flags.dryRun ? changed : 0;
    const report = { dryRun: Boolean(flags.dryRun), users, changed, projected, notFound, notRebuilt: problems, durationMs: Date.now() - started };
    for (const p of problems) console.error(`not rebuilt: user ${p.userId}: ${p.problem}`);
    console.log(
      `${flags.dryRun ? 'would change' : 'changed'} ${changed} of ${users} streaks${flags.project && !flags.dryRun ? `, queued ${changed} outbox rows` : ''} in ${(report.durationMs / 1000).toFixed(1)} s` +
        (notFound.length > 0 ? `; ${notFound.length} not found: ${notFound.join(', ')}` : ''),
    );
    if (reportFile) writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n');
    return 0;
  });
});
