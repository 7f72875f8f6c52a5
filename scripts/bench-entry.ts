import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { percentiles } from './lib/bench/latency';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';

// Benchmark (not a test): what loading the built functions entry (functions/lib/index.js, as every
// deployed function loads it at cold start) costs against loading bare `firebase-functions/https`.
// Each sample is a fresh `node` process timing one require; the two kinds alternate so that noise
// on this machine falls on both alike. Compare the ratio, not the milliseconds.
const spec: CliSpec = {
  name: 'bench:entry',
  description: 'Time require() of functions/lib/index.js against require("firebase-functions/https") in fresh node processes, alternating; print both medians and the ratio. Build first (npm run build).',
  flags: [{ flag: '--runs', value: '<n>', int: { min: 3, max: 1000 }, default: 15, description: 'fresh processes per kind' }],
};

const REPO_ROOT = path.resolve(__dirname, '..');
const ENTRY = path.join(REPO_ROOT, 'functions/lib/index.js');

/** One fresh process: ms spent in require(target), printed by the child. */
function timeRequire(target: string): number {
  const code = `const t=process.hrtime.bigint();require(${JSON.stringify(target)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const child = spawnSync(process.execPath, ['-e', code], {
    cwd: path.join(REPO_ROOT, 'functions'),
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GCLOUD_PROJECT: 'demo-bench-entry', METADATA_SERVER_DETECTION: 'none' },
  });
  if (child.status !== 0) throw new Error(`node -e require(${target}) failed:\n${child.stdout}${child.stderr}`);
  return Number(child.stdout);
}

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) {
    console.log(cli.text);
    return 0;
  }
  const { runs } = cli.values as { runs: number };
  const problems = [...cli.problems];
  if (!existsSync(ENTRY)) problems.push(`${path.relative(REPO_ROOT, ENTRY)} is missing: run npm run build first`);
  if (problems.length > 0) throw new UsageError(problems, 'bench:entry');

  const bare: number[] = [];
  const entry: number[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(timeRequire('firebase-functions/https'));
    entry.push(timeRequire(ENTRY));
  }
  const b = percentiles(bare, [50]).p50;
  const e = percentiles(entry, [50]).p50;
  console.log(`require('firebase-functions/https'): median ${b.toFixed(1)} ms over ${runs} fresh processes`);
  console.log(`require('functions/lib/index.js'):   median ${e.toFixed(1)} ms over ${runs} fresh processes`);
  console.log(`ratio entry / bare: ${(e / b).toFixed(2)} (target ≤ 1.2)`);
});
