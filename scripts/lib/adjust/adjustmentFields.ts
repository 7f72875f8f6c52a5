import { z } from 'zod';
import { userIdSchema } from '../../../functions/src/contract/userId';
import { isLocalDate } from '../../../functions/src/domain';

// The values an operator types for an adjustment, checked before anything touches the database.
// streak_adjustments checks the same bounds; checking here turns a constraint violation into a usage line.

/** Most freezes one grant gives (streak_adjustments.count). */
export const FREEZE_COUNT = { min: 1, max: 100 } as const;

// The walk goes date by date from a user's first event: a typo such as 0205-03-01 would make every
// later rebuild of that user walk eighteen centuries, so dates are held to this century.
const FIRST_DATE = '2000-01-01';
const LAST_DATE = '2099-12-31';

export const adjustmentFields = {
  // A uid typed with a stray space would silently name another (new) user: refused, as delete-user does.
  user: userIdSchema.refine((uid) => uid.trim() === uid, 'must not start or end with spaces'),
  date: z
    .string()
    .refine(isLocalDate, 'must be a real calendar date, YYYY-MM-DD')
    .refine((date) => date >= FIRST_DATE && date <= LAST_DATE, `must be from ${FIRST_DATE} to ${LAST_DATE}`),
  reason: z.string().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
  id: z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters'),
};

/** `value` if `schema` accepts it; else one problem line naming `label` and the value. */
export function fieldValue<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown, label: string, problems: string[]): T | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : String(value);
  problems.push(`${label} ${shown}: ${parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')} ${i.message}` : i.message)).join('; ')}`);
  return undefined;
}
