import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitoringMain } from '../lib/monitoring/monitoringCommand';
import { applyMonitoring, type Gcloud } from '../lib/monitoring/applyMonitoring';
import { loadMonitoringFiles, MONITORING_DIR } from '../lib/monitoring/monitoringFiles';
import { userMetricOf } from '../lib/monitoring/monitoringSchemas';

// `npm run monitoring`: the files validate, the dry run prints and never runs gcloud, and a run (with a
// stand-in for gcloud: the real one is never run here) updates what exists and creates what does not.

const files = loadMonitoringFiles();

describe('.monitoring files', () => {
  it('are valid LogMetric, AlertPolicy and Dashboard documents', () => {
    expect(files.metrics.length).toBeGreaterThanOrEqual(12);
    expect(files.alerts.length).toBe(5);
    expect(files.dashboard.dashboard.gridLayout.widgets.length).toBeGreaterThan(10);
  });

  it('alert and chart only metrics that exist here (or Google-provided ones)', () => {
    const names = new Set(files.metrics.map((m) => m.metric.name));
    const filters = [
      ...files.alerts.flatMap((a) => a.policy.conditions.flatMap((c) => [c.conditionThreshold.filter, c.conditionThreshold.denominatorFilter ?? ''])),
      ...files.dashboard.dashboard.gridLayout.widgets.flatMap((w) => w.xyChart.dataSets.map((d) => d.timeSeriesQuery.timeSeriesFilter.filter)),
    ].filter(Boolean);
    const missing = filters.map(userMetricOf).filter((n): n is string => n !== null && !names.has(n));
    expect(missing).toEqual([]);
    // Callable latency is Cloud Functions' own metric, not a second one made from logs.
    expect(filters.some((f) => f.includes('cloudfunctions.googleapis.com/function/execution_times'))).toBe(true);
  });

  it('refuses a file with a field the API does not know, naming it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'monitoring-'));
    cpSync(MONITORING_DIR, dir, { recursive: true });
    const file = path.join(dir, 'metrics', 'projection_lag_ms.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), valueExtracter: 'EXTRACT(jsonPayload.lagMs)' }));
    expect(() => loadMonitoringFiles(dir)).toThrow(/projection_lag_ms\.json.*valueExtracter/);
  });
});

describe('npm run monitoring', () => {
  it('--dry-run prints one command line per metric, policy and dashboard and never runs gcloud', async () => {
    const calls: string[][] = [];
    const lines: string[] = [];
    const gcloud: Gcloud = async (args) => (calls.push(args), { code: 0, stdout: '' });
    await expect(monitoringMain(['--project', 'demo-focus-streaks', '--dry-run'], gcloud, (l) => lines.push(l))).resolves.toBe(0);
    expect(calls).toEqual([]);
    for (const { metric } of files.metrics) expect(lines).toContainEqual(expect.stringContaining(`gcloud logging metrics describe ${metric.name} --project=demo-focus-streaks`));
    expect(lines.filter((l) => l.startsWith('gcloud alpha monitoring policies list'))).toHaveLength(files.alerts.length);
    expect(lines.filter((l) => l.startsWith('gcloud monitoring dashboards list'))).toHaveLength(1);
  });

  it('refuses a missing or malformed --project before anything', async () => {
    await expect(monitoringMain(['--dry-run'], async () => ({ code: 0, stdout: '' }), () => {})).rejects.toMatchObject({ problems: ['--project <id> is required'] });
    await expect(monitoringMain(['--project', 'Not A Project'], async () => ({ code: 0, stdout: '' }), () => {})).rejects.toMatchObject({ name: 'UsageError' });
  });

  it('updates what exists (metric by name, policy and dashboard by displayName) and creates the rest', async () => {
    const calls: string[][] = [];
    const existingMetric = files.metrics[0]!.metric.name;
    const existingPolicy = files.alerts[0]!.policy.displayName;
    const gcloud: Gcloud = async (args) => {
      calls.push(args);
      if (args[2] === 'describe' && args[0] === 'logging') return { code: args[3] === existingMetric ? 0 : 1, stdout: '' };
      if (args.includes('list') && args.some((a) => a === `--filter=displayName="${existingPolicy}"`)) return { code: 0, stdout: 'projects/p/alertPolicies/123\n' };
      if (args[1] === 'dashboards' && args[2] === 'list') return { code: 0, stdout: 'projects/p/dashboards/abc\n' };
      if (args[1] === 'dashboards' && args[2] === 'describe') return { code: 0, stdout: 'etag-1\n' };
      return { code: 0, stdout: '' };
    };
    const applied = await applyMonitoring(files, gcloud, { project: 'demo-focus-streaks', dryRun: false, log: () => {} });
    expect(applied.find((a) => a.name === existingMetric)?.action).toBe('updated');
    expect(applied.filter((a) => a.kind === 'metric' && a.action === 'created')).toHaveLength(files.metrics.length - 1);
    expect(calls).toContainEqual(['alpha', 'monitoring', 'policies', 'update', 'projects/p/alertPolicies/123', `--policy-from-file=${files.alerts[0]!.file}`, '--project=demo-focus-streaks']);
    expect(calls.filter((c) => c[0] === 'alpha' && c[3] === 'create')).toHaveLength(files.alerts.length - 1);
    const update = calls.find((c) => c[1] === 'dashboards' && c[2] === 'update')!;
    expect(JSON.parse(readFileSync(update[4]!.replace('--config-from-file=', ''), 'utf8'))).toMatchObject({ name: 'projects/p/dashboards/abc', etag: 'etag-1' });
  });

  it('stops at the first failing gcloud command, naming it', async () => {
    const gcloud: Gcloud = async (args) => ({ code: args[2] === 'create' || args[2] === 'update' ? 1 : 0, stdout: '' });
    await expect(applyMonitoring(files, gcloud, { project: 'demo-focus-streaks', dryRun: false, log: () => {} })).rejects.toThrow(/gcloud failed \(exit 1\): gcloud logging metrics update/);
  });
});
