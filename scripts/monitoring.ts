import { runCli } from './lib/cli/runCli';
import { monitoringMain } from './lib/monitoring/monitoringCommand';

// npm run monitoring: the metrics, alert policies and dashboard of .monitoring/ applied through gcloud.
runCli(() => monitoringMain(process.argv.slice(2)));
