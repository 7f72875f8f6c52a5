import { z } from 'zod';
import { isLocalDate } from '../domain/localDate';
import { userIdSchema } from './userId';

/** An adjustment's id: the key it is recorded under once (a purchase or order id fits). */
export const ADJUSTMENT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

export const adjustmentIdSchema = z.string().max(128).regex(ADJUSTMENT_ID_PATTERN, 'must be 1–128 characters of A–Z, a–z, 0–9, _, ., : or -');

/**
 * The dates an adjustment may name. The streak is walked date by date from the user's earliest event
 * to the latest, in every rebuild: a date centuries away is a bug of the sender that would make each
 * rebuild of that user walk centuries (and time out, which would be retried as transient). Nothing
 * qualifies before 2000 (no session starts earlier, see validateSession).
 */
export const EARLIEST_ADJUSTMENT_DATE = '2000-01-01';
export const LATEST_ADJUSTMENT_DATE = '2099-12-31';

export const adjustmentDateSchema = z
  .string()
  .max(10)
  .refine(isLocalDate, 'must be a real calendar date, YYYY-MM-DD')
  .refine((d) => d >= EARLIEST_ADJUSTMENT_DATE && d <= LATEST_ADJUSTMENT_DATE, `must lie between ${EARLIEST_ADJUSTMENT_DATE} and ${LATEST_ADJUSTMENT_DATE}`);

/** Why an adjustment was made, kept with it. Stored as PostgreSQL text, which cannot hold U+0000. */
export const adjustmentReasonSchema = z.string().min(1, 'must not be empty').max(500, 'must be at most 500 characters').refine((r) => !r.includes('\u0000'), 'must not contain the character U+0000');

const common = {
  adjustmentId: adjustmentIdSchema,
  // streaks/{userId} is where the change shows: an id that is not one document is refused, as everywhere.
  userId: userIdSchema,
  reason: adjustmentReasonSchema,
};

/**
 * Data of a `streak-adjustments` Pub/Sub message (param ADJUSTMENTS_TOPIC), a contract the purchase
 * backend writes to: one adjustment, applied once per adjustmentId (a redelivery or a second publish
 * of the same content answers duplicate; other content under the same id is a conflict). Each kind
 * carries exactly its own fields; any other key is refused.
 * - grant-freezes: `count` (1–100) freezes, effective from the user's local date `effectiveFrom`.
 * - repair: the local `date` made qualified.
 * - revoke: cancels the adjustment `revokes` of the same user; `adjustmentId` is the revoke's own id.
 *   The id revoked goes in `revokes`, the name the table (streak_adjustments.revokes)
 *   and the adapter already use, so the message, the row and the CLI say the same thing.
 */
export const streakAdjustmentMessageSchema = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('grant-freezes'), count: z.number().int().min(1).max(100), effectiveFrom: adjustmentDateSchema }).strict(),
  z.object({ ...common, kind: z.literal('repair'), date: adjustmentDateSchema }).strict(),
  z.object({ ...common, kind: z.literal('revoke'), revokes: adjustmentIdSchema }).strict(),
]);

export type StreakAdjustmentMessage = z.infer<typeof streakAdjustmentMessageSchema>;
