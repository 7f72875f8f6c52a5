import { z } from 'zod';
import { userIdSchema } from './userId';

const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const isoInstant = z.string().datetime({ offset: true });

/**
 * Data of a `streak-updated` Pub/Sub message (a contract other programs read), also the payload stored in
 * streak_outbox. The Firestore document streaks/{userId} holds the same fields.
 */
export const streakEventSchema = z
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
  })
  .strict();

export type StreakEvent = z.infer<typeof streakEventSchema>;

/** Message attributes: strings only, so subscribers can filter without parsing data. */
export function streakEventAttributes(event: Pick<StreakEvent, 'userId' | 'version'>): { userId: string; version: string } {
  return { userId: event.userId, version: String(event.version) };
}
