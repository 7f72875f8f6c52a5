import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

// The streak_outbox table's state transitions after the write path inserted a row (the insert is
// part of accept_session, db/acceptStatement.ts). A row is pending while published_at and
// superseded_at are both null. Claiming moves next_attempt_at forward by a lease instead of
// holding a transaction open across the network call: no connection is pinned while Pub/Sub
// answers, and a claimer that dies only delays the row by the lease.

const claimedRow = z.object({
  id: z.coerce.string(),
  userId: z.string(),
  version: z.coerce.number().int(),
  attempts: z.coerce.number().int(),
  /** Present on the newest claimed row of each user (relay) or on the single claimed row. */
  payload: z.unknown(),
  /** The W3C traceparent of the request that wrote the row, if any (migration 019). */
  trace: z.string().nullable(),
});

export const claimedBatchRow = claimedRow.extend({
  /** Highest version of this user already published, if any. */
  publishedVersion: z.coerce.number().int().nullable(),
});
export type ClaimedBatchRow = z.infer<typeof claimedBatchRow>;

export const claimedSingleRow = claimedRow.extend({
  /** True when a newer version of the user was already published: the row was marked superseded. */
  superseded: z.boolean(),
});
export type ClaimedSingleRow = z.infer<typeof claimedSingleRow>;

const ms = (value: number) => sql.fragment`(${Math.round(value)}::int8 * interval '1 millisecond')`;

/**
 * Claims one pending, due row for `leaseMs`, or marks it superseded when a newer version of its
 * user is already published. Null when the row is not pending, not due, or being claimed by a relay.
 */
export async function claimRow(db: CommonQueryMethods, outboxId: string, leaseMs: number): Promise<ClaimedSingleRow | null> {
  return db.maybeOne(sql.type(claimedSingleRow)`
    with target as (
      select o.id,
             exists (select 1 from streak_outbox n
                     where n.user_id = o.user_id and n.version > o.version and n.published_at is not null) as newer_published
      from streak_outbox o
      where o.id = ${outboxId}::int8
        and o.published_at is null and o.superseded_at is null and o.next_attempt_at <= now()
      for update of o skip locked
    )
    update streak_outbox o set
      superseded_at = case when t.newer_published then now() end,
      next_attempt_at = case when t.newer_published then o.next_attempt_at else now() + ${ms(leaseMs)} end
    from target t
    where o.id = t.id
    returning o.id, o.user_id as "userId", o.version, o.attempts, o.payload, o.trace, t.newer_published as superseded`);
}

/** Whether the row already reached a final state (published or superseded). */
export async function isRowSettled(db: CommonQueryMethods, outboxId: string): Promise<boolean> {
  const settled = await db.maybeOneFirst(sql.type(z.object({ settled: z.boolean() }))`
    select (published_at is not null or superseded_at is not null) as settled from streak_outbox where id = ${outboxId}::int8`);
  return settled === true;
}

/**
 * Claims up to `batchSize` due rows (oldest first, skipping rows another relay is claiming) plus
 * every other due row of the same users, so each user is published once per batch whatever
 * its backlog. Only the newest claimed row of each user carries its payload. The cost is linear
 * in the rows claimed (each user's published version is one index probe, not one per row), and
 * a user rarely has more than one pending row: a newer row supersedes the older ones, by the trigger streak_outbox_supersede_older (sql/functions).
 */
export async function claimBatch(db: CommonQueryMethods, batchSize: number, leaseMs: number): Promise<readonly ClaimedBatchRow[]> {
  return db.any(sql.type(claimedBatchRow)`
    with due as (
      select id, user_id from streak_outbox
      where published_at is null and superseded_at is null and next_attempt_at <= now()
      order by next_attempt_at, id
      limit ${batchSize}
      for update skip locked
    ), siblings as (
      select o.id from streak_outbox o
      where o.user_id in (select user_id from due)
        and o.published_at is null and o.superseded_at is null and o.next_attempt_at <= now()
      for update skip locked
    ), claimed as (
      update streak_outbox o set next_attempt_at = now() + ${ms(leaseMs)}
      where o.id in (select id from due union select id from siblings)
      returning o.id, o.user_id, o.version, o.attempts, o.payload, o.trace
    ), newest as (
      select c.user_id, max(c.version) as version from claimed c group by c.user_id
    ), published as (
      select n.user_id, n.version,
             (select p.version from streak_outbox p
              where p.user_id = n.user_id and p.published_at is not null
              order by p.version desc limit 1) as published_version
      from newest n
    )
    select c.id, c.user_id as "userId", c.version, c.attempts,
           case when c.version = p.version then c.payload end as payload, c.trace,
           p.published_version as "publishedVersion"
    from claimed c join published p on p.user_id = c.user_id
    order by c.user_id, c.version`);
}

export type Settlement =
  | { id: string; outcome: 'published' }
  | { id: string; outcome: 'superseded' }
  /** `error` set means this row was attempted (attempts + 1); null means it waits with its user's newest row. */
  | { id: string; outcome: 'failed'; error: string | null; retryInMs: number };

/**
 * Records outcomes in one statement. Only pending rows change, so a row is never marked twice
 * (e.g. when a lease expired and another claimer settled it first), with one exception: a row
 * superseded by a newer write while its publish was in flight is recorded as what it is, published.
 * Returns how many changed.
 */
export async function settleRows(db: CommonQueryMethods, settlements: readonly Settlement[]): Promise<number> {
  if (settlements.length === 0) return 0;
  const tuples = settlements.map((s) => [
    s.id,
    s.outcome,
    s.outcome === 'published' || (s.outcome === 'failed' && s.error !== null),
    s.outcome === 'failed' ? s.error : null,
    s.outcome === 'failed' ? Math.round(s.retryInMs) : 0,
  ]);
  const settled = await db.anyFirst(sql.type(z.object({ id: z.coerce.string() }))`
    update streak_outbox o set
      published_at = case when r.outcome = 'published' then now() end,
      superseded_at = case when r.outcome = 'superseded' then now() end,
      attempts = o.attempts + case when r.attempted then 1 else 0 end,
      last_error = coalesce(r.error, o.last_error),
      next_attempt_at = case when r.outcome = 'failed' then now() + r.retry_ms * interval '1 millisecond' else o.next_attempt_at end
    from ${sql.unnest(tuples, ['int8', 'text', 'bool', 'text', 'int8'])} as r(id, outcome, attempted, error, retry_ms)
    where o.id = r.id and o.published_at is null and (o.superseded_at is null or r.outcome = 'published')
    returning o.id`);
  return settled.length;
}

/**
 * Deletes up to `limit` outbox rows published or superseded more than `olderThanDays` ago; pending
 * rows are never touched. One short statement per call, so a pruning run never holds long locks.
 * A pruned published row cannot make an older version win: the projector keeps the highest version.
 */
export async function pruneSettledRows(db: CommonQueryMethods, olderThanDays: number, limit: number): Promise<number> {
  const deleted = await db.anyFirst(sql.type(z.object({ id: z.coerce.string() }))`
    delete from streak_outbox o
    where o.id in (
      select id from streak_outbox
      where coalesce(published_at, superseded_at) < now() - ${olderThanDays}::int * interval '1 day'
      order by id
      limit ${limit}
      for update skip locked)
    returning o.id`);
  return deleted.length;
}

/** The backlog: pending rows (at most one per user) and the age of the oldest, from the pending index. */
export async function pendingSummary(db: CommonQueryMethods): Promise<{ pending: number; oldestPendingSeconds: number | null; oldestPendingAtMs: number | null }> {
  return db.one(sql.type(z.object({ pending: z.number(), oldestPendingSeconds: z.number().nullable(), oldestPendingAtMs: z.coerce.number().nullable() }))`
    select count(*)::int as pending, floor(extract(epoch from now() - min(created_at)))::int as "oldestPendingSeconds",
           (extract(epoch from min(created_at)) * 1000)::float8 as "oldestPendingAtMs"
    from streak_outbox where published_at is null and superseded_at is null`);
}

/** The newest outbox row's id (0 when empty): marks how far a projection parity pass may sample. */
export async function highestOutboxId(db: CommonQueryMethods): Promise<string> {
  return db.oneFirst(sql.type(z.object({ id: z.coerce.string() }))`select coalesce(max(id), 0) as id from streak_outbox`);
}

/**
 * Up to `limit` distinct users with an outbox row whose id is in (afterId, upToId], walked in id
 * order from a random point of that range (and from its start, when that point is too late), over
 * the primary key: a sample of users whose streak changed then.
 */
export async function usersChangedBetween(db: CommonQueryMethods, afterId: string, upToId: string, limit: number): Promise<readonly string[]> {
  return db.anyFirst(sql.type(z.object({ userId: z.string() }))`
    with bounds as (select ${afterId}::int8 as lo, ${upToId}::int8 as hi),
         start as (select lo + floor(random() * greatest(hi - lo, 0))::int8 as at from bounds),
         walked as (
           (select o.user_id, o.id, 1 as part from streak_outbox o, bounds b, start s where o.id > s.at and o.id <= b.hi order by o.id limit ${limit * 20})
           union all
           (select o.user_id, o.id, 2 as part from streak_outbox o, bounds b, start s where o.id > b.lo and o.id <= s.at order by o.id limit ${limit * 20}))
    select w.user_id as "userId" from walked w group by w.user_id order by min(w.part), min(w.id) limit ${limit}`);
}
