import { MAX_EVENT_AGE_MS } from './handleStreakMessage';

/**
 * What streaks/{userId} holds after the user's data was deleted: ids and a version, nothing else.
 * Apps read `deleted: true` as "no streak". The version is the user's last one (the SQL tombstone's
 * floor), so the projector's version guard drops any older message still in flight, and the user's
 * next streak (versions above the floor) replaces it whole. A Firestore TTL policy on expireAt
 * removes it once no message can still arrive.
 */
export interface StreakTombstone<T> {
  userId: string;
  version: number;
  deleted: true;
  expireAt: T;
}

/** Twice the projector's maximum message age: every message older than the deletion is dropped before the tombstone goes. */
export const TOMBSTONE_TTL_MS = 2 * MAX_EVENT_AGE_MS;

export function isStreakTombstone(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { deleted?: unknown }).deleted === true;
}

export type TombstoneOutcome =
  | { written: true; previousVersion: number | null }
  /** A newer streak (the user recorded again after the deletion) is already there: it stays. */
  | { written: false; storedVersion: number };

/** Writes the tombstone of streaks/{userId}, unless the stored document is newer than the floor. */
export interface StreakTombstoneStore {
  writeTombstone(userId: string, versionFloor: number, expireAt: Date): Promise<TombstoneOutcome>;
}
