import { Command } from 'commander';
import { runCli } from './lib/cli';
import { withDatabase } from './lib/database';
import { migrate, migrationStatus } from './lib/migrator';

const program = new Command('migrate')
  .description('Apply the numbered SQL migrations in sql/ to the configured database (DATABASE_URL, Cloud SQL, else embedded).')
  .option('--status', 'list applied and pending migrations, change nothing')
  .option('--dry-run', 'print what would be applied, change nothing')
  .showHelpAfterError();

runCli(async () => {
  const opts = program.parse().opts<{ status?: boolean; dryRun?: boolean }>();
  return withDatabase(async (db) => {
    console.log(`database: ${db.describe}`);
    if (opts.status) {
      const plan = await migrationStatus(db.url);
      for (const a of plan.applied) console.log(`applied  ${String(a.version).padStart(3, '0')}_${a.name}  ${a.appliedAt.toISOString()}`);
      for (const p of plan.pending) console.log(`pending  ${p.file}`);
      console.log(`${plan.applied.length} applied, ${plan.pending.length} pending`);
      return 0;
    }
    const result = await migrate(db.url, { dryRun: opts.dryRun, log: (line) => console.log(line) });
    const verb = opts.dryRun ? 'would apply' : 'applied';
    console.log(`${verb} ${opts.dryRun ? result.pending.length : result.appliedNow.length} migration(s); ${result.applied.length} were already applied`);
    return 0;
  });
});
