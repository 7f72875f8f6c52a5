import { z } from 'zod';

// The shapes the Cloud APIs take for what .monitoring/ holds, as far as these files use them: a file
// with a misspelt or unknown field fails here, not halfway through `npm run monitoring`.
// LogMetric: logging v2 projects.metrics; AlertPolicy: monitoring v3 projects.alertPolicies;
// Dashboard: monitoring dashboard v1 projects.dashboards.

const duration = z.string().regex(/^\d+(\.\d+)?s$/, 'a duration such as "300s"');
const labelDescriptor = z.object({ key: z.string().regex(/^[a-z][a-z0-9_]*$/), valueType: z.enum(['STRING', 'BOOL', 'INT64']), description: z.string() }).strict();
const extractor = z.string().regex(/^(EXTRACT|REGEXP_EXTRACT)\(.+\)$/, 'EXTRACT(field) or REGEXP_EXTRACT(field, "regex")');

export const logMetricSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.\-/]{1,100}$/),
    description: z.string().min(1),
    filter: z.string().min(1),
    metricDescriptor: z
      .object({
        metricKind: z.literal('DELTA'),
        valueType: z.enum(['INT64', 'DISTRIBUTION']),
        unit: z.string().optional(),
        labels: z.array(labelDescriptor).optional(),
      })
      .strict(),
    labelExtractors: z.record(extractor).optional(),
    valueExtractor: extractor.optional(),
    bucketOptions: z
      .object({ explicitBuckets: z.object({ bounds: z.array(z.number()).min(1) }).strict() })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const keys = (m.metricDescriptor.labels ?? []).map((l) => l.key).sort();
    const extracted = Object.keys(m.labelExtractors ?? {}).sort();
    if (JSON.stringify(keys) !== JSON.stringify(extracted)) ctx.addIssue({ code: 'custom', message: `labels ${keys} and labelExtractors ${extracted} must name the same keys` });
    const distribution = m.metricDescriptor.valueType === 'DISTRIBUTION';
    if (distribution !== (m.valueExtractor !== undefined)) ctx.addIssue({ code: 'custom', message: 'a DISTRIBUTION has a valueExtractor, a counter none' });
    if (distribution !== (m.bucketOptions !== undefined)) ctx.addIssue({ code: 'custom', message: 'a DISTRIBUTION has bucketOptions, a counter none' });
  });
export type LogMetric = z.infer<typeof logMetricSchema>;

const aggregation = z
  .object({
    alignmentPeriod: duration,
    perSeriesAligner: z.enum(['ALIGN_DELTA', 'ALIGN_RATE', 'ALIGN_SUM', 'ALIGN_MEAN', 'ALIGN_MAX', 'ALIGN_COUNT', 'ALIGN_PERCENTILE_99', 'ALIGN_PERCENTILE_95', 'ALIGN_PERCENTILE_50']),
    crossSeriesReducer: z.enum(['REDUCE_SUM', 'REDUCE_MAX', 'REDUCE_MEAN', 'REDUCE_COUNT', 'REDUCE_NONE']).optional(),
    groupByFields: z.array(z.string()).optional(),
  })
  .strict();

const metricFilter = z.string().regex(/metric\.type="[^"]+"/, 'names a metric.type');

export const alertPolicySchema = z
  .object({
    displayName: z.string().min(1),
    combiner: z.enum(['OR', 'AND', 'AND_WITH_MATCHING_RESOURCE']),
    enabled: z.boolean().optional(),
    conditions: z
      .array(
        z
          .object({
            displayName: z.string().min(1),
            conditionThreshold: z
              .object({
                filter: metricFilter,
                comparison: z.enum(['COMPARISON_GT', 'COMPARISON_GE', 'COMPARISON_LT', 'COMPARISON_LE']),
                thresholdValue: z.number(),
                duration,
                aggregations: z.array(aggregation).min(1),
                denominatorFilter: metricFilter.optional(),
                denominatorAggregations: z.array(aggregation).optional(),
                trigger: z.object({ count: z.number().int().min(1) }).strict().optional(),
              })
              .strict(),
          })
          .strict(),
      )
      .min(1),
    documentation: z.object({ content: z.string().min(1), mimeType: z.literal('text/markdown') }).strict(),
  })
  .strict();
export type AlertPolicy = z.infer<typeof alertPolicySchema>;

const widget = z
  .object({
    title: z.string().min(1),
    xyChart: z
      .object({
        dataSets: z
          .array(
            z
              .object({
                timeSeriesQuery: z.object({ timeSeriesFilter: z.object({ filter: metricFilter, aggregation }).strict() }).strict(),
                plotType: z.enum(['LINE', 'STACKED_BAR', 'HEATMAP']),
              })
              .strict(),
          )
          .min(1),
      })
      .strict(),
  })
  .strict();

export const dashboardSchema = z
  .object({
    displayName: z.string().min(1),
    gridLayout: z.object({ columns: z.string().regex(/^\d+$/), widgets: z.array(widget).min(1) }).strict(),
  })
  .strict();
export type Dashboard = z.infer<typeof dashboardSchema>;

/** The metric a condition or chart reads, when it is one of this project's log-based metrics. */
export function userMetricOf(filter: string): string | null {
  return /metric\.type="logging\.googleapis\.com\/user\/([^"]+)"/.exec(filter)?.[1] ?? null;
}
