import { z } from 'zod';
import { lastVerifyResult } from '../../../functions/src/db/verifyResults';
import { iso, type StatusContext } from './statusContext';

/** A verify older than this no longer vouches for the data: run it again. */
export const VERIFY_STALE_AFTER_MS = 24 * 3_600_000;
/** Mismatches the status lists (the stored sample holds up to 100). */
const LISTED = 20;

export const verifySchema = z.object({
  /** When the last verify finished (null: never). */
  lastAt: z.string().nullable(),
  ageSeconds: z.number().int().nullable(),
  source: z.string().nullable(),
  /** Its verdict counts: equal, legacy_late_data, mismatch, missing_in_sql, missing_in_legacy, unreadable, legacyDocuments, legacyUsers. */
  counts: z.record(z.number()).nullable(),
  /** mismatch + missing_in_sql + missing_in_legacy of the last verify. */
  mismatches: z.number().int().min(0),
  sample: z.array(z.object({ userId: z.string(), verdict: z.string(), differences: z.unknown() })),
  /** No verify yet, or the last one is over 24 h old. */
  stale: z.boolean(),
});
export type VerifyStatus = z.infer<typeof verifySchema>;

export async function readVerify(ctx: StatusContext): Promise<VerifyStatus> {
  const last = await lastVerifyResult(ctx.db.pool);
  if (!last) return { lastAt: null, ageSeconds: null, source: null, counts: null, mismatches: 0, sample: [], stale: true };
  const counts = Object.fromEntries(Object.entries(last.counts).filter((e): e is [string, number] => typeof e[1] === 'number'));
  const mismatches = (counts.mismatch ?? 0) + (counts.missing_in_sql ?? 0) + (counts.missing_in_legacy ?? 0);
  const ageMs = ctx.nowMs - last.finishedAtMs;
  return {
    lastAt: iso(last.finishedAtMs),
    ageSeconds: Math.max(0, Math.floor(ageMs / 1000)),
    source: last.source,
    counts,
    mismatches,
    sample: last.mismatches.slice(0, LISTED),
    stale: ageMs > VERIFY_STALE_AFTER_MS,
  };
}
