/**
 * What streaks/{userId} holds after the user's data was deleted: ids and a version, nothing else.
 * Apps read `deleted: true` as "no streak". The version is the user's last one (the SQL tombstone's
 * floor), so the projector's version guard drops any older message, however late it comes (a message
 * replayed from the dead-letter topic days later has a fresh publish time), and the user's next streak
 * (versions above the floor) replaces it whole. It is never removed: it holds only the id and a number.
 */
export interface StreakTombstone {
  userId: string;
  version: number;
  deleted: true;
}

export function isStreakTombstone(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { deleted?: unknown }).deleted === true;
}

export type TombstoneOutcome =
  | { written: true; previousVersion: number | null }
  /** A newer streak (the user recorded again after the deletion) is already there: it stays. */
  | { written: false; storedVersion: number };

/** Writes the tombstone of streaks/{userId}, unless the stored document is newer than the floor. */
export interface StreakTombstoneStore {
  writeTombstone(userId: string, versionFloor: number): Promise<TombstoneOutcome>;
}
