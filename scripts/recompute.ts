import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { sql } from 'slonik';
import { z } from 'zod';
import { readConfig } from '../functions/src/config';
import { runCli, UsageError } from './lib/cli';
import { withDatabase } from './lib/database';
import { createProgress } from './lib/progress';
import { rebuildStreaks } from './lib/rebuildStreaks';
import { parseChunk, parseSelection, userChunks } from './lib/userSelection';

const program = new Command('recompute')
  .description('Rebuild daily credit, runs and streaks from focus_sessions in SQL (after a QUALIFY_MINUTES change or a bug fix). Versions move only where a streak changed.')
  .option('--all', 'every user with sessions')
  .option('--user <id...>', 'these users')
  .option('--chunk <n>', 'users per transaction (default 2000)')
  .addOption(new Option('--no-project', 'do not queue outbox rows for changed streaks'))
  .option('--dry-run', 'compute in a transaction that is rolled back: reports what would change, keeps nothing')
  .option('--report <file.json>', 'write the JSON report here')
  .showHelpAfterError();

class RollBack extends Error {}

runCli(async () => {
  const flags = program.parse().opts<{ all?: boolean; user?: string[]; chunk?: string; project: boolean; dryRun?: boolean; report?: string }>();
  const problems: string[] = [];
  const selection = parseSelection(flags, problems);
  const chunk = parseChunk(flags.chunk, problems);
  const config = readConfig();
  if (problems.length > 0 || selection === null) throw new UsageError(problems);

  return withDatabase(async (db) => {
    const total = 'all' in selection
      ? await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(distinct user_id)::int as n from focus_sessions`)
      : selection.ids.length;
    console.log(`${flags.dryRun ? 'DRY RUN: ' : ''}recompute ${total} users in ${db.describe} (qualify at ${config.qualifySeconds / 60} min)`);
    const progress = createProgress({ label: 'recompute', total });
    const started = Date.now();
    let users = 0;
    let changed = 0;
    for await (const ids of userChunks(db.pool, selection, chunk)) {
      await db.pool
        .transaction(async (tx) => {
          const result = await rebuildStreaks(tx, ids, { qualifySeconds: config.qualifySeconds, project: flags.project });
          changed += result.length;
          if (flags.dryRun) throw new RollBack();
        })
        .catch((e) => {
          if (!(e instanceof RollBack)) throw e;
        });
      users += ids.length;
      progress.update(users, users);
    }
    progress.finish();
    const report = { dryRun: Boolean(flags.dryRun), users, changed, projected: flags.project && !flags.dryRun ? changed : 0, durationMs: Date.now() - started };
    console.log(`${flags.dryRun ? 'would change' : 'changed'} ${changed} of ${users} streaks${flags.project && !flags.dryRun ? `, queued ${changed} outbox rows` : ''} in ${(report.durationMs / 1000).toFixed(1)} s`);
    if (flags.report) writeFileSync(flags.report, JSON.stringify(report, null, 2) + '\n');
    return 0;
  });
});
