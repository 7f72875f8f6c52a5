/** Stable reason codes of rejected legacy documents: stored in backfill_rejects.reason, grep-able in logs. */
export const REJECT_REASONS = [
  'malformed_json',
  'invalid_path',
  'invalid_session_id',
  'missing_user',
  'invalid_user',
  'user_mismatch',
  'invalid_time',
  'implausible_time',
  'end_not_after_start',
  'too_long',
  'invalid_timezone',
  'missing_timezone',
  'conflict',
  'invalid_friends',
  'unknown_friend',
  // A legacy session of a user whose data was deleted, starting before the deletion, or of a deleted Firebase Auth account: it must not come back.
  'deleted_user',
  // The bridge took no more of this user's documents for now (the per-user bridge rate limit).
  'rate_limited',
  // A record of a managed export that cannot be read (bad CRC, broken fragments, not an entity); the detail names file and byte offset.
  'corrupt_export_record',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Reject {
  /** Document path, or `line:N` when a line had no readable path. */
  path: string;
  reason: RejectReason;
  detail: string;
  /** The raw document (or the raw line as a JSON string when it was not JSON). */
  raw: unknown;
}
