import type { Reject } from './rejectReason';

/**
 * The one reject of a legacy session whose zone is an IANA name PostgreSQL does not know (its tzdata
 * is older than Node's): stored, every later rebuild of the user would fail. Shared by the bridge and
 * the sessions backfill, so both say it alike.
 */
export function unknownZoneReject(path: string, timeZone: string, raw: unknown): Reject {
  return { path, reason: 'invalid_timezone', detail: `time zone ${JSON.stringify(timeZone)} is not known to the database`, raw };
}
