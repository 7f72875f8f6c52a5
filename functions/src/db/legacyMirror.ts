import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { toDatabaseError } from './errors';
import type { SessionKey } from './focusSessions';

// The legacy_mirror table (sql/migrations/018): callable sessions to write to legacy Firestore
// sessions/{docId}. accept_session queues a row in the accept's transaction (MIRROR_TO_LEGACY); the
// mirror pass claims due rows with a lease, marks what it wrote and backs off what failed. A row goes
// with its session (foreign key, on delete cascade), so a deleted user's rows vanish with their data.

export interface MirrorRow extends SessionKey {
  startMs: number;
  endMs: number;
  timeZone: string;
  attempts: number;
}

const mirrorRow = z.object({
  userId: z.string(),
  sessionId: z.string(),
  startMs: z.coerce.number(),
  endMs: z.coerce.number(),
  timeZone: z.string(),
  attempts: z.number().int(),
});
const key = z.object({ userId: z.string(), sessionId: z.string() });

/** Claims up to `limit` due rows for `leaseMs`, skipping rows another pass holds, with their sessions. */
export async function claimMirrorRows(db: CommonQueryMethods, limit: number, leaseMs: number): Promise<readonly MirrorRow[]> {
  try {
    return await db.any(sql.type(mirrorRow)`
      with due as (
        select m.user_id, m.session_id from legacy_mirror m
        where m.mirrored_at is null and m.next_attempt_at <= now()
        order by m.next_attempt_at
        limit ${limit}
        for update skip locked
      ), claimed as (
        update legacy_mirror m set next_attempt_at = now() + ${Math.round(leaseMs)}::int8 * interval '1 millisecond'
        from due where m.user_id = due.user_id and m.session_id = due.session_id
        returning m.user_id, m.session_id, m.attempts
      )
      select c.user_id as "userId", c.session_id as "sessionId",
             floor(extract(epoch from f.start_time) * 1000)::bigint as "startMs", floor(extract(epoch from f.end_time) * 1000)::bigint as "endMs",
             f.timezone as "timeZone", c.attempts
      from claimed c join focus_sessions f on f.user_id = c.user_id and f.session_id = c.session_id`);
  } catch (error) {
    throw toDatabaseError(error);
  }
}

const keyColumns = (keys: readonly SessionKey[]) =>
  sql.fragment`unnest(${sql.array(keys.map((k) => k.userId), 'text')}, ${sql.array(keys.map((k) => k.sessionId), 'text')}) as k(user_id, session_id)`;

/** Marks the rows whose documents were written; returns the keys still there (a deletion may have removed some meanwhile). */
export async function markMirrored(db: CommonQueryMethods, keys: readonly SessionKey[]): Promise<readonly SessionKey[]> {
  if (keys.length === 0) return [];
  return db.any(sql.type(key)`
    update legacy_mirror m set mirrored_at = now(), last_error = null
    from ${keyColumns(keys)}
    where m.user_id = k.user_id and m.session_id = k.session_id
    returning m.user_id as "userId", m.session_id as "sessionId"`);
}

/** Counts an attempt of each row and puts it off by its backoff. */
export async function markMirrorFailed(db: CommonQueryMethods, rows: readonly { key: SessionKey; retryInMs: number }[], error: string): Promise<void> {
  if (rows.length === 0) return;
  await db.query(sql.type(z.object({}))`
    update legacy_mirror m set attempts = m.attempts + 1, last_error = ${error.slice(0, 500)},
           next_attempt_at = now() + r.retry_ms * interval '1 millisecond'
    from unnest(${sql.array(rows.map((r) => r.key.userId), 'text')}, ${sql.array(rows.map((r) => r.key.sessionId), 'text')},
                ${sql.array(rows.map((r) => Math.round(r.retryInMs)), 'int8')}) as r(user_id, session_id, retry_ms)
    where m.user_id = r.user_id and m.session_id = r.session_id`);
}

/** Deletes up to `limit` rows mirrored more than `olderThanDays` ago; returns how many. */
export async function pruneMirroredRows(db: CommonQueryMethods, olderThanDays: number, limit: number): Promise<number> {
  const deleted = await db.anyFirst(sql.type(z.object({ userId: z.string() }))`
    delete from legacy_mirror m
    using (
      select user_id, session_id from legacy_mirror
      where mirrored_at < now() - ${olderThanDays}::int * interval '1 day'
      order by mirrored_at
      limit ${limit}
      for update skip locked) old
    where m.user_id = old.user_id and m.session_id = old.session_id
    returning m.user_id as "userId"`);
  return deleted.length;
}

export interface MirrorPassCounts {
  claimed: number;
  written: number;
  failed: number;
  compensated: number;
}

/**
 * Records what a scheduled run saw: whether the mirror is on, and its counts. Coverage starts at the
 * first run that sees it on (callables queued a little earlier, which only makes the claim safe) and
 * ends when a run sees it off: sessions accepted while it was off were never queued.
 */
export async function recordMirrorPass(db: CommonQueryMethods, enabled: boolean, counts: MirrorPassCounts): Promise<void> {
  await db.query(sql.type(z.object({}))`
    insert into mirror_state (enabled, seen_at, last_pass, covered_since)
    values (${enabled}, now(), ${sql.jsonb(counts as never)}, case when ${enabled} then now() end)
    on conflict (singleton) do update set
      enabled = excluded.enabled, seen_at = excluded.seen_at, last_pass = excluded.last_pass,
      covered_since = case when not excluded.enabled then null when mirror_state.enabled then mirror_state.covered_since else excluded.seen_at end`);
}

export interface QueueChunk {
  /** Callable sessions in the chunk that had no mirror row and got one (or would, in a dry run). */
  queued: number;
  /** The last session key the chunk read; null when nothing was left. */
  last: SessionKey | null;
}

/**
 * Queues for the mirror, in (user, session) order from after `after`, up to `limit` stored sessions:
 * the callable ones that arrived at or after `sinceMs` (null: any time) and have no mirror row yet.
 * Rows already there are left alone, written or not; a document written twice is the same document.
 */
export async function queueCallableSessions(
  db: CommonQueryMethods,
  options: { after: SessionKey | null; limit: number; sinceMs: number | null; userIds: readonly string[] | null; dryRun: boolean },
): Promise<QueueChunk> {
  const after = options.after ?? { userId: '', sessionId: '' };
  const users = options.userIds === null ? sql.fragment`true` : sql.fragment`f.user_id = any(${sql.array([...options.userIds], 'text')})`;
  const since = options.sinceMs === null ? sql.fragment`true` : sql.fragment`f.created_at >= to_timestamp(${options.sinceMs}::float8 / 1000)`;
  const row = z.object({ queued: z.number().int(), lastUserId: z.string().nullable(), lastSessionId: z.string().nullable() });
  const result = await db.one(sql.type(row)`
    with chunk as (
      select f.user_id, f.session_id, f.source = 'callable' and ${since} as wanted
      from focus_sessions f
      where (f.user_id, f.session_id) > (${after.userId}, ${after.sessionId}) and ${users}
      order by f.user_id, f.session_id
      limit ${options.limit}
    ), missing as (
      select c.user_id, c.session_id from chunk c
      where c.wanted and not exists (select from legacy_mirror m where m.user_id = c.user_id and m.session_id = c.session_id)
    ), queued as (
      insert into legacy_mirror (user_id, session_id)
      select user_id, session_id from missing where not ${options.dryRun}
      on conflict do nothing
      returning 1
    ), last as (
      select user_id, session_id from chunk order by user_id desc, session_id desc limit 1
    )
    select (case when ${options.dryRun} then (select count(*) from missing) else (select count(*) from queued) end)::int as queued,
           (select user_id from last) as "lastUserId", (select session_id from last) as "lastSessionId"`);
  return { queued: result.queued, last: result.lastUserId === null ? null : { userId: result.lastUserId, sessionId: result.lastSessionId as string } };
}

/** After every callable session since `sinceMs` (null: ever) was queued: coverage reaches back that far, if the mirror is on. */
export async function extendMirrorCoverage(db: CommonQueryMethods, sinceMs: number | null): Promise<boolean> {
  const since = sinceMs === null ? sql.fragment`'-infinity'::timestamptz` : sql.fragment`to_timestamp(${sinceMs}::float8 / 1000)`;
  const updated = await db.maybeOne(sql.type(z.object({ singleton: z.boolean() }))`
    update mirror_state set covered_since = least(covered_since, ${since})
    where enabled and covered_since is not null
    returning singleton`);
  return updated !== null;
}

const mirrorSummaryRow = z.object({
  enabled: z.boolean().nullable(),
  seenAtMs: z.number().nullable(),
  lastPass: z.object({ claimed: z.number(), written: z.number(), failed: z.number(), compensated: z.number() }).nullable(),
  pending: z.number().int(),
  failing: z.number().int(),
  oldestQueuedAtMs: z.number().nullable(),
  lastError: z.string().nullable(),
  /** From when on every callable session is queued (-Infinity: always; null: not covering). */
  coveredSinceMs: z.number().nullable(),
});
export type MirrorSummaryRow = z.infer<typeof mirrorSummaryRow>;

/**
 * The mirror at a glance, from the pending rows' partial index and the one-row state: rows still to
 * write, those that failed at least once, the age of the oldest, and the last run's view of the param.
 */
export async function mirrorSummary(db: CommonQueryMethods): Promise<MirrorSummaryRow> {
  return db.one(sql.type(mirrorSummaryRow)`
    with pending as (
      select count(*)::int as pending, count(*) filter (where attempts > 0)::int as failing,
             floor(extract(epoch from min(queued_at)) * 1000)::float8 as "oldestQueuedAtMs"
      from legacy_mirror where mirrored_at is null
    ), last_error as (
      select last_error from legacy_mirror where mirrored_at is null and last_error is not null order by next_attempt_at desc limit 1
    )
    select s.enabled, floor(extract(epoch from s.seen_at) * 1000)::float8 as "seenAtMs", s.last_pass as "lastPass",
           p.pending, p.failing, p."oldestQueuedAtMs", (select last_error from last_error) as "lastError",
           case when s.covered_since = '-infinity' then '-Infinity'::float8 else floor(extract(epoch from s.covered_since) * 1000)::float8 end as "coveredSinceMs"
    from pending p left join mirror_state s on true`);
}
