import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { Reject } from '../legacy';

/** The home of backfill_rejects: legacy documents a backfill run (run_id) or the bridge (null) refused. */

// jsonb cannot hold \u0000; a raw document is evidence, so keep it readable rather than fail the write.
const jsonText = (value: unknown): string => JSON.stringify(value ?? null).replace(/\\u0000/g, '\\ufffd');

/**
 * Records rejects, one row per (run, document path): a path seen again in the same run (a resumed
 * batch, a repeated export line, a redelivered bridge event) keeps its first reason. The raw document
 * of a deleted user (its userId, or a users/{uid} path) is never kept: only the path and the reason.
 */
export async function storeRejects(db: CommonQueryMethods, runId: string | null, rejects: readonly Reject[]): Promise<void> {
  if (rejects.length === 0) return;
  const rows = rejects.map((r) => [r.path, r.reason, r.detail, jsonText(r.raw)]);
  await db.oneFirst(sql.type(z.object({ n: z.number() }))`
    with stored as (
      insert into backfill_rejects (run_id, document_path, reason, detail, raw)
      select ${runId}, p, r, d,
             case when exists (select from deleted_users x
                               where x.user_id in (j::jsonb ->> 'userId', case when split_part(p, '/', 1) = 'users' then split_part(p, '/', 2) end))
                  then null else j::jsonb end
      from ${sql.unnest(rows, ['text', 'text', 'text', 'text'])} as t(p, r, d, j)
      on conflict (coalesce(run_id, ''), document_path) do nothing
      returning 1)
    select count(*)::int as n from stored`);
}

/** Per user: the distinct session documents that sessions backfill runs rejected (matched on raw userId). */
export async function rejectedSessionsByUser(db: CommonQueryMethods, userIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await db.any(sql.type(z.object({ id: z.string(), rejected: z.number() }))`
    select u.id,
           (select count(distinct r.document_path)::int from backfill_rejects r join backfill_runs b on b.id = r.run_id
             where b.kind = 'sessions' and r.raw ->> 'userId' = u.id) as rejected
    from unnest(${sql.array([...userIds], 'text')}) as u(id)`);
  return new Map(rows.map((r) => [r.id, r.rejected]));
}

/** Deletes up to `limit` rejects recorded more than `olderThanDays` ago, oldest first, in one short statement. */
export async function pruneRejects(db: CommonQueryMethods, olderThanDays: number, limit: number): Promise<number> {
  const deleted = await db.anyFirst(sql.type(z.object({ id: z.coerce.string() }))`
    delete from backfill_rejects r
    where r.id in (
      select id from backfill_rejects
      where created_at < now() - ${olderThanDays}::int * interval '1 day'
      order by id
      limit ${limit}
      for update skip locked)
    returning r.id`);
  return deleted.length;
}

/** The bridge's rejects (run_id null) of the last `hours` hours by reason, from their partial index (sql/015). */
export async function bridgeRejectsByReason(db: CommonQueryMethods, hours: number): Promise<Record<string, number>> {
  const rows = await db.any(sql.type(z.object({ reason: z.string(), n: z.number() }))`
    select reason, count(*)::int as n from backfill_rejects
    where run_id is null and created_at >= now() - ${hours}::int * interval '1 hour'
    group by reason order by reason`);
  return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
}

/** Rejects stored by backfill runs (run_id set) in the last `minutes` minutes, by reason (index of sql/migrations/020). */
export async function runRejectsByReason(db: CommonQueryMethods, minutes: number): Promise<Record<string, number>> {
  const rows = await db.any(sql.type(z.object({ reason: z.string(), n: z.number() }))`
    select reason, count(*)::int as n from backfill_rejects
    where run_id is not null and created_at >= now() - ${minutes}::int * interval '1 minute'
    group by reason order by reason`);
  return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
}

/** Which of these document paths the bridge (or the reconcile pass, through it) already refused. */
export async function bridgeRejectedPaths(db: CommonQueryMethods, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  const rows = await db.anyFirst(sql.type(z.object({ path: z.string() }))`
    select r.document_path as path from backfill_rejects r
    where coalesce(r.run_id, '') = '' and r.document_path = any (${sql.array([...paths], 'text')})`);
  return new Set(rows);
}
