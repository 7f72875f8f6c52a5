import { sql, type DatabaseTransactionConnection } from 'slonik';
import { z } from 'zod';
import type { LocalDate, Run, SessionTimes } from '../domain';

const storedSession = z.object({ startMs: z.coerce.number(), endMs: z.coerce.number(), timeZone: z.string() });

export const storedStreakSchema = z.object({
  currentStreak: z.number().int(),
  longestStreak: z.number().int(),
  lastQualifiedDate: z.string().nullable(),
  qualifiedDaysCount: z.number().int(),
  timezone: z.string().nullable(),
  version: z.coerce.number().int(),
  updatedAt: z.string(),
});
export type StoredStreak = z.infer<typeof storedStreakSchema>;

const beginResult = z.discriminatedUnion('inserted', [
  z.object({
    inserted: z.literal(false),
    existing: storedSession.extend({ userId: z.string() }),
    streak: storedStreakSchema,
  }),
  z.object({
    inserted: z.literal(true),
    zone: z.string(),
    streak: storedStreakSchema,
    others: z.array(storedSession),
    credits: z.array(z.object({ date: z.string(), seconds: z.number().int() })),
    runs: z.array(z.object({ start: z.string(), end: z.string() })),
  }),
]);
export type BeginResult = z.infer<typeof beginResult>;

const iso = (ms: number) => new Date(ms).toISOString();

/** Locks the user, inserts the session idempotently and reads what the domain needs (one round trip). */
export async function beginAccept(
  tx: DatabaseTransactionConnection,
  args: { userId: string; sessionId: string; session: SessionTimes; source: string; window: { fromMs: number; toMs: number }; dates: LocalDate[] },
): Promise<BeginResult> {
  const { userId, sessionId, session, source, window, dates } = args;
  return tx.oneFirst(sql.type(z.object({ result: beginResult }))`
    select accept_session_begin(
      ${userId}, ${sessionId}, ${iso(session.startMs)}::timestamptz, ${iso(session.endMs)}::timestamptz,
      ${session.timeZone}, ${source},
      ${iso(window.fromMs)}::timestamptz, ${iso(window.toMs)}::timestamptz,
      ${dates[0]}::date, ${dates[dates.length - 1]}::date
    ) as result`);
}

export interface CommitArgs {
  userId: string;
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

/** Writes credits, runs, the user's zone and (if changed) the streak and its outbox row; returns the outbox id. */
export async function commitAccept(tx: DatabaseTransactionConnection, args: CommitArgs): Promise<string | null> {
  const { userId, credits, removedRuns, addedRuns, zone, change } = args;
  return tx.oneFirst(sql.type(z.object({ id: z.coerce.string().nullable() }))`
    select accept_session_commit(
      ${userId},
      ${sql.array([...credits.keys()], 'date')}, ${sql.array([...credits.values()], 'int4')},
      ${sql.array(removedRuns.map((r) => r.start), 'date')},
      ${sql.array(addedRuns.map((r) => r.start), 'date')}, ${sql.array(addedRuns.map((r) => r.end), 'date')},
      ${zone},
      ${change?.currentStreak ?? null}::int, ${change?.longestStreak ?? null}::int,
      ${change?.lastQualifiedDate ?? null}::date, ${change?.qualifiedDaysCount ?? null}::int,
      ${change?.version ?? null}::bigint, ${change ? sql.jsonb(change.payload as never) : null}::jsonb
    ) as id`);
}
