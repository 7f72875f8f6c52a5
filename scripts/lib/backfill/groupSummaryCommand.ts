import { loadRunGroup } from '../../../functions/src/db/backfillRunGroups';
import { countRunUsers } from '../../../functions/src/db/backfillRunUsers';
import { groupRuns } from '../../../functions/src/db/backfillRuns';
import { withDatabase } from '../cli/database';
import { parseCommandLine, type CliSpec } from '../cli/flags';
import { UsageError } from '../cli/runCli';
import { formatGroupSummary, groupSummary } from './groupSummary';

export const groupSummaryCli: CliSpec = {
  name: 'backfill',
  description: 'Add up the tasks of a run group (one Cloud Run Jobs execution of the backfill): documents read, inserted, duplicates, rejects by reason, tasks completed / running / failed / stalled, users whose streaks still need the rebuild.',
  commands: { label: 'what to show', choices: { summary: 'the run group named by --group' } },
  flags: [
    { flag: '--group', value: '<id>', description: 'the run group: the Cloud Run Jobs execution name (printed by every task, and by npm run status)' },
    { flag: '--json', description: 'print the summary as one JSON object' },
  ],
};

/** `npm run backfill -- summary --group <id> [--json]` (argv starts with `summary`). Exit 1 while the group needs attention (a failed or stalled task). */
export async function groupSummaryCommand(argv: readonly string[]): Promise<number> {
  const cli = parseCommandLine(groupSummaryCli, argv);
  if (cli.help) {
    console.log(cli.text);
    return 0;
  }
  const group = cli.values.group as string | undefined;
  const problems = [...cli.problems];
  if (group === undefined) problems.push('--group <id> is required');
  else if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(group)) problems.push('--group takes a run group id (a Cloud Run Jobs execution name)');
  if (problems.length > 0 || group === undefined) throw new UsageError(problems, 'backfill');
  return withDatabase(async (db) => {
    const row = await loadRunGroup(db.pool, group);
    if (!row) throw new UsageError([`--group: no run group ${group} in ${db.describe}`], 'backfill');
    const runs = await groupRuns(db.pool, group);
    const summary = groupSummary(row, runs, await countRunUsers(db.pool, runs.map((r) => r.id)), Date.now());
    console.log(cli.values.json ? JSON.stringify(summary, null, 2) : formatGroupSummary(summary));
    return summary.status === 'needs attention' ? 1 : 0;
  });
}
