import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

/**
 * The home of verify_results and verify_mismatches (sql/015): each verify run's counts and a capped
 * sample of its mismatches, so the status knows the last one. A sample row names a user (user_id),
 * and an account deletion removes it with the user's other rows.
 */

/** Mismatches kept per result: enough to start looking, small enough for any run. */
export const MISMATCH_SAMPLE_MAX = 100;

export interface VerifyMismatch {
  userId: string;
  verdict: string;
  differences: unknown;
}

export interface VerifyResult {
  id: string;
  finishedAtMs: number;
  source: string;
  counts: Record<string, unknown>;
  mismatches: VerifyMismatch[];
}

/** Stores a finished verify with at most MISMATCH_SAMPLE_MAX of its mismatches; results older than `keepDays` go. */
export async function recordVerifyResult(
  db: CommonQueryMethods,
  result: { source: string; counts: Record<string, unknown>; mismatches: readonly VerifyMismatch[] },
  keepDays: number,
): Promise<string> {
  const sample = result.mismatches.slice(0, MISMATCH_SAMPLE_MAX);
  const rows = sample.map((m) => [m.userId, m.verdict, JSON.stringify(m.differences ?? null)]);
  return db.oneFirst(sql.type(z.object({ id: z.coerce.string() }))`
    with pruned as (
      delete from verify_results where finished_at < now() - ${keepDays}::int * interval '1 day' returning 1
    ), stored as (
      insert into verify_results (source, counts) values (${result.source}, ${sql.jsonb(result.counts as never)}) returning id
    ), sampled as (
      insert into verify_mismatches (verify_id, user_id, verdict, differences)
      select s.id, m.user_id, m.verdict, m.differences::jsonb
      from stored s, ${sql.unnest(rows, ['text', 'text', 'text'])} as m(user_id, verdict, differences)
      on conflict do nothing
      returning 1
    )
    select id from stored`);
}

const resultRow = z.object({ id: z.coerce.string(), finishedAtMs: z.coerce.number(), source: z.string(), counts: z.record(z.unknown()) });
const mismatchRow = z.object({ userId: z.string(), verdict: z.string(), differences: z.unknown() });

/** The latest verify result with its sample, or null when verify never stored one. */
export async function lastVerifyResult(db: CommonQueryMethods): Promise<VerifyResult | null> {
  const result = await db.maybeOne(sql.type(resultRow)`
    select id, (extract(epoch from finished_at) * 1000)::float8 as "finishedAtMs", source, counts
    from verify_results order by id desc limit 1`);
  if (!result) return null;
  const mismatches = await db.any(sql.type(mismatchRow)`
    select user_id as "userId", verdict, differences from verify_mismatches where verify_id = ${result.id}::int8 order by user_id`);
  return { ...result, mismatches: mismatches.map((m) => ({ userId: m.userId, verdict: m.verdict, differences: m.differences ?? null })) };
}
