import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { toDatabaseError } from './errors';
import { storedStreakSchema } from './userStreaks';

// The streak_adjustments table: freeze grants, repairs, day-start changes and revocations, recorded
// once each by apply_streak_adjustment (sql/functions), which rebuilds the user's streak from the events
// under the user's lock. Grants and repairs come only from operators (the adjust-streaks CLI) and server
// integrations (the streak-adjustments topic); a user sets only their own day start (setDayStart).

export const ADJUSTMENT_KINDS = ['grant-freezes', 'repair', 'day-start', 'revoke'] as const;
export type AdjustmentKind = (typeof ADJUSTMENT_KINDS)[number];

/** One adjustment to record; `actor` says who (cli:<operator>, topic:<message id>). */
export type Adjustment =
  | { id: string; kind: 'grant-freezes'; userId: string; count: number; effectiveFrom: string; reason: string; actor: string }
  | { id: string; kind: 'repair'; userId: string; date: string; reason: string; actor: string }
  /** effectiveFrom null: from the user's next date (setDayStart); an operator may name an earlier one. */
  | { id: string; kind: 'day-start'; userId: string; minutes: number; effectiveFrom: string | null; reason: string; actor: string }
  | { id: string; kind: 'revoke'; userId?: string; revokes: string; reason: string; actor: string };

export const ADJUSTMENT_STATUSES = [
  'applied',
  'duplicate',
  'conflict',
  'already_repaired',
  'already_revoked',
  'already_set',
  'unknown_target',
  'not_revocable',
  'account_deleted',
] as const;

const outcomeSchema = z.object({
  status: z.enum(ADJUSTMENT_STATUSES),
  adjustmentId: z.string(),
  userId: z.string().nullable(),
  existingId: z.string().optional(),
  /** day-start: the first date the minutes apply to. */
  effectiveFrom: z.string().optional(),
  before: storedStreakSchema.nullable().optional(),
  after: storedStreakSchema.nullable().optional(),
});
/** What recording an adjustment did, with the user's streak before and after. */
export type AdjustmentOutcome = z.infer<typeof outcomeSchema>;

export interface AdjustmentRules {
  qualifySeconds: number;
  freezeCap: number;
}

/** Records one adjustment and rebuilds the user's streak (queueing its projection), in one statement. */
export async function applyAdjustment(db: CommonQueryMethods, a: Adjustment, rules: AdjustmentRules): Promise<AdjustmentOutcome> {
  const count = a.kind === 'grant-freezes' ? a.count : null;
  const minutes = a.kind === 'day-start' ? a.minutes : null;
  const date = a.kind === 'grant-freezes' || a.kind === 'day-start' ? a.effectiveFrom : a.kind === 'repair' ? a.date : null;
  const revokes = a.kind === 'revoke' ? a.revokes : null;
  try {
    return await db.oneFirst(sql.type(z.object({ outcome: outcomeSchema }))`
      select apply_streak_adjustment(
        ${a.id}, ${a.userId ?? null}::text, ${a.kind}, ${count}::int, ${minutes}::int, ${date}::date, ${revokes}::text, ${a.reason}, ${a.actor},
        ${rules.qualifySeconds}::int, ${rules.freezeCap}::int) as outcome`);
  } catch (error) {
    throw toDatabaseError(error);
  }
}

const storedAdjustment = z.object({
  adjustmentId: z.string(),
  kind: z.enum(ADJUSTMENT_KINDS),
  count: z.number().nullable(),
  minutes: z.number().nullable(),
  date: z.string().nullable(),
  revokes: z.string().nullable(),
  revokedBy: z.string().nullable(),
  reason: z.string(),
  actor: z.string(),
  createdAt: z.string(),
});
/** An adjustment as stored, with the id of the revoke that cancelled it (if any). */
export type StoredAdjustment = z.infer<typeof storedAdjustment>;

/** Every adjustment of a user, oldest first (the export; a user has few). */
export async function listAdjustments(db: CommonQueryMethods, userId: string): Promise<StoredAdjustment[]> {
  try {
    return [
      ...(await db.any(sql.type(storedAdjustment)`
        select a.id as "adjustmentId", a.kind, a.count, a.minutes, to_char(a.local_date, 'YYYY-MM-DD') as date, a.revokes,
               (select r.id from streak_adjustments r where r.revokes = a.id) as "revokedBy", a.reason, a.actor,
               iso_utc(a.created_at) as "createdAt"
        from streak_adjustments a where a.user_id = ${userId}
        order by a.created_at, a.id`)),
    ];
  } catch (error) {
    throw toDatabaseError(error);
  }
}

const reasonCount = z.object({ kind: z.enum(ADJUSTMENT_KINDS), reason: z.string(), adjustments: z.number(), users: z.number() });
/** Adjustments recorded, by kind and reason (the migration's status page counts amnesty this way). */
export type AdjustmentsByReason = z.infer<typeof reasonCount>;

export async function countAdjustmentsByReason(db: CommonQueryMethods): Promise<AdjustmentsByReason[]> {
  try {
    return [
      ...(await db.any(sql.type(reasonCount)`
        select a.kind, a.reason, count(*)::int as adjustments, count(distinct a.user_id)::int as users
        from streak_adjustments a group by a.kind, a.reason order by a.kind, count(*) desc, a.reason`)),
    ];
  } catch (error) {
    throw toDatabaseError(error);
  }
}
