import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

/**
 * The home of status_samples (sql/015): the outbox backlog as the status and the reconcile pass saw
 * it, at most one sample a minute, kept SAMPLE_DAYS days, so the status can chart it over time.
 */

export const SAMPLE_DAYS = 15;

export interface StatusSample {
  sampledAtMs: number;
  outboxPending: number;
  oldestPendingSeconds: number | null;
}

const sampleRow = z.object({ sampledAtMs: z.coerce.number(), outboxPending: z.number(), oldestPendingSeconds: z.number().nullable() });

/** Records the backlog now unless a sample of the last minute exists, and forgets samples past SAMPLE_DAYS. */
export async function recordStatusSample(db: CommonQueryMethods, sample: { outboxPending: number; oldestPendingSeconds: number | null }): Promise<boolean> {
  const inserted = await db.maybeOneFirst(sql.type(z.object({ inserted: z.boolean() }))`
    with pruned as (
      delete from status_samples where sampled_at < now() - ${SAMPLE_DAYS}::int * interval '1 day' returning 1
    )
    insert into status_samples (sampled_at, outbox_pending, oldest_pending_seconds)
    select now(), ${sample.outboxPending}::int, ${sample.oldestPendingSeconds}::int
    where not exists (select 1 from status_samples s where s.sampled_at > now() - interval '1 minute')
    on conflict (sampled_at) do nothing
    returning true as inserted`);
  return inserted === true;
}

/** The samples from `fromMs` on, oldest first. */
export async function statusSamplesSince(db: CommonQueryMethods, fromMs: number): Promise<readonly StatusSample[]> {
  return db.any(sql.type(sampleRow)`
    select (extract(epoch from s.sampled_at) * 1000)::float8 as "sampledAtMs", s.outbox_pending as "outboxPending",
           s.oldest_pending_seconds as "oldestPendingSeconds"
    from status_samples s
    where s.sampled_at >= to_timestamp(${fromMs}::float8 / 1000)
    order by s.sampled_at`);
}
