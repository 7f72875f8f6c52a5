import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { toDatabaseError } from './errors';

// A user's own data across every table: the pages of exportMyData and delete_user_data (sql/functions),
// which deletes every row about the user in one transaction and leaves the id-only tombstone.

/** Sessions per export page, at most. */
export const EXPORT_PAGE_MAX = 1000;

/** Where the next export page starts: after this (start_time, session_id), both exact. */
export interface ExportPosition {
  /** start_time with microseconds, UTC (`2025-06-01T08:00:00.000000Z`). */
  startTime: string;
  sessionId: string;
}

export interface ExportedSession {
  sessionId: string;
  startTime: string;
  endTime: string;
  timezone: string;
  source: 'callable' | 'bridge' | 'backfill';
  createdAt: string;
}

const MS = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';
const US = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';

const sessionRow = z.object({
  sessionId: z.string(),
  startTime: z.string(),
  endTime: z.string(),
  timezone: z.string(),
  source: z.enum(['callable', 'bridge', 'backfill']),
  createdAt: z.string(),
  position: z.string(),
});

/**
 * One page of the user's sessions in (start_time, session_id) order, after `after` when given: a
 * keyset page (an index range, never an offset), so every page costs the same however deep.
 */
export async function exportSessionsPage(
  db: CommonQueryMethods,
  userId: string,
  after: ExportPosition | null,
  limit = EXPORT_PAGE_MAX,
): Promise<{ sessions: ExportedSession[]; next: ExportPosition | null }> {
  const from = after
    ? sql.fragment`and (f.start_time, f.session_id collate "C") > (${after.startTime}::timestamptz, ${after.sessionId} collate "C")`
    : sql.fragment``;
  let rows: readonly z.infer<typeof sessionRow>[];
  try {
    rows = await db.any(sql.type(sessionRow)`
      select f.session_id as "sessionId",
             to_char(f.start_time at time zone 'UTC', ${MS}) as "startTime",
             to_char(f.end_time at time zone 'UTC', ${MS}) as "endTime",
             f.timezone, f.source,
             to_char(f.created_at at time zone 'UTC', ${MS}) as "createdAt",
             to_char(f.start_time at time zone 'UTC', ${US}) as position
      from focus_sessions f
      where f.user_id = ${userId} ${from}
      order by f.start_time, f.session_id collate "C"
      limit ${limit + 1}`);
  } catch (error) {
    throw toDatabaseError(error);
  }
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const next = rows.length > limit && last ? { startTime: last.position, sessionId: last.sessionId } : null;
  return { sessions: page.map(({ position: _position, ...s }) => s), next };
}

export interface DeletedCounts {
  sessions: number;
  days: number;
  /** Mutual friendships the user had (each stored in both directions, counted once). */
  friendships: number;
  /** Pending friend requests, both ways. */
  requests: number;
}

export interface DeletionResult {
  deleted: DeletedCounts;
  /** The tombstone left: the version apps' documents and returning users start above. */
  versionFloor: number;
  deletedAt: string;
  /** The Firestore work this deletion recorded (pending_document_deletions): settle it with this instant. */
  documentsRequestedAt: string;
}

const deletionRow = z.object({
  sessions: z.number().int(),
  days: z.number().int(),
  friendships: z.number().int(),
  requests: z.number().int(),
  versionFloor: z.coerce.number().int(),
  deletedAt: z.string(),
  documentsRequestedAt: z.string(),
});

/**
 * Deletes every row about the user in one transaction (delete_user_data, one round trip), records
 * the tombstone and the Firestore work still to do. `accountDeleted`: the Firebase Auth account is
 * gone, so nothing of this uid is stored again (never undone). Idempotent: a second call deletes
 * nothing and keeps the floor.
 */
export async function deleteUserData(db: CommonQueryMethods, userId: string, options: { accountDeleted: boolean }): Promise<DeletionResult> {
  try {
    const row = await db.one(sql.type(deletionRow)`
      select sessions, days, friendships, requests, version_floor as "versionFloor",
             to_char(deleted_at at time zone 'UTC', ${US}) as "deletedAt",
             to_char(documents_requested_at at time zone 'UTC', ${US}) as "documentsRequestedAt"
      from delete_user_data(${userId}, ${options.accountDeleted})`);
    const { versionFloor, deletedAt, documentsRequestedAt, ...deleted } = row;
    return { deleted, versionFloor, deletedAt, documentsRequestedAt };
  } catch (error) {
    throw toDatabaseError(error);
  }
}

const countsRow = z.object({
  sessions: z.number().int(),
  days: z.number().int(),
  friendships: z.number().int(),
  requests: z.number().int(),
  outbox: z.number().int(),
  rejects: z.number().int(),
  streak: z.boolean(),
});

/** What deleteUserData would delete, counted without changing anything (the CLI's --dry-run). */
export async function countUserData(db: CommonQueryMethods, userId: string): Promise<z.infer<typeof countsRow>> {
  try {
    return await db.one(sql.type(countsRow)`
      select (select count(*)::int from focus_sessions f where f.user_id = ${userId}) as sessions,
             (select count(*)::int from daily_focus d where d.user_id = ${userId}) as days,
             (select count(*)::int from friendships f where f.user_id = ${userId}) as friendships,
             (select count(*)::int from friend_requests r where r.requester_id = ${userId} or r.addressee_id = ${userId}) as requests,
             (select count(*)::int from streak_outbox o where o.user_id = ${userId}) as outbox,
             (select count(*)::int from rejects_naming_user(${userId})) as rejects,
             exists (select from user_streaks s where s.user_id = ${userId}) as streak`);
  } catch (error) {
    throw toDatabaseError(error);
  }
}
