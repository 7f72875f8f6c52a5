import { z } from 'zod';
import { userIdSchema } from './userId';

const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const isoInstant = z.string().datetime({ offset: true });

const FREEZE_FIELDS = ['freezesAvailable', 'frozenDates', 'dayStartMinutes'] as const;

/** The fields of a streak-updated event, each with its own schema. */
export const streakEventFields = z
  .object({
    // streaks/{userId} is addressed by it: an id that is not one document is malformed.
    userId: userIdSchema,
    version: z.number().int().positive(),
    currentStreak: z.number().int().min(0),
    longestStreak: z.number().int().min(0),
    lastQualifiedDate: localDate.nullable(),
    qualifiedDaysCount: z.number().int().min(0),
    timezone: z.string().min(1).nullable(),
    streakExpiresAt: isoInstant.nullable(),
    updatedAt: isoInstant,
    freezesAvailable: z.number().int().min(0).optional(),
    frozenDates: z.array(localDate).max(31).optional(),
    dayStartMinutes: z.number().int().min(0).max(720).optional(),
  })
  .strict();

/**
 * Data of a `streak-updated` Pub/Sub message (a contract other programs read), also the payload stored in
 * streak_outbox. The Firestore document streaks/{userId} holds the same fields. A message queued before
 * freezes existed has none of their three fields (that user held none); one with some of them is malformed.
 */
export const streakEventSchema = streakEventFields
  .superRefine((event, ctx) => {
    const present = FREEZE_FIELDS.filter((field) => event[field] !== undefined);
    if (present.length > 0 && present.length < FREEZE_FIELDS.length) {
      for (const field of FREEZE_FIELDS.filter((f) => !present.includes(f))) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [field], message: `required with ${present.join(', ')}` });
      }
    }
  })
  .transform((event) => ({ ...event, freezesAvailable: event.freezesAvailable ?? 0, frozenDates: event.frozenDates ?? [], dayStartMinutes: event.dayStartMinutes ?? 0 }));

export type StreakEvent = z.output<typeof streakEventSchema>;

/** Message attributes: strings only, so subscribers can filter without parsing data. */
export function streakEventAttributes(event: Pick<StreakEvent, 'userId' | 'version'>): { userId: string; version: string } {
  return { userId: event.userId, version: String(event.version) };
}
