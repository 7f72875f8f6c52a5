import { writeFileSync } from 'node:fs';
import { parseInstant } from '../functions/src/domain';
import { extendMirrorCoverage, queueCallableSessions } from '../functions/src/db/legacyMirror';
import type { SessionKey } from '../functions/src/db/focusSessions';
import { unknownUsers } from '../functions/src/db/users';
import { withDatabase } from './lib/cli/database';
import { writableFile } from './lib/cli/fileFlags';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { createProgress } from './lib/cli/progress';
import { runCli, UsageError } from './lib/cli/runCli';
import { parseSelection } from './lib/maintenance/userSelection';

const spec: CliSpec = {
  name: 'mirror',
  description:
    'Queue callable sessions the reverse mirror never saw (accepted before MIRROR_TO_LEGACY was on, or while it was off) for legacy Firestore sessions/{docId}; mirrorLegacySessions writes them. Sessions already queued or written are left alone.',
  flags: [
    { flag: '--all', description: "every user's callable sessions" },
    { flag: '--user', value: '<id>', variadic: true, description: "these users' callable sessions" },
    { flag: '--since', value: '<ISO>', description: 'only sessions stored at or after this instant' },
    { flag: '--chunk', value: '<n>', int: { min: 1, max: 100_000 }, default: 5000, description: 'stored sessions read per statement' },
    { flag: '--dry-run', description: 'count what would be queued, queue nothing' },
    { flag: '--report', value: '<file.json>', description: 'write the JSON report here' },
  ],
};

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  const flags = cli.values as { all?: boolean; user?: string[]; since?: string; chunk: number; dryRun?: boolean; report?: string };
  const problems = cli.problems;
  const selection = parseSelection(flags, problems);
  const sinceMs = flags.since === undefined ? null : parseInstant(flags.since);
  if (flags.since !== undefined && sinceMs === null) problems.push('--since takes an ISO-8601 instant with an offset, e.g. 2025-06-01T00:00:00Z');
  const reportFile = writableFile(flags.report, '--report', problems);
  if (problems.length > 0 || selection === null) throw new UsageError(problems, spec.name);

  return withDatabase(async (db) => {
    const started = Date.now();
    const userIds = 'all' in selection ? null : selection.ids;
    const notFound = userIds === null ? [] : await unknownUsers(db.pool, userIds);
    if (notFound.length > 0) console.error(`not found (no such user in ${db.describe}): ${notFound.join(', ')}`);
    const progress = createProgress({ label: 'mirror', total: null });
    let queued = 0;
    let after: SessionKey | null = null;
    for (;;) {
      const chunk = await queueCallableSessions(db.pool, { after, limit: flags.chunk, sinceMs, userIds, dryRun: Boolean(flags.dryRun) });
      queued += chunk.queued;
      progress.update(queued, queued);
      if (chunk.last === null) break;
      after = chunk.last;
    }
    progress.finish();
    // Every callable session since then is queued now: the status counts none of them as missing.
    const covered = !flags.dryRun && userIds === null ? await extendMirrorCoverage(db.pool, sinceMs) : false;
    const report = { dryRun: Boolean(flags.dryRun), since: flags.since ?? null, queued, notFound, coverageExtended: covered, durationMs: Date.now() - started };
    console.log(
      flags.dryRun
        ? `would queue ${queued} callable sessions for the legacy mirror`
        : `queued ${queued} callable sessions for the legacy mirror in ${(report.durationMs / 1000).toFixed(1)} s; mirrorLegacySessions writes them (npm run status shows what is pending)`,
    );
    if (!flags.dryRun && userIds === null && !covered) {
      console.log('the mirror is not on (as its last scheduled run saw MIRROR_TO_LEGACY): sessions accepted from now on are not queued');
    }
    if (reportFile) writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n');
    return 0;
  });
});
