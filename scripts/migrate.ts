import { withDatabase } from './lib/cli/database';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';
import { migrate, migrationStatus } from './lib/migrate/migrator';

const spec: CliSpec = {
  name: 'migrate',
  description: 'Apply the numbered SQL migrations in sql/migrations/, then the changed function files of sql/functions/, to the configured database (DATABASE_URL, Cloud SQL, else embedded).',
  flags: [
    { flag: '--status', description: 'list applied and pending migrations, change nothing' },
    { flag: '--dry-run', description: 'print what would be applied, change nothing' },
  ],
};

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  if (cli.problems.length > 0) throw new UsageError(cli.problems, spec.name);
  const opts = cli.values as { status?: boolean; dryRun?: boolean };
  return withDatabase(
    async (db) => {
      console.log(`database: ${db.describe}`);
      if (opts.status) {
        const plan = await migrationStatus(db.url);
        for (const a of plan.applied) console.log(`applied  ${String(a.version).padStart(3, '0')}_${a.name}  ${a.appliedAt.toISOString()}`);
        for (const p of plan.pending) console.log(`pending  migrations/${p.file}`);
        for (const f of plan.functions) console.log(`pending  functions/${f.file}`);
        console.log(`${plan.applied.length} migrations applied, ${plan.pending.length} pending; ${plan.functions.length} function files to apply`);
        return 0;
      }
      const result = await migrate(db.url, { dryRun: opts.dryRun, log: (line) => console.log(line) });
      const verb = opts.dryRun ? 'would apply' : 'applied';
      const migrations = opts.dryRun ? result.pending.length : result.appliedNow.length;
      const functions = opts.dryRun ? result.functions.length : result.functionsAppliedNow.length;
      console.log(`${verb} ${migrations} migration(s) and ${functions} function file(s); ${result.applied.length} migrations were already applied`);
      return 0;
    },
    { migrated: false },
  );
});
