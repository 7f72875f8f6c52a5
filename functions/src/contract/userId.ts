import { z } from 'zod';

/**
 * A Firebase Auth uid every door accepts: 1–128 characters that can name one Firestore document
 * (streaks/{uid}, users/{uid}) and be stored as PostgreSQL text. A custom token may carry any uid;
 * one with "/" would address another user's documents (doc(uid), recursiveDelete), so it is refused.
 */
export const userIdSchema = z
  .string()
  .min(1)
  .max(128)
  .refine((uid) => !uid.includes('/'), 'must not contain "/"')
  .refine((uid) => uid !== '.' && uid !== '..', 'must not be "." or ".."')
  .refine((uid) => !/^__.*__$/.test(uid), 'must not look like a reserved Firestore id (__…__)')
  .refine((uid) => !uid.includes('\u0000'), 'must not contain the character U+0000');

/** Whether `uid` can be used as a user id everywhere (see userIdSchema). */
export function isUsableUserId(uid: unknown): boolean {
  return userIdSchema.safeParse(uid).success;
}
