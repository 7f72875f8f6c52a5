import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { alertPolicySchema, dashboardSchema, logMetricSchema, type AlertPolicy, type Dashboard, type LogMetric } from './monitoringSchemas';

/** Where the metrics, alert policies and the dashboard live, in the formats their gcloud commands take. */
export const MONITORING_DIR = path.resolve(__dirname, '../../../.monitoring');

export interface MonitoringFiles {
  metrics: Array<{ file: string; metric: LogMetric }>;
  alerts: Array<{ file: string; policy: AlertPolicy }>;
  dashboard: { file: string; dashboard: Dashboard };
}

function parseFile<T>(file: string, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${path.relative(process.cwd(), file)}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

const jsonFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(dir, f));

/** Reads and validates every file; a metric's file is named after the metric. */
export function loadMonitoringFiles(dir: string = MONITORING_DIR): MonitoringFiles {
  const metrics = jsonFiles(path.join(dir, 'metrics')).map((file) => ({ file, metric: parseFile(file, logMetricSchema) }));
  for (const { file, metric } of metrics) {
    if (path.basename(file, '.json') !== metric.name) throw new Error(`${file}: the file is named after its metric, ${metric.name}.json`);
  }
  const alerts = jsonFiles(path.join(dir, 'alerts')).map((file) => ({ file, policy: parseFile(file, alertPolicySchema) }));
  const file = path.join(dir, 'dashboard.json');
  return { metrics, alerts, dashboard: { file, dashboard: parseFile(file, dashboardSchema) } };
}
