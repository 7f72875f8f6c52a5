import { backfillCommand } from './lib/backfill/backfillCommand';
import { runCli } from './lib/cli/runCli';

runCli(() => backfillCommand(process.argv.slice(2)));
