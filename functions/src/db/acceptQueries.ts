import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { LocalDate, Run, SessionTimes } from '../domain';
import { NEW_USER_STREAK, storedStreakSchema } from './userStreaks';

// The write path's two round trips, as named prepared statements (db/namedStatements.ts): the
// PL/pgSQL functions accept_session_read and accept_session_write (sql/), which read and write
// focus_sessions, daily_focus, streak_runs, user_streaks and the streak_outbox insert in one transaction. Each table's other reads and
// writes live in its own module here (focusSessions, userStreaks, streakOutbox, ...).

const storedSession = z.object({ startMs: z.coerce.number(), endMs: z.coerce.number(), timeZone: z.string() });

const readResult = z.object({
  existing: storedSession.extend({ userId: z.string() }).nullable(),
  revision: z.coerce.number().int().nullable(),
  streak: storedStreakSchema.nullable(),
  latest: z.object({ sessionId: z.string(), endMs: z.coerce.number(), timeZone: z.string() }).nullable(),
  others: z.array(storedSession),
  credits: z.array(z.object({ date: z.string(), seconds: z.number().int() })),
  runs: z.array(z.object({ start: z.string(), end: z.string() })),
});
export type AcceptRead = z.infer<typeof readResult>;

const iso = (ms: number) => new Date(ms).toISOString();

/** A per-user token bucket: `perMinute` sustained, up to `burst` at once. */
export interface RateLimit {
  /** The bucket's name: the callable it limits. */
  action: string;
  perMinute: number;
  burst: number;
}

const limitedResult = z.object({ retryAfterSeconds: z.number().int().min(1) });

type ReadArgs = { userId: string; sessionId: string; window: { fromMs: number; toMs: number }; dates: readonly LocalDate[] };

/** The user's Firebase Auth account was deleted (sql/014): nothing is accepted for this uid. */
export type AccountGone = { accountDeleted: true };

/** Everything the domain needs to accept a session, in one statement. */
export async function readForAccept(db: CommonQueryMethods, args: ReadArgs): Promise<AcceptRead | AccountGone>;
/** The same statement first takes a token of `rateLimit` (no extra round trip); refused: nothing is read. */
export async function readForAccept(db: CommonQueryMethods, args: ReadArgs, rateLimit: RateLimit): Promise<AcceptRead | AccountGone | { retryAfterSeconds: number }>;
export async function readForAccept(db: CommonQueryMethods, args: ReadArgs, rateLimit?: RateLimit): Promise<AcceptRead | AccountGone | { retryAfterSeconds: number }> {
  const { userId, sessionId, window, dates } = args;
  // The tombstone of a deleted user (sql/010, sql/014) comes in the same statement: their new streak
  // starts above its floor (the answer says the version the projection will show), and a gone
  // Firebase Auth account is refused before anything is computed.
  const tombstone = sql.fragment`d.version_floor as floor, d.account_deleted_at is not null as gone`;
  const tombstoneJoin = sql.fragment`left join deleted_users d on d.user_id = u.id`;
  const extra = { floor: z.coerce.number().nullable(), gone: z.boolean().nullable() };
  if (!rateLimit) {
    const row = await db.one(sql.type(z.object({ result: readResult, ...extra }))`-- statement: accept_read
      select accept_session_read(
        u.id, ${sessionId},
        ${iso(window.fromMs)}::timestamptz, ${iso(window.toMs)}::timestamptz,
        ${dates[0]}::date, ${dates[dates.length - 1]}::date
      ) as result, ${tombstone}
      from (select ${userId}::text as id) u ${tombstoneJoin}`);
    return row.gone ? { accountDeleted: true } : aboveFloor(row.result, row.floor);
  }
  const row = await db.one(sql.type(z.object({ result: z.union([readResult, limitedResult]), ...extra }))`-- statement: accept_read_limited
    select accept_session_read_limited(
      ${rateLimit.action}, ${rateLimit.perMinute}::float8, ${rateLimit.burst}::float8,
      u.id, ${sessionId},
      ${iso(window.fromMs)}::timestamptz, ${iso(window.toMs)}::timestamptz,
      ${dates[0]}::date, ${dates[dates.length - 1]}::date
    ) as result, ${tombstone}
    from (select ${userId}::text as id) u ${tombstoneJoin}`);
  if (row.gone) return { accountDeleted: true };
  return 'retryAfterSeconds' in row.result ? row.result : aboveFloor(row.result, row.floor);
}

/** A deleted user without a streak row yet reads as a new user whose versions continue from the floor. */
function aboveFloor(read: AcceptRead, floor: number | null): AcceptRead {
  return read.streak === null && floor ? { ...read, streak: { ...NEW_USER_STREAK, version: floor } } : read;
}

export interface AcceptWrite {
  userId: string;
  sessionId: string;
  session: SessionTimes;
  source: string;
  /** The revision the read saw; null for a user never seen. */
  expectedRevision: number | null;
  credits: ReadonlyMap<LocalDate, number>;
  removedRuns: readonly Run[];
  addedRuns: readonly Run[];
  zone: string;
  /** Null when the streak did not change: no version bump, no outbox row. */
  change: null | {
    currentStreak: number;
    longestStreak: number;
    lastQualifiedDate: LocalDate | null;
    qualifiedDaysCount: number;
    version: number;
    payload: unknown;
  };
}

/**
 * The arguments both write functions take, in their order: the session, the credits, the runs, the
 * change. The text must not depend on the values (the statements are named): no fragment that is
 * there for some calls only; the payload goes as text cast to jsonb.
 */
function writeArguments(w: AcceptWrite) {
  const c = w.change;
  return sql.fragment`
      ${w.userId}, ${w.sessionId}, ${iso(w.session.startMs)}::timestamptz, ${iso(w.session.endMs)}::timestamptz,
      ${w.session.timeZone}, ${w.source}, ${w.expectedRevision}::bigint,
      ${sql.array([...w.credits.keys()], 'date')}, ${sql.array([...w.credits.values()], 'int4')},
      ${sql.array(w.removedRuns.map((r) => r.start), 'date')},
      ${sql.array(w.addedRuns.map((r) => r.start), 'date')}, ${sql.array(w.addedRuns.map((r) => r.end), 'date')},
      ${w.zone},
      ${c?.currentStreak ?? null}::int, ${c?.longestStreak ?? null}::int,
      ${c?.lastQualifiedDate ?? null}::date, ${c?.qualifiedDaysCount ?? null}::int,
      ${c?.version ?? null}::bigint, ${c ? JSON.stringify(c.payload) : null}::jsonb`;
}

/** One transaction: 'stale' (nothing written, read again) or 'written' with the new outbox row id. */
export async function writeAccept(db: CommonQueryMethods, w: AcceptWrite): Promise<{ status: 'written' | 'stale'; outboxId: string | null }> {
  return db.one(sql.type(z.object({ status: z.enum(['written', 'stale']), outboxId: z.coerce.string().nullable() }))`-- statement: accept_write
    select status, outbox_id as "outboxId" from accept_session_write(
      ${writeArguments(w)}
    )`).catch((error: unknown) => {
    if (hasSqlState(error, SESSION_ID_TAKEN)) return { status: 'stale' as const, outboxId: null };
    throw error;
  });
}

/**
 * The write under the user's lock (sql/009): 'written', or 'stale' with a fresh read taken under the
 * lock, which this connection then holds until its next write ('written' releases it). `lockHeld`:
 * this connection holds it from a previous stale answer. Run on one connection (pool.connect).
 */
export async function writeAcceptLocking(
  db: CommonQueryMethods,
  w: AcceptWrite,
  read: { lockHeld: boolean; window: { fromMs: number; toMs: number }; dates: readonly LocalDate[] },
): Promise<{ status: 'written'; outboxId: string | null } | { status: 'stale'; fresh: AcceptRead | null }> {
  const row = await db
    .one(sql.type(z.object({ status: z.enum(['written', 'stale']), outboxId: z.coerce.string().nullable(), fresh: readResult.nullable() }))`-- statement: accept_write_locking
    select status, outbox_id as "outboxId", fresh from accept_session_write_locking(
      ${read.lockHeld}, ${iso(read.window.fromMs)}::timestamptz, ${iso(read.window.toMs)}::timestamptz,
      ${read.dates[0]}::date, ${read.dates[read.dates.length - 1]}::date,
      ${writeArguments(w)}
    )`)
    .catch((error: unknown) => {
      // The session id was taken after the read: nothing written, no lock taken by this statement.
      if (hasSqlState(error, SESSION_ID_TAKEN)) return { status: 'stale' as const, outboxId: null, fresh: null };
      throw error;
    });
  return row.status === 'written' ? { status: 'written', outboxId: row.outboxId } : { status: 'stale', fresh: row.fresh };
}

/** Releases the user's lock a stale answer left with this connection (only after a failed write). */
export async function releaseAcceptLock(db: CommonQueryMethods, userId: string): Promise<void> {
  await db.query(sql.type(z.object({ released: z.boolean() }))`select pg_advisory_unlock(accept_session_lock_key(${userId})) as released`);
}

// Raised by accept_session_write when another writer took the session id after our read.
const SESSION_ID_TAKEN = 'FSSTA';

function hasSqlState(error: unknown, code: string): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === code) return true;
  }
  return false;
}
