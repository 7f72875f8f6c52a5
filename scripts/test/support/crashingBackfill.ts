import { backfillCommand } from '../../lib/backfill/backfillCommand';
import { runCli } from '../../lib/cli/runCli';
import { crashPlanFromEnv } from './crashPlan';

// `npm run backfill` with the crash hooks of crashPlan.ts: tests only; the real CLI has none.
runCli(() => backfillCommand(process.argv.slice(2), { checkpoints: crashPlanFromEnv() }));
