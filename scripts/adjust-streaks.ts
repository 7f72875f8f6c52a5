import { readConfig } from '../functions/src/config';
import type { AdjustmentKind } from '../functions/src/db/streakAdjustments';
import { withDatabase } from './lib/cli/database';
import { parseCommandLine } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';
import { adjustmentReport } from './lib/adjust/adjustmentReport';
import { adjustStreaksCli, type AdjustStreaksFlags } from './lib/adjust/adjustStreaksCli';
import { applyAdjustments } from './lib/adjust/applyAdjustments';
import { formatAdjustmentReport } from './lib/adjust/formatAdjustmentReport';
import { operatorActor } from './lib/adjust/operatorActor';
import { plannedAdjustments } from './lib/adjust/plannedAdjustments';

runCli(async () => {
  const cli = parseCommandLine(adjustStreaksCli, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  const flags = cli.values as AdjustStreaksFlags;
  const problems = cli.problems;
  const command = cli.command as AdjustmentKind | null;
  const planned = command === null ? [] : plannedAdjustments({ command, flags, given: cli.given, problems }, operatorActor());
  const config = readConfig();
  if (problems.length > 0 || command === null) throw new UsageError(problems, adjustStreaksCli.name);

  return withDatabase(async (db) => {
    const dryRun = flags.dryRun === true;
    const applied = await applyAdjustments(db.pool, planned, { qualifySeconds: config.qualifySeconds, freezeCap: config.freezeCap }, dryRun);
    const report = adjustmentReport(command, dryRun, applied);
    console.log(flags.json ? JSON.stringify(report, null, 2) : formatAdjustmentReport(report).join('\n'));
    for (const note of report.notes) console.error(`note: ${note}`);
    for (const problem of report.problems) console.error(`error: ${problem}`);
    return report.ok ? 0 : 1;
  });
});
