import { z } from 'zod';
import { userIdSchema } from '../../../functions/src/contract/userId';
import { DAY_START_STEP_MINUTES, isDayStartMinutes, MAX_DAY_START_MINUTES } from '../../../functions/src/domain/dayStart';
import { adjustmentDateSchema, adjustmentIdSchema, adjustmentReasonSchema } from '../../../functions/src/contract/streakAdjustmentMessage';

// The values an operator types for an adjustment, checked before anything touches the database.
// streak_adjustments checks the same bounds; checking here turns a constraint violation into a usage line.

/** Most freezes one grant gives (streak_adjustments.count). */
export const FREEZE_COUNT = { min: 1, max: 100 } as const;

/** The range parseCommandLine checks --minutes against; the step is adjustmentFields.minutes'. */
export const DAY_START_MINUTES = { min: 0, max: MAX_DAY_START_MINUTES } as const;

export const adjustmentFields = {
  // A uid typed with a stray space would silently name another (new) user: refused, as delete-user does.
  user: userIdSchema.refine((uid) => uid.trim() === uid, 'must not start or end with spaces'),
  // The topic's rules, so an adjustment the CLI records could also have come from the topic.
  date: adjustmentDateSchema,
  reason: adjustmentReasonSchema,
  id: adjustmentIdSchema,
  // The rule setDayStart holds a user to: every date keeps a positive length whatever the change.
  minutes: z.number().refine(isDayStartMinutes, `must be a multiple of ${DAY_START_STEP_MINUTES} from 0 to ${MAX_DAY_START_MINUTES}`),
};

/** `value` if `schema` accepts it; else one problem line naming `label` and the value. */
export function fieldValue<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown, label: string, problems: string[]): T | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : String(value);
  problems.push(`${label} ${shown}: ${parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')} ${i.message}` : i.message)).join('; ')}`);
  return undefined;
}
