import { z } from 'zod';
import type { BackfillKind } from '../../../functions/src/db/backfillRuns';

const shard = z
  .object({ index: z.number().int().min(0), count: z.number().int().min(1) })
  .refine((s) => s.index < s.count, { message: 'shard index must be below its count' });

/** Everything that defines what a run reads and how; stored in backfill_runs.options and reused by --resume. */
export const backfillPlanSchema = z.object({
  kind: z.enum(['sessions', 'users', 'friendships']) satisfies z.ZodType<BackfillKind>,
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('file'), file: z.string().min(1) }),
    z.object({ type: z.literal('firestore'), readTimeMs: z.number().int().nullable(), shard, partitions: z.number().int().min(1) }),
    z.object({ type: z.literal('export'), dir: z.string().min(1), shard }),
  ]),
  collection: z.string().min(1),
  group: z.boolean(),
  groupParent: z.string().min(1),
  batchSize: z.number().int().min(1),
  since: z.object({ field: z.string().min(1), fromMs: z.number().int() }).nullable(),
  defaultTimeZone: z.string().nullable(),
  project: z.boolean(),
  rebuildChunkSize: z.number().int().min(1),
});
export type BackfillPlan = z.infer<typeof backfillPlanSchema>;

/** The options a run was started with: the plan, what its input looked like, its files. */
export const storedRunOptionsSchema = z.object({
  plan: backfillPlanSchema,
  fingerprint: z.record(z.unknown()),
  /** How the key space was cut (absent in runs from before partitions: prefixes). */
  ranges: z.enum(['partitions', 'prefix']).optional(),
  report: z.string().nullable(),
  rejects: z.string().nullable(),
});
export type StoredRunOptions = z.infer<typeof storedRunOptionsSchema>;

/**
 * backfill_runs.options read back: parsed, never cast. A row some other version or a hand edit left in
 * another shape is a problem naming its first wrong field (a resume refuses it; the status shows less).
 */
export function readStoredRunOptions(options: unknown): { ok: true; options: StoredRunOptions } | { ok: false; problem: string } {
  const parsed = storedRunOptionsSchema.safeParse(options);
  if (parsed.success) return { ok: true, options: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { ok: false, problem: `${issue.path.join('.') || 'options'}: ${issue.message}` };
}
