import { z } from 'zod';
import { userIdSchema } from '../contract/userId';
import { isValidTimeZone } from '../domain';
import type { LegacyPath } from './legacyPath';
import type { Reject } from './rejectReason';

export interface LegacyUser {
  path: string;
  userId: string;
  /** Null when the legacy document has none. */
  timeZone: string | null;
}

const userDocSchema = z.object({ timezone: z.union([z.string(), z.null(), z.undefined()]) }).passthrough();

/** A legacy `users/{uid}` document; only its zone matters to the migration. */
export function parseLegacyUser(location: LegacyPath, data: unknown): { ok: true; user: LegacyUser } | { ok: false; reject: Reject } {
  const reject = (reason: Reject['reason'], detail: string) => ({ ok: false as const, reject: { path: location.path, reason, detail, raw: data } });
  if (!userIdSchema.safeParse(location.id).success) return reject('invalid_user', 'user id must be 1-128 characters that name one document');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return reject('malformed_json', 'document data must be an object');
  const doc = userDocSchema.safeParse(data);
  if (!doc.success) return reject('invalid_timezone', 'timezone must be a string');
  const zone = doc.data.timezone || null;
  if (zone !== null && !isValidTimeZone(zone)) return reject('invalid_timezone', `unknown IANA zone ${JSON.stringify(zone)}`);
  return { ok: true, user: { path: location.path, userId: location.id, timeZone: zone } };
}
