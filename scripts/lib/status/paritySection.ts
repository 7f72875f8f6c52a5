import { z } from 'zod';
import { latestParityPasses, type StoredParityPass } from '../../../functions/src/db/parityPasses';
import { iso, isoOrNull, type StatusContext } from './statusContext';

const sample = z.object({ userId: z.string(), finding: z.string(), detail: z.record(z.unknown()) });
const passFields = {
  /** When the last pass finished (null: no pass yet). */
  lastAt: z.string().nullable(),
  ageSeconds: z.number().int().nullable(),
  samples: z.array(sample),
};
export const paritySchema = z.object({
  /** Legacy sessions of the pass's window: checked against SQL, missing there, ingested, rejected, failed (left for the next pass). */
  ingest: z.object({
    ...passFields,
    window: z.object({ from: z.string().nullable(), to: z.string().nullable() }).nullable(),
    checked: z.number().int(),
    missing: z.number().int(),
    ingested: z.number().int(),
    rejected: z.number().int(),
    failed: z.number().int(),
  }),
  /** Users whose streak changed, compared with streaks/{uid}: behind past the threshold, different at the same version, still in flight. */
  projection: z.object({
    ...passFields,
    sampled: z.number().int(),
    behind: z.number().int(),
    different: z.number().int(),
    inFlight: z.number().int(),
  }),
});
export type ParityStatus = z.infer<typeof paritySchema>;

const count = (pass: StoredParityPass | undefined, key: string) => pass?.counts[key] ?? 0;
const age = (pass: StoredParityPass | undefined, nowMs: number) => (pass ? Math.max(0, Math.floor((nowMs - pass.finishedAtMs) / 1000)) : null);

/** The last pass of each kind of the scheduled reconcileLegacySessions. */
export async function readParity(ctx: StatusContext): Promise<ParityStatus> {
  const [ingest] = await latestParityPasses(ctx.db.pool, 'ingest');
  const [projection] = await latestParityPasses(ctx.db.pool, 'projection');
  return {
    ingest: {
      lastAt: isoOrNull(ingest?.finishedAtMs),
      ageSeconds: age(ingest, ctx.nowMs),
      window: ingest ? { from: isoOrNull(ingest.windowFromMs), to: isoOrNull(ingest.windowToMs) } : null,
      checked: count(ingest, 'checked'),
      missing: count(ingest, 'missing'),
      ingested: count(ingest, 'ingested'),
      rejected: count(ingest, 'rejected'),
      failed: count(ingest, 'failed'),
      samples: ingest?.samples ?? [],
    },
    projection: {
      lastAt: projection ? iso(projection.finishedAtMs) : null,
      ageSeconds: age(projection, ctx.nowMs),
      sampled: count(projection, 'sampled'),
      behind: count(projection, 'behind'),
      different: count(projection, 'different'),
      inFlight: count(projection, 'inFlight'),
      samples: projection?.samples ?? [],
    },
  };
}
