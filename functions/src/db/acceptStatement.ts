import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { DEFAULT_FREEZE_CAP, type SessionTimes } from '../domain';
import { storedStreakSchema } from './userStreaks';

// The write path's one round trip: accept_session (sql/functions/accept_session.sql) takes the rate-limit
// token, the user's lock, stores or classifies the session and writes focus_sessions, daily_focus,
// streak_runs, user_streaks and the streak_outbox row in one statement, run as a named prepared
// statement (db/namedStatements.ts).

/** A per-user token bucket: `perMinute` sustained, up to `burst` at once. */
export interface RateLimit {
  /** The bucket's name: the callable it limits. */
  action: string;
  perMinute: number;
  burst: number;
}

const acceptAnswer = z.discriminatedUnion('status', [
  z.object({ status: z.literal('accepted'), streak: storedStreakSchema, outboxId: z.string().nullable() }),
  z.object({ status: z.literal('duplicate'), streak: storedStreakSchema, outboxId: z.null() }),
  z.object({ status: z.literal('conflict') }),
  z.object({ status: z.literal('rate_limited'), retryAfterSeconds: z.number().int().min(1) }),
  // The uid's Firebase Auth account was deleted (deleted_users.account_deleted_at): nothing is stored.
  z.object({ status: z.literal('account_deleted') }),
]);
export type AcceptAnswer = z.infer<typeof acceptAnswer>;

export interface AcceptStatement {
  userId: string;
  sessionId: string;
  /** The zone in its one stored spelling. */
  session: SessionTimes;
  source: string;
  qualifySeconds: number;
  /** Most freezes held at once; the database's default (the param's) when absent. */
  freezeCap?: number;
  /** Taken first; refused, nothing else happens. */
  rateLimit?: RateLimit;
  /** Queue the session, when stored, for the legacy Firestore mirror (legacy_mirror). */
  mirror?: boolean;
  /** The W3C traceparent stored on the outbox row, so its publish and projection log under the same trace. */
  trace?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Stores one session and everything derived from it, or says why not: one statement, one round trip. */
export async function acceptInSql(db: CommonQueryMethods, a: AcceptStatement): Promise<AcceptAnswer> {
  // The text may not depend on the values (a named statement): the rate limit's absence is three nulls.
  return db.oneFirst(sql.type(z.object({ answer: acceptAnswer }))`-- statement: accept_session
    select accept_session(
      ${a.userId}, ${a.sessionId}, ${iso(a.session.startMs)}::timestamptz, ${iso(a.session.endMs)}::timestamptz,
      ${a.session.timeZone}, ${a.source}, ${a.qualifySeconds}::int,
      ${a.rateLimit?.action ?? null}::text, ${a.rateLimit?.perMinute ?? null}::float8, ${a.rateLimit?.burst ?? null}::float8,
      ${a.mirror ?? false}::boolean, ${a.trace ?? null}::text, ${a.freezeCap ?? DEFAULT_FREEZE_CAP}::int
    ) as answer`);
}
