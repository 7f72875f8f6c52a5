import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MonitoringFiles } from './monitoringFiles';

/** Runs gcloud with these arguments; resolves its exit code and stdout (a real run spawns it, tests pass a fake). */
export type Gcloud = (args: string[]) => Promise<{ code: number; stdout: string }>;

export interface ApplyOptions {
  project: string;
  /** Print what would run; never call gcloud. */
  dryRun: boolean;
  log: (line: string) => void;
}

export interface AppliedItem {
  kind: 'metric' | 'alert policy' | 'dashboard';
  name: string;
  action: 'created' | 'updated' | 'would create or update';
}

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
const shell = (args: string[]) => ['gcloud', ...args].map(quote).join(' ');

/**
 * Creates or updates every metric, alert policy and the dashboard of `files` in the project: a metric is
 * found by its name (describe), a policy and the dashboard by their displayName (list), so re-running
 * updates in place instead of duplicating. Alert policies use `gcloud alpha` (the installed Cloud CLI has
 * --policy-from-file there). Stops at the first gcloud failure, with its command.
 */
export async function applyMonitoring(files: MonitoringFiles, gcloud: Gcloud, options: ApplyOptions): Promise<AppliedItem[]> {
  const project = `--project=${options.project}`;
  const applied: AppliedItem[] = [];
  const run = async (args: string[], allowFailure = false): Promise<{ code: number; stdout: string }> => {
    const result = await gcloud(args);
    if (result.code !== 0 && !allowFailure) throw new Error(`gcloud failed (exit ${result.code}): ${shell(args)}`);
    return result;
  };

  for (const { file, metric } of files.metrics) {
    const describe = ['logging', 'metrics', 'describe', metric.name, project, '--format=value(name)'];
    const write = (verb: 'create' | 'update') => ['logging', 'metrics', verb, metric.name, `--config-from-file=${file}`, project];
    if (options.dryRun) {
      options.log(`${shell(describe)} && ${shell(write('update'))} || ${shell(write('create'))}`);
      applied.push({ kind: 'metric', name: metric.name, action: 'would create or update' });
      continue;
    }
    const exists = (await run(describe, true)).code === 0;
    await run(write(exists ? 'update' : 'create'));
    applied.push({ kind: 'metric', name: metric.name, action: exists ? 'updated' : 'created' });
  }

  for (const { file, policy } of files.alerts) {
    const list = ['alpha', 'monitoring', 'policies', 'list', project, `--filter=displayName="${policy.displayName}"`, '--format=value(name)'];
    if (options.dryRun) {
      options.log(`${shell(list)}  # then: ${shell(['alpha', 'monitoring', 'policies', 'update', '<name>', `--policy-from-file=${file}`, project])}, or when none: ${shell(['alpha', 'monitoring', 'policies', 'create', `--policy-from-file=${file}`, project])}`);
      applied.push({ kind: 'alert policy', name: policy.displayName, action: 'would create or update' });
      continue;
    }
    const [existing] = (await run(list)).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    await run(existing ? ['alpha', 'monitoring', 'policies', 'update', existing, `--policy-from-file=${file}`, project] : ['alpha', 'monitoring', 'policies', 'create', `--policy-from-file=${file}`, project]);
    applied.push({ kind: 'alert policy', name: policy.displayName, action: existing ? 'updated' : 'created' });
  }

  const { file, dashboard } = files.dashboard;
  const list = ['monitoring', 'dashboards', 'list', project, `--filter=displayName="${dashboard.displayName}"`, '--format=value(name)'];
  if (options.dryRun) {
    options.log(`${shell(list)}  # then: ${shell(['monitoring', 'dashboards', 'update', '<name>', '--config-from-file=<the file with the current etag>', project])}, or when none: ${shell(['monitoring', 'dashboards', 'create', `--config-from-file=${file}`, project])}`);
    applied.push({ kind: 'dashboard', name: dashboard.displayName, action: 'would create or update' });
    return applied;
  }
  const [existing] = (await run(list)).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  if (existing) {
    // An update must carry the dashboard's current etag (optimistic concurrency).
    const etag = (await run(['monitoring', 'dashboards', 'describe', existing, project, '--format=value(etag)'])).stdout.trim();
    const withEtag = path.join(mkdtempSync(path.join(os.tmpdir(), 'dashboard-')), 'dashboard.json');
    writeFileSync(withEtag, JSON.stringify({ ...dashboard, name: existing, etag }));
    await run(['monitoring', 'dashboards', 'update', existing, `--config-from-file=${withEtag}`, project]);
  } else {
    await run(['monitoring', 'dashboards', 'create', `--config-from-file=${file}`, project]);
  }
  applied.push({ kind: 'dashboard', name: dashboard.displayName, action: existing ? 'updated' : 'created' });
  return applied;
}
