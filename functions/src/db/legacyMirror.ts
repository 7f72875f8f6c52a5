import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { toDatabaseError } from './errors';
import type { SessionKey } from './focusSessions';

// The legacy_mirror table (sql/migrations/031): callable sessions to write to legacy Firestore
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
