import { spawn } from 'node:child_process';
import { parseCommandLine, type CliSpec } from '../cli/flags';
import { UsageError } from '../cli/runCli';
import { applyMonitoring, type Gcloud } from './applyMonitoring';
import { loadMonitoringFiles } from './monitoringFiles';

const spec: CliSpec = {
  name: 'monitoring',
  description:
    "Create or update the log-based metrics, alert policies and dashboard of .monitoring/ in a Google Cloud project, through gcloud (its credentials, the project's Logging and Monitoring APIs). Safe to re-run: existing ones are updated in place.",
  flags: [
    { flag: '--project', value: '<id>', description: 'the Firebase / Google Cloud project (required)' },
    { flag: '--dry-run', description: 'validate the files and print the gcloud commands; run none' },
  ],
};

/** gcloud itself, its stderr passed through so an operator sees why a command failed. */
const spawnGcloud: Gcloud = (args) =>
  new Promise((resolve, reject) => {
    const child = spawn('gcloud', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.once('error', (error) => reject(new Error(`could not run gcloud (is the Google Cloud CLI installed?): ${error.message}`)));
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout }));
  });

/** `npm run monitoring`, with gcloud replaceable (tests). */
export async function monitoringMain(argv: string[], gcloud: Gcloud = spawnGcloud, log: (line: string) => void = console.log): Promise<number> {
  const cli = parseCommandLine(spec, argv);
  if (cli.help) return void log(cli.text), 0;
  const flags = cli.values as { project?: string; dryRun?: boolean };
  const problems = [...cli.problems];
  if (!flags.project) problems.push('--project <id> is required');
  else if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(flags.project)) problems.push(`--project ${JSON.stringify(flags.project)} is not a project id`);
  if (problems.length > 0) throw new UsageError(problems, spec.name);
  const files = loadMonitoringFiles();
  const dryRun = Boolean(flags.dryRun);
  const applied = await applyMonitoring(files, dryRun ? () => Promise.reject(new Error('a dry run never runs gcloud')) : gcloud, { project: flags.project!, dryRun, log });
  for (const item of applied) log(`${item.action}: ${item.kind} ${item.name}`);
  log(`${dryRun ? 'dry run: ' : ''}${files.metrics.length} metrics, ${files.alerts.length} alert policies, 1 dashboard in ${flags.project}`);
  return 0;
}
