import { sql, type CommonQueryMethods, type DatabasePool } from 'slonik';
import { z } from 'zod';

/**
 * The home of parity_passes and parity_samples (sql/016): every pass of the reconcile function, the
 * legacy sessions it checked (ingest) and the projections it compared (projection), with a capped
 * sample of what it found. A sample names a user (user_id): an account deletion removes it.
 */

export type ParityKind = 'ingest' | 'projection';
export type Finding = 'missing' | 'behind' | 'different';

/** Findings kept per pass. */
export const SAMPLE_MAX = 20;

export interface ParitySample {
  userId: string;
  finding: Finding;
  detail: Record<string, unknown>;
}

export interface ParityPass {
  kind: ParityKind;
  startedAtMs: number;
  windowFromMs?: number | null;
  windowToMs?: number | null;
  outboxHighId?: string | null;
  counts: Record<string, number>;
  samples: readonly ParitySample[];
}

export interface StoredParityPass extends Required<Omit<ParityPass, 'samples'>> {
  id: string;
  finishedAtMs: number;
  samples: ParitySample[];
}

const at = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : sql.fragment`to_timestamp(${ms}::float8 / 1000)`);

/** Stores a finished pass with at most SAMPLE_MAX of its findings; passes older than `keepDays` go. */
export async function recordParityPass(pool: DatabasePool, pass: ParityPass, keepDays: number): Promise<string> {
  const samples = pass.samples.slice(0, SAMPLE_MAX).map((s) => [s.userId, s.finding, JSON.stringify(s.detail)]);
  return pool.oneFirst(sql.type(z.object({ id: z.coerce.string() }))`
    with pruned as (
      delete from parity_passes where finished_at < now() - ${keepDays}::int * interval '1 day' returning 1
    ), stored as (
      insert into parity_passes (kind, started_at, window_from, window_to, outbox_high_id, counts)
      values (${pass.kind}, ${at(pass.startedAtMs)}, ${at(pass.windowFromMs)}, ${at(pass.windowToMs)},
              ${pass.outboxHighId ?? null}::int8, ${sql.jsonb(pass.counts as never)})
      returning id
    ), sampled as (
      insert into parity_samples (pass_id, user_id, finding, detail)
      select s.id, f.user_id, f.finding, f.detail::jsonb
      from stored s, ${sql.unnest(samples, ['text', 'text', 'text'])} as f(user_id, finding, detail)
      returning 1
    )
    select id from stored`);
}

const passRow = z.object({
  id: z.coerce.string(),
  kind: z.enum(['ingest', 'projection']),
  startedAtMs: z.coerce.number(),
  finishedAtMs: z.coerce.number(),
  windowFromMs: z.coerce.number().nullable(),
  windowToMs: z.coerce.number().nullable(),
  outboxHighId: z.coerce.string().nullable(),
  counts: z.record(z.number()),
});
const sampleRow = z.object({ userId: z.string(), finding: z.enum(['missing', 'behind', 'different']), detail: z.record(z.unknown()) });

/** The latest `limit` passes of `kind`, newest first, each with its findings. */
export async function latestParityPasses(db: CommonQueryMethods, kind: ParityKind, limit = 1): Promise<StoredParityPass[]> {
  const passes = await db.any(sql.type(passRow)`
    select id, kind, (extract(epoch from started_at) * 1000)::float8 as "startedAtMs",
           (extract(epoch from finished_at) * 1000)::float8 as "finishedAtMs",
           (extract(epoch from window_from) * 1000)::float8 as "windowFromMs",
           (extract(epoch from window_to) * 1000)::float8 as "windowToMs",
           outbox_high_id as "outboxHighId", counts
    from parity_passes where kind = ${kind} order by id desc limit ${limit}`);
  if (passes.length === 0) return [];
  const samples = await db.any(sql.type(sampleRow.extend({ passId: z.coerce.string() }))`
    select pass_id as "passId", user_id as "userId", finding, detail from parity_samples
    where pass_id = any (${sql.array(passes.map((p) => p.id), 'text')}::int8[]) order by id`);
  return passes.map((p) => ({ ...p, samples: samples.filter((s) => s.passId === p.id).map(({ passId: _, ...s }) => s) }));
}
